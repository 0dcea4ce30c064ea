"use client";
import {
  createColumnHelper,
  flexRender,
  getCoreRowModel,
  getFilteredRowModel,
  getSortedRowModel,
  useReactTable,
  type SortingState,
  type VisibilityState,
} from "@tanstack/react-table";
import Link from "next/link";
import { useEffect, useState } from "react";
import { DateTime } from "@/components/ui/date-time";
import {
  cellText,
  compareCells,
  MATRIX_CELL_DATES,
  MATRIX_STATUS_FILTERS,
  rowMatchesFilter,
  type MatrixCell,
  type MatrixFilter,
  type MatrixRow,
  type MatrixStatusFilter,
  type MatrixView,
} from "@/lib/credentialing/matrix-view";
import { GrantButtons, useGrantActions } from "./grant-actions";
import styles from "./stewardship.module.css";

const col = createColumnHelper<MatrixRow>();

function filterQuery(f: MatrixFilter): string {
  const p = new URLSearchParams();
  if (f.q) p.set("q", f.q);
  if (f.status && f.status !== "any") p.set("status", f.status);
  if (f.datasetId && f.status && f.status !== "any") p.set("dataset", f.datasetId);
  return p.toString();
}

/**
 * Every active member × every dataset version the lab holds. The whole matrix is small (a lab's
 * members), so sorting and filtering happen here; the CSV export applies the same filter on the server.
 */
export function AccessMatrix({ view, initialFilter }: { view: MatrixView; initialFilter: MatrixFilter }) {
  const [filter, setFilter] = useState<MatrixFilter>(initialFilter);
  const [sorting, setSorting] = useState<SortingState>([{ id: "member", desc: false }]);
  const [visibility, setVisibility] = useState<VisibilityState>({});
  const { ask, dialog, notice } = useGrantActions();
  const query = filterQuery(filter);

  useEffect(() => {
    // The filter lives in the URL too, so a filtered view can be bookmarked or shared.
    window.history.replaceState(null, "", query ? `?${query}` : window.location.pathname);
  }, [query]);

  const datasetIds = new Set(view.datasets.map((d) => d.id));
  const columns = [
      col.accessor((r) => r.member.name, {
        id: "member",
        header: "Member",
        enableHiding: false,
        cell: ({ row }) => (
          <>
            <Link href={`/members/${row.original.member.id}/timeline`}>{row.original.member.name}</Link>
            <div className="muted small">{row.original.member.email}</div>
          </>
        ),
      }),
      col.accessor((r) => r.member.role, { id: "role", header: "Role" }),
      col.accessor((r) => r.member.physionetUsername ?? "", { id: "physionet", header: "PhysioNet user", cell: (c) => c.getValue() || "—" }),
      ...view.datasets.map((d) =>
        col.accessor((r) => r.cells[d.id], {
          id: d.id,
          header: d.label,
          sortingFn: (a, b, id) => compareCells(a.getValue<MatrixCell | undefined>(id), b.getValue<MatrixCell | undefined>(id)),
          cell: ({ row, getValue }) => {
            const cell = getValue();
            if (!cell) return "—";
            const target = { userId: row.original.member.id, email: row.original.member.email, datasetId: d.id, dataset: d.label };
            return (
              <div className={styles.cell}>
                <span className={`${styles.state} ${styles[cell.state]}`} title={cell.reason} data-testid="cell-state">
                  {cellText(cell)}
                </span>
                <CellDates cell={cell} />
                <GrantButtons target={target} actions={cell.actions} ask={ask} />
              </div>
            );
          },
        }),
      ),
  ];

  const table = useReactTable({
    data: view.rows,
    columns,
    state: { sorting, columnVisibility: visibility, globalFilter: filter },
    onSortingChange: setSorting,
    onColumnVisibilityChange: setVisibility,
    globalFilterFn: (row, _columnId, f: MatrixFilter) => rowMatchesFilter(row.original, f),
    // Evaluated once per row (on the member column): the filter looks at the whole row.
    getColumnCanGlobalFilter: (c) => c.id === "member",
    getCoreRowModel: getCoreRowModel(),
    getSortedRowModel: getSortedRowModel(),
    getFilteredRowModel: getFilteredRowModel(),
    getRowId: (r) => r.member.id,
  });
  const shown = table.getRowModel().rows;
  // The export writes the columns on screen only: the hidden ones are named in the link.
  const hidden = Object.entries(visibility).filter(([, v]) => v === false).map(([k]) => k);
  const exportQuery = [query, hidden.length ? `hide=${encodeURIComponent(hidden.join(","))}` : ""].filter(Boolean).join("&");

  return (
    <>
      <div className="filters">
        <div>
          <label htmlFor="matrix-q">Member</label>
          <input id="matrix-q" type="search" placeholder="name, email or PhysioNet user" value={filter.q ?? ""} onChange={(e) => setFilter({ ...filter, q: e.target.value || undefined })} />
        </div>
        <div>
          <label htmlFor="matrix-status">Status</label>
          <select id="matrix-status" value={filter.status ?? "any"} onChange={(e) => setFilter({ ...filter, status: e.target.value as MatrixStatusFilter })}>
            {Object.entries(MATRIX_STATUS_FILTERS).map(([k, v]) => (
              <option key={k} value={k}>{v}</option>
            ))}
          </select>
        </div>
        <div>
          <label htmlFor="matrix-dataset">In dataset</label>
          <select id="matrix-dataset" value={filter.datasetId ?? ""} onChange={(e) => setFilter({ ...filter, datasetId: e.target.value || undefined })}>
            <option value="">any dataset</option>
            {view.datasets.map((d) => (
              <option key={d.id} value={d.id}>{d.label}</option>
            ))}
          </select>
        </div>
        <a className="button" href={`/api/stewardship/access/export${exportQuery ? `?${exportQuery}` : ""}`} download>
          Export CSV
        </a>
      </div>
      <div className={styles.toggles}>
        <span className="muted">Columns:</span>
        {table
          .getAllLeafColumns()
          .filter((c) => c.getCanHide())
          .map((c) => (
            <label key={c.id}>
              <input type="checkbox" checked={c.getIsVisible()} onChange={c.getToggleVisibilityHandler()} aria-label={`Show column ${String(c.columnDef.header)}`} />
              <span aria-hidden>{String(c.columnDef.header)}</span>
            </label>
          ))}
      </div>
      <p className="muted" data-testid="matrix-count">
        {shown.length} of {view.rows.length} members
      </p>
      {notice && <p className="ok" role="status">{notice}</p>}
      <div className="table-scroll">
        <table data-testid="access-matrix">
          <thead>
            {table.getHeaderGroups().map((hg) => (
              <tr key={hg.id}>
                {hg.headers.map((h) => {
                  const sorted = h.column.getIsSorted();
                  return (
                    <th key={h.id} aria-sort={sorted === "asc" ? "ascending" : sorted === "desc" ? "descending" : undefined}>
                      <button type="button" className="linklike" onClick={h.column.getToggleSortingHandler()}>
                        {flexRender(h.column.columnDef.header, h.getContext())} {sorted === "asc" ? "▲" : sorted === "desc" ? "▼" : ""}
                      </button>
                    </th>
                  );
                })}
              </tr>
            ))}
          </thead>
          <tbody>
            {shown.map((r) => (
              <tr key={r.id} data-email={r.original.member.email}>
                {r.getVisibleCells().map((c) => {
                  const isDataset = datasetIds.has(c.column.id);
                  return (
                    <td key={c.id} data-column={isDataset ? String(c.column.columnDef.header) : c.column.id} data-state={isDataset ? (c.getValue() as MatrixCell | undefined)?.state : undefined}>
                      {flexRender(c.column.columnDef.cell, c.getContext())}
                    </td>
                  );
                })}
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      {shown.length === 0 && <p className="muted">No member matches these filters.</p>}
      {dialog}
    </>
  );
}

/** Approved on, expires on, training valid until, last data access: only the ones that are set. */
function CellDates({ cell }: { cell: MatrixCell }) {
  const set = MATRIX_CELL_DATES.filter(([key]) => cell[key]);
  if (set.length === 0) return null;
  return (
    <dl className={styles.dates}>
      {set.map(([key, name]) => (
        <div key={key}>
          <dt>{name}</dt>
          <dd data-testid={`cell-${key}`}><DateTime value={cell[key] as string} /></dd>
        </div>
      ))}
    </dl>
  );
}
