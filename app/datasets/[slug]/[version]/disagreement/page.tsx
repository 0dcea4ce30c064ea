import Link from "next/link";
import { recordAudit } from "@/lib/audit/record";
import { requireDatasetAccess } from "@/lib/auth/dataset-access";
import { getDb } from "@/lib/db/client";
import { JoinedNotice } from "@/components/explorer/joined-notice";
import { labelDisagreement } from "@/lib/mimic/browse/label-disagreement";
import { studyFiltersToSearch } from "@/lib/mimic/browse/study-filters";
import { LABELS, type Label } from "@/lib/mimic/import/file-specs";
import { resolveJoinedSources } from "@/lib/mimic/pairing/joined-sources";
import { LABEL_STATES, type LabelState } from "@/lib/mimic/tokens";

type Props = { params: Promise<{ slug: string; version: string }>; searchParams: Promise<Record<string, string | string[] | undefined>> };

const STATE_TEXT: Record<LabelState, string> = { positive: "1.0 (positive)", negative: "0.0 (negative)", uncertain: "−1.0 (uncertain)", "not-mentioned": "blank (not mentioned)" };

/** For one label, the 4×4 table of CheXpert × NegBio states; each cell opens its studies in the explorer. */
export default async function DisagreementPage({ params, searchParams }: Props) {
  const { user, dataset } = await requireDatasetAccess(await params);
  const raw = (await searchParams).label;
  const label: Label = typeof raw === "string" && (LABELS as readonly string[]).includes(raw) ? (raw as Label) : "Pneumothorax";
  const sources = await resolveJoinedSources({ user, dataset });
  const table = await labelDisagreement({ datasetId: sources.labelsDatasetId, label });
  await recordAudit(getDb(), {
    action: "dataset.browse",
    labId: user.labId,
    actor: user,
    target: { type: "dataset", id: dataset.id },
    details: { query: `disagreement=${label}`, studies: table.both, ...(sources.joined && sources.partner ? { joined: `${sources.partner.slug}/${sources.partner.version}` } : {}) },
  });
  const base = `/datasets/${dataset.slug}/${dataset.version}`;
  const cellHref = (c: LabelState, n: LabelState) =>
    `${base}?${studyFiltersToSearch({ sourceLabels: [{ labeler: "chexpert", label, state: c }, { labeler: "negbio", label, state: n }] })}`;
  const disagreeing = LABEL_STATES.reduce((sum, c) => sum + LABEL_STATES.reduce((s, n) => s + (c === n ? 0 : table.cells[c][n]), 0), 0);

  return (
    <>
      <p><Link prefetch={false} href={base}>← {dataset.title} {dataset.version}</Link></p>
      <h1>Where CheXpert and NegBio disagree</h1>
      <JoinedNotice dataset={dataset} sources={sources} />
      <nav className="row small" aria-label="Label">
        {LABELS.map((l) => (
          <Link key={l} prefetch={false} href={`${base}/disagreement?label=${encodeURIComponent(l)}`} aria-current={l === label ? "page" : undefined} className={l === label ? "facet on" : "facet"}>{l}</Link>
        ))}
      </nav>
      <div className="card">
        <h2>{label}</h2>
        <p>
          <strong data-testid="disagree-total">{disagreeing.toLocaleString("en-US")}</strong> of {table.both.toLocaleString("en-US")} studies labelled by both get different states.{" "}
          <Link prefetch={false} href={`${base}?${studyFiltersToSearch({ disagree: [label] })}`} data-testid="disagree-link">Show the studies where CheXpert and NegBio disagree on {label}</Link>
        </p>
        {table.oneOnly > 0 && <p className="muted small">{table.oneOnly.toLocaleString("en-US")} studies have labels from only one of the two and are not in the table.</p>}
        <table data-testid="disagreement-table">
          <thead>
            <tr><th>CheXpert ↓ · NegBio →</th>{LABEL_STATES.map((n) => <th key={n}>{STATE_TEXT[n]}</th>)}</tr>
          </thead>
          <tbody>
            {LABEL_STATES.map((c) => (
              <tr key={c}>
                <th scope="row">{STATE_TEXT[c]}</th>
                {LABEL_STATES.map((n) => (
                  <td key={n} className={c === n ? undefined : "label-uncertain"}>
                    <Link prefetch={false} href={cellHref(c, n)} data-testid={`cell-${c}-${n}`} aria-label={`CheXpert ${c}, NegBio ${n}: ${table.cells[c][n]} studies`}>
                      {table.cells[c][n].toLocaleString("en-US")}
                    </Link>
                  </td>
                ))}
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </>
  );
}
