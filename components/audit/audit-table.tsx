"use client";
import { createColumnHelper, flexRender, getCoreRowModel, useReactTable, type VisibilityState } from "@tanstack/react-table";
import { useState } from "react";

type Row = { id: number; at: string; actorEmail: string | null; action: string; targetType: string | null; targetId: string | null; outcome: string; ip: string | null; details: string; hash: string };
const col = createColumnHelper<Row>();
const columns = [
  col.accessor("id", { header: "#" }),
  col.accessor("at", { header: "When (UTC)", cell: (c) => c.getValue().replace("T", " ").slice(0, 19) }),
  col.accessor("actorEmail", { header: "Actor", cell: (c) => c.getValue() ?? "—" }),
  col.accessor("action", { header: "Action" }),
  col.accessor((r) => (r.targetType ? `${r.targetType}:${r.targetId}` : "—"), { id: "target", header: "Target" }),
  col.accessor("outcome", { header: "Outcome", cell: (c) => <span className={`badge ${c.getValue()}`}>{c.getValue()}</span> }),
  col.accessor("ip", { header: "IP", cell: (c) => c.getValue() ?? "—" }),
  col.accessor("details", { header: "Details", cell: (c) => <code>{c.getValue()}</code> }),
  col.accessor("hash", { header: "Hash", cell: (c) => <code title={c.getValue()}>{c.getValue().slice(0, 12)}…</code> }),
];

// Pagination and filtering happen on the server (the log can be millions of rows); this is the view.
export function AuditTable({ rows }: { rows: Row[] }) {
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
      {rows.length === 0 && <p className="muted">No entries match these filters.</p>}
    </>
  );
}
