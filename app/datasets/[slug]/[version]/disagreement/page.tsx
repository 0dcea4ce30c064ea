import Link from "next/link";
import { recordAudit } from "@/lib/audit/record";
import { requireDatasetAccess } from "@/lib/auth/dataset-access";
import { getDb } from "@/lib/db/client";
import { JoinedNotice } from "@/components/explorer/joined-notice";
import { labelDisagreement, type Disagreement } from "@/lib/mimic/browse/label-disagreement";
import { LABELER_NAMES, studyFiltersToSearch } from "@/lib/mimic/browse/study-filters";
import { LABELS, type Label } from "@/lib/mimic/import/file-specs";
import { resolveJoinedSources } from "@/lib/mimic/pairing/joined-sources";
import { LABEL_STATES, type LabelState } from "@/lib/mimic/tokens";

type Props = { params: Promise<{ slug: string; version: string }>; searchParams: Promise<Record<string, string | string[] | undefined>> };

const STATE_TEXT: Record<LabelState, string> = { positive: "1.0 (positive)", negative: "0.0 (negative)", uncertain: "−1.0 (uncertain)", "not-mentioned": "blank (not mentioned)" };

/**
 * For one label, the 4×4 table of CheXpert × NegBio states, and on the 2.1.0 test set each of them ×
 * the radiologists'; each cell opens its studies in the explorer.
 */
export default async function DisagreementPage({ params, searchParams }: Props) {
  const { user, dataset } = await requireDatasetAccess(await params);
  const raw = (await searchParams).label;
  const label: Label = typeof raw === "string" && (LABELS as readonly string[]).includes(raw) ? (raw as Label) : "Pneumothorax";
  const sources = await resolveJoinedSources({ user, dataset });
  const [table, ...radiologist] = await Promise.all([
    labelDisagreement({ datasetId: sources.labelsDatasetId, label }),
    labelDisagreement({ datasetId: sources.labelsDatasetId, label, rows: "chexpert", cols: "radiologist" }),
    labelDisagreement({ datasetId: sources.labelsDatasetId, label, rows: "negbio", cols: "radiologist" }),
  ]);
  await recordAudit(getDb(), {
    action: "dataset.browse",
    labId: user.labId,
    actor: user,
    target: { type: "dataset", id: dataset.id },
    details: { query: `disagreement=${label}`, studies: table.both, ...(sources.joined && sources.partner ? { joined: `${sources.partner.slug}/${sources.partner.version}` } : {}) },
  });
  const base = `/datasets/${dataset.slug}/${dataset.version}`;
  const disagreeing = offDiagonal(table);

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
        <StatesTable base={base} table={table} testId="disagreement-table" />
      </div>
      {radiologist.some((t) => t.both > 0) && (
        <div className="card" data-testid="radiologist-tables">
          <h2>{label}: the labelers against the radiologists (test set)</h2>
          {radiologist.map((t) => (
            <section key={t.rows}>
              <h3>{LABELER_NAMES[t.rows]} × {LABELER_NAMES[t.cols]}</h3>
              <p className="small muted">{offDiagonal(t).toLocaleString("en-US")} of {t.both.toLocaleString("en-US")} test-set studies differ.</p>
              <StatesTable base={base} table={t} testId={`radiologist-table-${t.rows}`} />
            </section>
          ))}
        </div>
      )}
    </>
  );
}

const offDiagonal = (t: Disagreement) => LABEL_STATES.reduce((sum, a) => sum + LABEL_STATES.reduce((s, b) => s + (a === b ? 0 : t.cells[a][b]), 0), 0);

/** The 4×4 states table; each cell links to the explorer filtered to its two labelers' states. */
function StatesTable({ base, table, testId }: { base: string; table: Disagreement; testId: string }) {
  const { label, rows, cols } = table;
  const href = (a: LabelState, b: LabelState) => `${base}?${studyFiltersToSearch({ sourceLabels: [{ labeler: rows, label, state: a }, { labeler: cols, label, state: b }] })}`;
  return (
    <table data-testid={testId}>
      <thead>
        <tr><th>{LABELER_NAMES[rows]} ↓ · {LABELER_NAMES[cols]} →</th>{LABEL_STATES.map((b) => <th key={b}>{STATE_TEXT[b]}</th>)}</tr>
      </thead>
      <tbody>
        {LABEL_STATES.map((a) => (
          <tr key={a}>
            <th scope="row">{STATE_TEXT[a]}</th>
            {LABEL_STATES.map((b) => (
              <td key={b} className={a === b ? undefined : "label-uncertain"}>
                <Link prefetch={false} href={href(a, b)} data-testid={`cell-${a}-${b}`} aria-label={`${LABELER_NAMES[rows]} ${a}, ${LABELER_NAMES[cols]} ${b}: ${table.cells[a][b]} studies`}>
                  {table.cells[a][b].toLocaleString("en-US")}
                </Link>
              </td>
            ))}
          </tr>
        ))}
      </tbody>
    </table>
  );
}
