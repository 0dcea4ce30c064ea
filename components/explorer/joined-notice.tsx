import Link from "next/link";
import type { DatasetRef } from "@/lib/datasets/find-dataset";
import { hiddenPartText, type JoinedSources } from "@/lib/mimic/pairing/joined-sources";

/** Says where the explorer's labels and report text come from, and which part is hidden and why. */
export function JoinedNotice({ dataset, sources }: { dataset: DatasetRef; sources: JoinedSources }) {
  const p = sources.partner;
  if (!p) return null;
  const partnerBase = `/datasets/${p.slug}/${p.version}`;
  if (!p.access) {
    return (
      <p className="notice" role="note" data-testid="joined-hidden">
        {hiddenPartText(p.side === "jpg" ? "the labels, view positions, dates and splits" : "the report texts (report search)", p)}{" "}
        <Link prefetch={false} href="/credentialing">Credentialing</Link>
      </p>
    );
  }
  return (
    <p className="muted small" data-testid="joined-sources">
      One study across both projects: labels, metadata and JPGs from{" "}
      {p.side === "jpg" ? <Link prefetch={false} href={partnerBase}>{p.slug} {p.version}</Link> : `${dataset.slug} ${dataset.version}`}; reports and DICOMs from{" "}
      {p.side === "cxr" ? <Link prefetch={false} href={partnerBase}>{p.slug} {p.version}</Link> : `${dataset.slug} ${dataset.version}`} (paired in the lab&apos;s settings).
    </p>
  );
}
