import { requireRole } from "@/lib/auth/current-user";
import { listAuditFilterChoices, readableAuditRows } from "@/lib/audit/describe";
import { AUDIT_PAGE_SIZE, auditFilterDetails, auditFilterSchema, listAuditEntries } from "@/lib/audit/query";
import { recordAudit } from "@/lib/audit/record";
import { getDb } from "@/lib/db/client";
import { AuditTable } from "@/components/audit/audit-table";
import { AuditFilters } from "@/components/audit/audit-filters";
import { CheckpointsPanel } from "@/components/audit/checkpoints-panel";

export default async function AuditPage({ searchParams }: { searchParams: Promise<Record<string, string | string[] | undefined>> }) {
  const user = await requireRole("steward");
  const sp = await searchParams;
  const filter = auditFilterSchema.parse(Object.fromEntries(Object.entries(sp).map(([k, v]) => [k, Array.isArray(v) ? v[0] : v || undefined])));
  const db = getDb();
  const [{ rows, total }, choices] = await Promise.all([listAuditEntries({ viewer: { userId: user.id, labId: user.labId }, filter }), listAuditFilterChoices(db, user.labId)]);
  // Reading the audit log is itself recorded: who looked, with which filter, at how many rows.
  await recordAudit(db, { action: "audit.view", labId: user.labId, actor: user, details: { filter: auditFilterDetails(filter), rows: rows.length, total } });
  // Names and links come after the masker: a hidden target stays hidden.
  const readable = await readableAuditRows(db, user.labId, rows);
  const query = new URLSearchParams(Object.entries(filter).filter(([k, v]) => k !== "page" && v !== undefined).map(([k, v]) => [k, String(v)]));
  const pages = Math.max(1, Math.ceil(total / AUDIT_PAGE_SIZE));
  const pageHref = (p: number) => `/audit?${new URLSearchParams([...query.entries(), ["page", String(p)]])}`;
  return (
    <>
      <h1>Audit log</h1>
      <div className="card">
        <AuditFilters filter={filter} choices={choices} exportHref={`/api/audit/export?${query}`} />
        <p className="muted" data-testid="audit-total">{total} entries · page {filter.page} of {pages}</p>
        <AuditTable rows={readable} />
        <p className="row">
          {filter.page > 1 && <a href={pageHref(filter.page - 1)}>← Newer</a>}
          {filter.page < pages && <a href={pageHref(filter.page + 1)}>Older →</a>}
        </p>
      </div>
      <CheckpointsPanel />
    </>
  );
}
