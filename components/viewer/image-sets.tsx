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

/**
 * Both image sets of the study by dicom_id (the same acquisition as a DICOM and as a JPG), with a
 * switch between them for the viewer below. Shown only when the lab pairs the versions.
 */
export function ImageSetsTable({ sets, shown, studyHref }: { sets: ImageSet[]; shown: ImageSet["key"]; studyHref: string }) {
  if (sets.length < 2) return null;
  const ids = [...new Set(sets.flatMap((s) => (s.images ?? []).map((i) => i.dicomId)))].sort();
  const name = (s: ImageSet) => (s.key === "dicom" ? "DICOM" : "JPG");
  return (
    <div className="card" data-testid="image-sets">
      <h2>DICOM and JPG</h2>
      <p role="group" aria-label="Image set in the viewer" className="inline">
        <span className="muted">Viewer shows</span>
        {sets.map((s) =>
          s.images === null ? (
            <span key={s.key} className="muted" data-testid={`image-set-hidden-${s.key}`}>
              {name(s)}: hidden ({s.ref.slug} {s.ref.version}: you do not hold access to it)
            </span>
          ) : (
            <Link key={s.key} prefetch={false} href={`${studyHref}?images=${s.key}`} aria-current={s.key === shown ? "true" : undefined} className={s.key === shown ? "facet on" : "facet"} data-testid={`image-set-${s.key}`}>
              {name(s)} ({s.ref.slug} {s.ref.version})
            </Link>
          ),
        )}
      </p>
      <table>
        <thead>
          <tr><th>dicom_id</th>{sets.map((s) => <th key={s.key}>{name(s)}</th>)}</tr>
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
