import Link from "next/link";
import type { DatasetRef } from "@/lib/datasets/find-dataset";
import type { StudyDetail, StudyImage } from "@/lib/mimic/browse/get-study";
import type { JoinedSources } from "@/lib/mimic/pairing/joined-sources";
import type { PairedVersion } from "@/lib/mimic/pairing/version-pairs";

/** One study's DICOM set (MIMIC-CXR) or JPG set (MIMIC-CXR-JPG); `images` null when the member may not see it. */
export type ImageSet = { key: "dicom" | "jpg"; ref: Pick<PairedVersion, "slug" | "version" | "title">; images: StudyImage[] | null };

const kindOf = (slug: string): ImageSet["key"] => (slug === "mimic-cxr" ? "dicom" : "jpg");

/** The study's own set first, then the paired version's (hidden when the member lacks its access). */
export function imageSets(opts: { own: StudyDetail; other: StudyDetail | null; dataset: DatasetRef; partner: JoinedSources["partner"]; side: JoinedSources["side"] }): ImageSet[] {
  const sets: ImageSet[] = [{ key: kindOf(opts.dataset.slug), ref: opts.dataset, images: opts.own.images }];
  if (opts.partner && opts.side) sets.push({ key: kindOf(opts.partner.slug), ref: opts.partner, images: opts.other ? opts.other.images : null });
  return sets;
}

const setName = (s: ImageSet) => (s.key === "dicom" ? "DICOM" : "JPG");

/**
 * Which of the study's two image sets the viewer shows, put right above the viewer: the table of
 * both sets below it is as long as the study, and above the viewer it pushed the image below the
 * fold of a 1000 px window. Shown only when the lab pairs the versions.
 */
export function ImageSetsSwitch({ sets, shown, studyHref }: { sets: ImageSet[]; shown: ImageSet["key"]; studyHref: string }) {
  if (sets.length < 2) return null;
  return (
    <p role="group" aria-label="Image set in the viewer" className="inline" data-testid="image-sets-switch">
      <span className="muted">Viewer shows</span>
      {sets.map((s) =>
        s.images === null ? (
          <span key={s.key} className="muted" data-testid={`image-set-hidden-${s.key}`}>
            {setName(s)}: hidden ({s.ref.slug} {s.ref.version}: you do not hold access to it)
          </span>
        ) : (
          <Link key={s.key} prefetch={false} href={`${studyHref}?images=${s.key}`} aria-current={s.key === shown ? "true" : undefined} className={s.key === shown ? "facet on" : "facet"} data-testid={`image-set-${s.key}`}>
            {setName(s)} ({s.ref.slug} {s.ref.version})
          </Link>
        ),
      )}
    </p>
  );
}

/** Both image sets of the study by dicom_id (the same acquisition as a DICOM and as a JPG). */
export function ImageSetsTable({ sets }: { sets: ImageSet[] }) {
  if (sets.length < 2) return null;
  const ids = [...new Set(sets.flatMap((s) => (s.images ?? []).map((i) => i.dicomId)))].sort();
  return (
    <div className="card" data-testid="image-sets">
      <h2>DICOM and JPG</h2>
      <table>
        <thead>
          <tr><th>dicom_id</th>{sets.map((s) => <th key={s.key}>{setName(s)}</th>)}</tr>
        </thead>
        <tbody>
          {ids.map((id) => (
            <tr key={id} data-testid="image-set-row">
              <td><code>{id}</code></td>
              {sets.map((s) => {
                const img = s.images?.find((i) => i.dicomId === id);
                return <td key={s.key}>{s.images === null ? <span className="muted">hidden</span> : img ? <><code>{img.path}</code>{img.presentLocally ? " (in lab storage)" : ""}</> : "—"}</td>;
              })}
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
