import { LABELS } from "@/lib/mimic/import/file-specs";
import type { StudyFacets } from "@/lib/mimic/browse/list-studies";
import { LABEL_STATES } from "@/lib/mimic/tokens";

const COLORS = { positive: "#c0392b", uncertain: "#e6a23c", negative: "#2e86c1", "not-mentioned": "#d5d8dc" } as const;

/** One stacked bar per label: the share of the filtered studies in each state. */
export function PrevalenceChart({ facets, total }: { facets: StudyFacets; total: number }) {
  const width = 560;
  const labelWidth = 170;
  const barHeight = 16;
  const height = LABELS.length * (barHeight + 4) + 24;
  const scale = (n: number) => (total ? (n / total) * (width - labelWidth - 10) : 0);
  return (
    <figure className="chart" data-testid="prevalence-chart">
      <svg viewBox={`0 0 ${width} ${height}`} role="img" aria-label="Label prevalence among the filtered studies">
        {LABELS.map((label, i) => {
          let x = labelWidth;
          const y = i * (barHeight + 4);
          const pos = facets.labels[label].positive;
          return (
            <g key={label}>
              <text x={labelWidth - 6} y={y + barHeight - 4} textAnchor="end" fontSize="11">{label}</text>
              {LABEL_STATES.map((s) => {
                const w = scale(facets.labels[label][s]);
                const rect = <rect key={s} x={x} y={y} width={w} height={barHeight} fill={COLORS[s]}><title>{`${label} ${s}: ${facets.labels[label][s]}`}</title></rect>;
                x += w;
                return rect;
              })}
              <text x={width - 4} y={y + barHeight - 4} textAnchor="end" fontSize="10">{total ? `${((pos / total) * 100).toFixed(1)}%` : ""}</text>
            </g>
          );
        })}
        <g transform={`translate(${labelWidth}, ${height - 8})`} fontSize="10">
          {LABEL_STATES.map((s, i) => (
            <g key={s} transform={`translate(${i * 95}, 0)`}>
              <rect y={-8} width={10} height={10} fill={COLORS[s]} />
              <text x={14}>{s}</text>
            </g>
          ))}
        </g>
      </svg>
      <figcaption className="muted">Share of the {total.toLocaleString("en-US")} filtered studies per label state; the figure on the right is the positive rate.</figcaption>
    </figure>
  );
}
