"use client";

import { unitOf, valueText, type Calibration, type Measurement } from "./measurements";

/** The image's measurements, beside it: kept in the page only, never written into the file. */
export function MeasurementList({ items, calibration, onDelete, onClear }: { items: Measurement[]; calibration: Calibration; onDelete: (id: number) => void; onClear: () => void }) {
  return (
    <aside aria-label="Measurements" data-testid="viewer-measurements" style={{ flex: "1 1 12rem", minWidth: 0 }}>
      <h3 style={{ marginTop: 0 }}>Measurements</h3>
      <p className="muted" data-testid="viewer-calibration" style={{ marginTop: 0 }}>
        In {unitOf(calibration)}. Shown here only; not saved, not written into the file.
      </p>
      {items.length === 0 ? (
        <p className="muted">None yet: drag for a length; click three points, the vertex second, for an angle.</p>
      ) : (
        <>
          <ol style={{ paddingLeft: "1.4rem" }}>
            {items.map((m) => (
              <li key={m.id} data-testid="viewer-measurement" data-kind={m.kind} data-points={m.points.map((p) => `${p.x.toFixed(2)},${p.y.toFixed(2)}`).join(" ")}>
                {m.kind === "length" ? "Length" : "Angle"} <strong style={{ fontVariantNumeric: "tabular-nums" }}>{valueText(m, calibration)}</strong>{" "}
                <button type="button" className="secondary" aria-label={`Delete measurement ${m.id}`} onClick={() => onDelete(m.id)}>
                  ×
                </button>
              </li>
            ))}
          </ol>
          <button type="button" className="secondary" onClick={onClear}>
            Clear measurements
          </button>
        </>
      )}
    </aside>
  );
}
