"use client";
import { createColumnHelper, flexRender, getCoreRowModel, getSortedRowModel, useReactTable, type SortingState } from "@tanstack/react-table";
import Link from "next/link";
import { useState } from "react";
import type { ExpiringPair } from "@/lib/credentialing/matrix-view";
import { GrantButtons, useGrantActions } from "./grant-actions";
import { DateTime } from "@/components/ui/date-time";

const col = createColumnHelper<ExpiringPair>();

export function ExpiringTable({ pairs }: { pairs: ExpiringPair[] }) {
  const [sorting, setSorting] = useState<SortingState>([{ id: "expiresAt", desc: false }]);
  const { ask, dialog, notice } = useGrantActions();
  const columns = [
    col.accessor("name", {
      header: "Member",
      cell: ({ row }) => (
        <>
          <Link href={`/members/${row.original.userId}/timeline`}>{row.original.name}</Link>
          <div className="muted small">{row.original.email}</div>
        </>
      ),
    }),
    col.accessor("dataset", { header: "Dataset" }),
    col.accessor("expiresAt", { header: "Ends on", cell: (c) => <DateTime value={c.getValue()} /> }),
    col.accessor("daysLeft", { header: "Days left", cell: (c) => (c.getValue() === 0 ? "today" : c.getValue()) }),
    col.accessor("cause", { header: "Because", enableSorting: false }),
    col.display({
      id: "actions",
      header: "",
      cell: ({ row }) => <GrantButtons target={{ userId: row.original.userId, email: row.original.email, datasetId: row.original.datasetId, dataset: row.original.dataset }} actions={row.original.actions} ask={ask} />,
    }),
  ];
  const table = useReactTable({ data: pairs, columns, state: { sorting }, onSortingChange: setSorting, getCoreRowModel: getCoreRowModel(), getSortedRowModel: getSortedRowModel(), getRowId: (p) => `${p.userId}:${p.datasetId}` });
  return (
    <>
      {notice && <p className="ok" role="status">{notice}</p>}
      <table data-testid="expiring-table">
        <thead>
          {table.getHeaderGroups().map((hg) => (
            <tr key={hg.id}>
              {hg.headers.map((h) => (
                <th key={h.id}>
                  {h.column.getCanSort() ? (
                    <button type="button" className="linklike" onClick={h.column.getToggleSortingHandler()}>
                      {flexRender(h.column.columnDef.header, h.getContext())} {{ asc: "▲", desc: "▼" }[h.column.getIsSorted() as string] ?? ""}
                    </button>
                  ) : (
                    flexRender(h.column.columnDef.header, h.getContext())
                  )}
                </th>
              ))}
            </tr>
          ))}
        </thead>
        <tbody>
          {table.getRowModel().rows.map((r) => (
            <tr key={r.id} data-email={r.original.email} data-dataset={r.original.dataset}>
              {r.getVisibleCells().map((c) => (
                <td key={c.id}>{flexRender(c.column.columnDef.cell, c.getContext())}</td>
              ))}
            </tr>
          ))}
        </tbody>
      </table>
      {pairs.length === 0 && <p className="muted">No access ends by itself in this period.</p>}
      {dialog}
    </>
  );
}
