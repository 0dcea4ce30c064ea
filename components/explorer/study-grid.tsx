import Link from "next/link";
import { requireDatasetAccess } from "@/lib/auth/dataset-access";
import type { StudyRow } from "@/lib/mimic/browse/list-studies";
import { listStudyThumbnails } from "@/lib/thumbnails/study-thumbnails";

/**
 * Thumbnail mode: one tile per study, showing a frontal image when one is in lab storage (through
 * the audited, access-checked thumbnail route), otherwise what the study holds.
 */
export async function StudyGrid({ rows, studyBase }: { rows: StudyRow[]; studyBase: string }) {
  // studyBase is /datasets/<slug>/<version>/studies; the page has checked access, this only asks
  // the same chokepoint again for the dataset's id.
  const [, , slug = "", version = ""] = studyBase.split("/").map(decodeURIComponent);
  const { dataset } = await requireDatasetAccess({ slug, version });
  const thumbnails = await listStudyThumbnails({ datasetId: dataset.id, studyIds: rows.filter((r) => r.localImageCount > 0).map((r) => r.studyId) });
  const thumbnailRoute = `/api/datasets/${encodeURIComponent(dataset.slug)}/${encodeURIComponent(dataset.version)}/thumbnails`;
  return (
    <ul className="study-grid" data-testid="study-grid">
      {rows.map((r) => {
        const positives = Object.entries(r.labels).filter(([, s]) => s === "positive").map(([l]) => l);
        const dicomId = thumbnails.get(r.studyId);
        return (
          <li key={r.studyId} data-study-id={r.studyId}>
            <Link prefetch={false} href={`${studyBase}/${r.studyId}`}>
              <div className="tile" aria-hidden>
                {dicomId ? (
                  // A plain <img>: next/image would fetch the picture through its optimizer and cache it.
                  // eslint-disable-next-line @next/next/no-img-element
                  <img src={`${thumbnailRoute}/${encodeURIComponent(dicomId)}`} alt="" loading="lazy" decoding="async" draggable={false} data-testid="study-thumbnail" style={{ maxWidth: "100%", maxHeight: "100%", objectFit: "contain" }} />
                ) : (
                  r.views.map((v) => v || "—").join(" · ")
                )}
              </div>
              <strong>s{r.studyId}</strong> <span className="muted">{r.studyDate ?? ""}</span>
              <div className="muted small">{positives.length ? positives.join(", ") : "no positive label"}</div>
              <div className="muted small">{r.localImageCount}/{r.imageCount} images local</div>
            </Link>
          </li>
        );
      })}
      {rows.length === 0 && <li className="muted">No studies match these filters.</li>}
    </ul>
  );
}
