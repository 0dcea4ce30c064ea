import Link from "next/link";
import type { StudyRow } from "@/lib/mimic/browse/list-studies";

/**
 * Thumbnail mode: one tile per study. Pixels come from the DUA viewer (issue 5) when the images are
 * in lab storage; until then a tile shows what the study holds.
 */
export function StudyGrid({ rows, studyBase }: { rows: StudyRow[]; studyBase: string }) {
  return (
    <ul className="study-grid" data-testid="study-grid">
      {rows.map((r) => {
        const positives = Object.entries(r.labels).filter(([, s]) => s === "positive").map(([l]) => l);
        return (
          <li key={r.studyId}>
            <Link prefetch={false} href={`${studyBase}/${r.studyId}`}>
              <div className="tile" aria-hidden>{r.views.map((v) => v || "—").join(" · ")}</div>
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
