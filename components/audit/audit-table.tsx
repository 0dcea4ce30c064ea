"use client";
import { createColumnHelper, flexRender, getCoreRowModel, useReactTable, type VisibilityState } from "@tanstack/react-table";
import { useState } from "react";
import { DateTime } from "@/components/ui/date-time";

export type AuditTableRow = {
  id: number; at: string; actorName: string | null; actorEmail: string | null; actorId: string | null; action: string;
  targetLabel: string | null; targetFilter: string | null; href: string | null; outcome: string; ip: string | null;
  details: [string, string][]; hash: string;
};
const col = createColumnHelper<AuditTableRow>();
const columns = [
  col.accessor("id", { header: "#" }),
  col.accessor("at", { header: "When", cell: (c) => <DateTime value={c.getValue()} withTime /> }),
  col.accessor("actorName", {
    header: "Actor",
    cell: (c) => {
      const r = c.row.original;
      if (!r.actorName) return "—";
      return r.actorId ? <a href={`/audit?member=${r.actorId}`} title={`${r.actorEmail ?? ""} — this member's rows`}>{r.actorName}</a> : r.actorName;
    },
  }),
  col.accessor("action", { header: "Action" }),
  col.accessor("targetLabel", {
    header: "About",
    cell: (c) => {
      const r = c.row.original;
      if (!r.targetLabel) return "—";
      return (
        <>
          {r.href ? <a href={r.href} data-testid="audit-target-link">{r.targetLabel}</a> : r.targetLabel}
          {r.targetFilter && <> <a className="small" href={`/audit?target=${encodeURIComponent(r.targetFilter)}`} aria-label={`Rows about ${r.targetLabel}`}>(all rows)</a></>}
        </>
      );
    },
  }),
  col.accessor("outcome", { header: "Outcome", cell: (c) => <span className={`badge ${c.getValue()}`}>{c.getValue()}</span> }),
  col.accessor("ip", { header: "IP", cell: (c) => c.getValue() ?? "—" }),
  col.accessor("details", {
    header: "Details",
    cell: (c) =>
      c.getValue().length === 0 ? <span className="muted">—</span> : (
        <dl className="fields">
          {c.getValue().map(([k, v]) => (
            <div key={k}><dt>{k}</dt><dd>{v}</dd></div>
          ))}
        </dl>
      ),
  }),
  col.accessor("hash", { header: "Hash", cell: (c) => <code title={c.getValue()}>{c.getValue().slice(0, 12)}…</code> }),
];

// Pagination and filtering happen on the server (the log can be millions of rows); this is the view.
export function AuditTable({ rows }: { rows: AuditTableRow[] }) {
  const [visibility, setVisibility] = useState<VisibilityState>({ ip: false, hash: false });
  const table = useReactTable({ data: rows, columns, state: { columnVisibility: visibility }, onColumnVisibilityChange: setVisibility, getCoreRowModel: getCoreRowModel() });
  return (
    <>
      <p className="row muted">
        Columns:
        {table.getAllLeafColumns().map((c) => (
          <label key={c.id} style={{ fontWeight: 400, display: "inline" }}>
            <input type="checkbox" aria-label={`Show column ${String(c.columnDef.header)}`} style={{ minWidth: 0 }} checked={c.getIsVisible()} onChange={c.getToggleVisibilityHandler()} />{" "}
            <span aria-hidden>{String(c.columnDef.header)}</span>
          </label>
        ))}
      </p>
      <div className="table-scroll">
        <table data-testid="audit-table">
          <thead>
            {table.getHeaderGroups().map((hg) => (
              <tr key={hg.id}>{hg.headers.map((h) => <th key={h.id}>{flexRender(h.column.columnDef.header, h.getContext())}</th>)}</tr>
            ))}
          </thead>
          <tbody>
            {table.getRowModel().rows.map((r) => (
              <tr key={r.id}>{r.getVisibleCells().map((c) => <td key={c.id}>{flexRender(c.column.columnDef.cell, c.getContext())}</td>)}</tr>
            ))}
          </tbody>
        </table>
      </div>
      {rows.length === 0 && <p className="muted">No entries match these filters.</p>}
    </>
  );
}
