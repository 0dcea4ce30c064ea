"use client";

import { useMemo, useState } from "react";
import type { StudyImage } from "@/lib/mimic/browse/get-study";
import { pickImage, previewUrl } from "./first-image";
import { ImageViewer } from "./image-viewer";
import { createViewLink } from "./view-link";

type Props = {
  images: StudyImage[];
  /** /api/datasets/<slug>/<version>/images — the authenticated image route. */
  imageRoute: string;
  watermark: { name: string; email: string };
  /** Images the route has no preview of (compressed files, known from their headers): no preview <img>. */
  noPreview?: string[];
};

type Layout = 1 | 2;

/**
 * The study's image list and its viewers: one viewport, or two side by side (PA + lateral), each
 * with its own tools. A "View" button puts its image into the active viewport.
 */
export function StudyImages({ images, imageRoute, watermark, noPreview = [] }: Props) {
  const local = images.filter((i) => i.presentLocally);
  const [layout, setLayout] = useState<Layout>(1);
  const [slots, setSlots] = useState<(string | null)[]>(() => [pickImage(local, null), null]);
  const [activeSlot, setActiveSlot] = useState(0);
  const [linked, setLinked] = useState(false);
  const link = useMemo(() => createViewLink(), []);
  const thumbnailRoute = imageRoute.replace(/\/images$/, "/thumbnails");
  const visible = slots.slice(0, layout);

  const show = (dicomId: string) => setSlots((s) => s.map((id, i) => (i === (layout === 1 ? 0 : activeSlot) ? dicomId : id)));

  const changeLayout = (next: Layout) => {
    if (next === layout) return;
    if (next === 2) {
      setSlots(([first, second]) => [first ?? null, second ?? pickImage(local, first ?? null)]);
      setActiveSlot(1);
    } else {
      // Back to one viewport: the one last worked in stays.
      setSlots(([first, second]) => (activeSlot === 1 ? [second ?? null, first ?? null] : [first ?? null, second ?? null]));
      setActiveSlot(0);
    }
    setLayout(next);
  };

  return (
    <>
      <div className="card">
        <h2>Images</h2>
        <div style={{ overflowX: "auto" }}>
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
                    <button type="button" className={visible.includes(i.dicomId) ? undefined : "secondary"} aria-pressed={visible.includes(i.dicomId)} aria-label={`View image ${i.dicomId}`} onClick={() => show(i.dicomId)}>
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
        {local.length > 0 && (
          <div role="group" aria-label="Viewer layout" className="inline" style={{ marginTop: ".8rem" }}>
            <span className="muted">Layout</span>
            {([1, 2] as const).map((n) => (
              <button
                key={n}
                type="button"
                className={layout === n ? undefined : "secondary"}
                aria-pressed={layout === n}
                disabled={n === 2 && local.length < 2}
                title={n === 1 ? "One image" : local.length < 2 ? "Only one image of this study is in lab storage" : "Two images side by side, each with its own tools"}
                onClick={() => changeLayout(n)}
              >
                {n === 1 ? "1×1" : "1×2"}
              </button>
            ))}
            {layout > 1 && (
              <button type="button" className={linked ? undefined : "secondary"} aria-pressed={linked} title="Window/level, zoom and pan in one viewport apply to both" onClick={() => setLinked((v) => !v)}>
                Link panes
              </button>
            )}
          </div>
        )}
      </div>
      {local.length > 1 && (
        // The study's images at a glance; a click puts one into the active viewport. Thumbnails come
        // from the audited, access-checked thumbnail route, never from a cache of the browser's.
        <nav aria-label="The study's images" data-testid="study-strip" style={{ display: "flex", gap: ".5rem", overflowX: "auto", marginBottom: ".8rem" }}>
          {local.map((i) => (
            <button
              key={i.dicomId}
              type="button"
              className={visible.includes(i.dicomId) ? undefined : "secondary"}
              aria-pressed={visible.includes(i.dicomId)}
              aria-label={`Show ${i.viewPosition ?? "image"} ${i.dicomId}`}
              onClick={() => show(i.dicomId)}
              style={{ flex: "0 0 auto", display: "flex", flexDirection: "column", alignItems: "center", gap: ".2rem", padding: ".3rem" }}
            >
              {/* eslint-disable-next-line @next/next/no-img-element -- next/image would keep copies of the image in its optimizer's cache */}
              <img src={`${thumbnailRoute}/${encodeURIComponent(i.dicomId)}`} alt="" loading="lazy" decoding="async" draggable={false} width={72} height={72} style={{ objectFit: "contain", background: "#000" }} />
              <span className="small">{i.viewPosition ?? "—"}</span>
            </button>
          ))}
        </nav>
      )}
      {visible.some(Boolean) && (
        <div data-testid="viewer-layout" data-layout={`1x${layout}`} style={{ display: "grid", gridTemplateColumns: `repeat(${layout}, minmax(0, 1fr))`, gap: "1rem", marginBottom: "1.25rem" }}>
          {visible.map((dicomId, slot) => {
            const image = local.find((i) => i.dicomId === dicomId);
            if (!image) return <div key={`empty-${slot}`} className="card muted">Choose an image with its View button.</div>;
            const src = `${imageRoute}/${encodeURIComponent(image.dicomId)}`;
            return (
              <ImageViewer
                key={`${slot}:${image.dicomId}`}
                src={src}
                previewSrc={noPreview.includes(image.dicomId) ? null : previewUrl(src, image)}
                title={`${image.viewPosition ?? "Image"} ${image.dicomId}`}
                watermark={watermark}
                active={layout > 1 && slot === activeSlot}
                onActivate={() => setActiveSlot(slot)}
                link={layout > 1 && linked ? link : undefined}
                linkId={slot}
              />
            );
          })}
        </div>
      )}
    </>
  );
}
