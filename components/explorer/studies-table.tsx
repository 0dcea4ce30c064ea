"use client";
import { createColumnHelper, flexRender, getCoreRowModel, useReactTable, type SortingState } from "@tanstack/react-table";
import Link from "next/link";
import { useRouter } from "next/navigation";
import type { StudyRow } from "@/lib/mimic/browse/list-studies";
import type { LabelState } from "@/lib/mimic/tokens";
import { Snippet } from "./snippet";

type Sort = "date" | "study_id" | "subject_id";
const col = createColumnHelper<StudyRow>();
const STATE_MARK: Record<LabelState, string> = { positive: "+", negative: "−", uncertain: "?", "not-mentioned": "" };

/**
 * The page of studies the server chose; sorting and paging change the URL and the server answers,
 * because the full table (227,835 studies) never comes to the browser.
 */
export function StudiesTable(props: { rows: StudyRow[]; total: number; page: number; pageSize: number; sort: Sort; dir: "asc" | "desc"; hrefFor: Record<string, string>; studyBase: string; showSnippets: boolean }) {
  const router = useRouter();
  const sorting: SortingState = [{ id: props.sort, desc: props.dir === "desc" }];
  const columns = [
    col.accessor("studyId", { id: "study_id", header: "Study", cell: (c) => <Link prefetch={false} href={`${props.studyBase}/${c.getValue()}`}>s{c.getValue()}</Link> }),
    col.accessor("subjectId", { id: "subject_id", header: "Subject", cell: (c) => `p${c.getValue()}` }),
    col.accessor("studyDate", { id: "date", header: "Date", cell: (c) => c.getValue() ?? "—" }),
    col.accessor((r) => r.views.map((v) => v || "(none)").join(", "), { id: "views", header: "Views", enableSorting: false }),
    col.accessor((r) => r.splits.join(", "), { id: "split", header: "Split", enableSorting: false }),
    col.accessor((r) => `${r.localImageCount}/${r.imageCount}`, { id: "images", header: "Images (local/all)", enableSorting: false }),
    col.accessor(
      (r) =>
        Object.entries(r.labels)
          .filter(([, s]) => s === "positive" || s === "uncertain")
          .map(([l, s]) => `${l}${STATE_MARK[s]}`)
          .join(", "),
      { id: "labels", header: "Positive (+) / uncertain (?)", enableSorting: false },
    ),
    // The matching words beside the study they come from, not in a list to be matched up by id.
    ...(props.showSnippets ? [col.accessor((r) => r.snippet ?? "", { id: "snippet", header: "Report (matching words)", enableSorting: false, cell: (c) => <Snippet text={c.getValue()} /> })] : []),
  ];
  const table = useReactTable({
    data: props.rows,
    columns,
    state: { sorting },
    manualSorting: true,
    manualPagination: true,
    rowCount: props.total,
    onSortingChange: (updater) => {
      const next = typeof updater === "function" ? updater(sorting) : updater;
      const first = next[0];
      if (first) router.push(props.hrefFor[`${first.id}:${first.desc ? "desc" : "asc"}`]!);
    },
    getCoreRowModel: getCoreRowModel(),
  });
  const pages = Math.max(1, Math.ceil(props.total / props.pageSize));
  return (
    <>
      <table data-testid="studies-table">
        <thead>
          {table.getHeaderGroups().map((hg) => (
            <tr key={hg.id}>
              {hg.headers.map((h) => {
                const sorted = h.column.getIsSorted();
                return (
                  <th key={h.id} aria-sort={sorted === "asc" ? "ascending" : sorted === "desc" ? "descending" : undefined}>
                    {h.column.getCanSort() ? (
                      <button type="button" className="linklike" onClick={h.column.getToggleSortingHandler()}>
                        {flexRender(h.column.columnDef.header, h.getContext())} {sorted === "asc" ? "▲" : sorted === "desc" ? "▼" : ""}
                      </button>
                    ) : (
                      flexRender(h.column.columnDef.header, h.getContext())
                    )}
                  </th>
                );
              })}
            </tr>
          ))}
        </thead>
        <tbody>
          {table.getRowModel().rows.map((r) => (
            <tr key={r.id} data-testid="study-row">
              {r.getVisibleCells().map((c) => (
                <td key={c.id}>{flexRender(c.column.columnDef.cell, c.getContext())}</td>
              ))}
            </tr>
          ))}
        </tbody>
      </table>
      {props.rows.length === 0 && <p className="muted">No studies match these filters.</p>}
      <nav className="row pager" aria-label="Pages">
        {props.page > 1 ? <Link prefetch={false} href={props.hrefFor.prev!}>← Previous</Link> : <span className="muted">← Previous</span>}
        <span data-testid="page-of">
          Page {props.page.toLocaleString("en-US")} of {pages.toLocaleString("en-US")}
        </span>
        {props.page < pages ? <Link prefetch={false} href={props.hrefFor.next!}>Next →</Link> : <span className="muted">Next →</span>}
      </nav>
    </>
  );
}
