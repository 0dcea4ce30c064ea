"use client";
import { createColumnHelper, flexRender, getCoreRowModel, getSortedRowModel, useReactTable, type SortingState } from "@tanstack/react-table";
import { useRouter } from "next/navigation";
import { useState } from "react";
import { postJson } from "@/components/post-json";
import type { Role } from "@/lib/auth/roles";
import { ResetLinkButton } from "./reset-link-button";
import { DateTime } from "@/components/ui/date-time";

type Member = { id: string; email: string; name: string; role: Role; status: "active" | "deactivated"; lastSignInAt: string | null };
const col = createColumnHelper<Member>();

export function MembersTable({ members, currentUserId, actorRole }: { members: Member[]; currentUserId: string; actorRole: Role }) {
  const router = useRouter();
  const [error, setError] = useState<string | null>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const [sorting, setSorting] = useState<SortingState>([]);

  async function act(url: string, body: unknown, done: string) {
    setError(null);
    setNotice(null);
    const res = await postJson(url, body);
    if (res.ok) setNotice(done);
    else setError(res.error);
    router.refresh();
  }

  // The server's rule (lib/auth/roles.ts): a steward manages members only; an admin manages everyone.
  const manageable = (m: Member) => m.id !== currentUserId && (m.role === "member" || actorRole === "admin");
  const columns = [
    col.accessor("name", { header: "Name" }),
    col.accessor("email", { header: "Email" }),
    col.accessor("role", {
      header: "Role",
      cell: ({ row }) =>
        manageable(row.original) ? (
          <select aria-label={`Role of ${row.original.email}`} value={row.original.role} onChange={(e) => void act(`/api/members/${row.original.id}/role`, { role: e.target.value }, `${row.original.email} is now ${e.target.value}.`)}>
            <option value="member">member</option>
            {actorRole === "admin" && <option value="steward">steward</option>}
            {actorRole === "admin" && <option value="admin">admin</option>}
          </select>
        ) : (
          row.original.role
        ),
    }),
    col.accessor("status", { header: "Status", cell: (c) => <span className={`badge ${c.getValue()}`}>{c.getValue()}</span> }),
    col.accessor("lastSignInAt", { header: "Last sign-in", cell: (c) => (c.getValue() ? <DateTime value={c.getValue()!} withTime /> : "never") }),
    col.display({
      id: "actions",
      header: "",
      cell: ({ row }) =>
        manageable(row.original) &&
        (row.original.status === "active" ? (
          <>
            <button className="danger" onClick={() => confirm(`Deactivate ${row.original.email}? They are signed out at once.`) && void act(`/api/members/${row.original.id}/status`, { status: "deactivated" }, `${row.original.email} was deactivated and signed out.`)}>
              Deactivate
            </button>
            {actorRole === "admin" && <ResetLinkButton userId={row.original.id} email={row.original.email} />}
          </>
        ) : (
          <button className="secondary" onClick={() => void act(`/api/members/${row.original.id}/status`, { status: "active" }, `${row.original.email} was reactivated.`)}>
            Reactivate
          </button>
        )),
    }),
  ];
  const table = useReactTable({ data: members, columns, state: { sorting }, onSortingChange: setSorting, getCoreRowModel: getCoreRowModel(), getSortedRowModel: getSortedRowModel(), getRowId: (m) => m.id });

  return (
    <>
      {error && <p className="error" role="alert">{error}</p>}
      {notice && <p className="ok" role="status">{notice}</p>}
      <table data-testid="members-table">
        <thead>
          {table.getHeaderGroups().map((hg) => (
            <tr key={hg.id}>
              {hg.headers.map((h) => (
                <th key={h.id}>
                  {h.column.getCanSort() ? (
                    <button onClick={h.column.getToggleSortingHandler()}>
                      {flexRender(h.column.columnDef.header, h.getContext())}
                      {{ asc: " ▲", desc: " ▼" }[h.column.getIsSorted() as string] ?? ""}
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
            <tr key={r.id} data-email={r.original.email}>
              {r.getVisibleCells().map((c) => (
                <td key={c.id}>{flexRender(c.column.columnDef.cell, c.getContext())}</td>
              ))}
            </tr>
          ))}
        </tbody>
      </table>
    </>
  );
}
