"use client";

import { useState } from "react";
import type { StudyImage } from "@/lib/mimic/browse/get-study";
import { ImageViewer } from "./image-viewer";

type Props = {
  images: StudyImage[];
  /** /api/datasets/<slug>/<version>/images — the authenticated image route. */
  imageRoute: string;
  watermark: { name: string; email: string };
};

/** The study's image list; a "View" button opens an image that is in lab storage in the viewer below. */
export function StudyImages({ images, imageRoute, watermark }: Props) {
  const [open, setOpen] = useState<string | null>(null);
  const current = images.find((i) => i.dicomId === open && i.presentLocally);
  return (
    <>
      <div className="card">
        <h2>Images</h2>
        <table data-testid="study-images">
          <thead>
            <tr><th>DICOM id</th><th>View</th><th>Size</th><th>Time</th><th>Procedure</th><th>Orientation</th><th>Split</th><th>In lab storage</th><th>Path</th><th>Viewer</th></tr>
          </thead>
          <tbody>
            {images.map((i) => (
              <tr key={i.dicomId} data-dicom-id={i.dicomId}>
                <td><code>{i.dicomId}</code></td>
                <td>{i.viewPosition ?? "—"}{i.viewCode ? <span className="muted"> ({i.viewCode})</span> : null}</td>
                <td>{i.rows && i.columns ? `${i.columns}×${i.rows}` : "—"}</td>
                <td>{i.studyTime ?? "—"}</td>
                <td>{i.procedure ?? "—"}</td>
                <td>{i.orientation ?? "—"}</td>
                <td>{i.split ?? "—"}</td>
                <td>{i.presentLocally ? "yes" : "no"}</td>
                <td><code>{i.path}</code></td>
                <td>
                  {i.presentLocally ? (
                    <button type="button" className={open === i.dicomId ? undefined : "secondary"} aria-pressed={open === i.dicomId} aria-label={`View image ${i.dicomId}`} onClick={() => setOpen(i.dicomId)}>
                      View
                    </button>
                  ) : (
                    <span className="muted" title="Only this image's metadata was imported; the file is not in lab storage.">not in lab storage</span>
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      {current && (
        <ImageViewer
          key={current.dicomId}
          src={`${imageRoute}/${encodeURIComponent(current.dicomId)}`}
          title={`${current.viewPosition ?? "Image"} ${current.dicomId}`}
          watermark={watermark}
        />
      )}
    </>
  );
}
