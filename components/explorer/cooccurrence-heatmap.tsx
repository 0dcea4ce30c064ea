import type { Cooccurrence } from "@/lib/mimic/browse/label-cooccurrence";

/**
 * Label co-occurrence as a table coloured by P(column positive | row positive); the diagonal is the
 * label's own positive count. A table rather than a picture so every number stays readable.
 */
export function CooccurrenceHeatmap({ data }: { data: Cooccurrence }) {
  return (
    <table className="heatmap" data-testid="cooccurrence">
      <caption className="muted">Studies positive for both labels (colour: share of the row label&apos;s positives), among {data.studies.toLocaleString("en-US")} filtered studies</caption>
      <thead>
        <tr>
          <th />
          {data.labels.map((l) => (
            <th key={l} className="rot"><span>{l}</span></th>
          ))}
        </tr>
      </thead>
      <tbody>
        {data.labels.map((row, i) => (
          <tr key={row}>
            <th scope="row">{row}</th>
            {data.labels.map((column, j) => {
              const n = data.counts[i]![j]!;
              const own = data.counts[i]![i]!;
              const share = own ? n / own : 0;
              return (
                <td key={column} title={`${row} & ${column}: ${n}`} style={{ background: `rgba(192, 57, 43, ${share.toFixed(3)})`, color: share > 0.55 ? "white" : undefined }}>
                  {n}
                </td>
              );
            })}
          </tr>
        ))}
      </tbody>
    </table>
  );
}
