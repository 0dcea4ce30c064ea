import { auditFilterDetails, auditFilterSchema, iterateAuditEntries, snapshotAuditExport } from "@/lib/audit/query";
import { recordAudit } from "@/lib/audit/record";
import { safeCsvResponseBody } from "@/lib/csv/safe-csv";
import { getDb } from "@/lib/db/client";
import { AppError } from "@/lib/http/errors";
import { route } from "@/lib/http/route";
import { unstorableSearchParam } from "@/lib/validation";

const HEADER = ["id", "at", "actor_email", "action", "target_type", "target_id", "outcome", "ip", "details", "prev_hash", "hash"];

// Streams the CSV: a year of audit rows must not be built in memory. Exporting is itself audited,
// with the filter and the number of rows the file holds (fixed before the first byte leaves).
export const GET = route({ access: "steward" }, async ({ req, user, ip }) => {
  const bad = unstorableSearchParam(req.nextUrl.searchParams);
  if (bad !== null) throw new AppError("bad_request", "A filter may not contain NUL characters or unpaired surrogates", { [bad]: ["Not valid text"] });
  const filter = auditFilterSchema.parse(Object.fromEntries(req.nextUrl.searchParams));
  const snapshot = await snapshotAuditExport({ labId: user.labId, filter });
  await recordAudit(getDb(), { action: "audit.export", labId: user.labId, actor: user, ip, details: { filter: auditFilterDetails(filter), rows: snapshot.rows, throughId: snapshot.throughId } });
  async function* rows() {
    for await (const r of iterateAuditEntries({ viewer: { userId: user.id, labId: user.labId }, filter, throughId: snapshot.throughId })) {
      yield [r.id, r.at.toISOString(), r.actorEmail, r.action, r.targetType, r.targetId, r.outcome, r.ip, JSON.stringify(r.details), r.prevHash, r.hash];
    }
  }
  const stamp = new Date().toISOString().slice(0, 10);
  return new Response(safeCsvResponseBody({ columns: HEADER, rows: rows(), what: "audit export" }), {
    headers: {
      "content-type": "text/csv; charset=utf-8",
      "content-disposition": `attachment; filename="labgate-audit-${stamp}.csv"`,
      "cache-control": "no-store, private",
    },
  });
});
