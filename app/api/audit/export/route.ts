import { Readable } from "node:stream";
import { stringify } from "csv-stringify";
import { auditFilterSchema, iterateAuditEntries } from "@/lib/audit/query";
import { route } from "@/lib/http/route";

const HEADER = ["id", "at", "actor_email", "action", "target_type", "target_id", "outcome", "ip", "details", "prev_hash", "hash"];

// Streams the CSV: a year of audit rows must not be built in memory.
export const GET = route({ access: "steward" }, async ({ req, user }) => {
  const filter = auditFilterSchema.parse(Object.fromEntries(req.nextUrl.searchParams));
  async function* rows() {
    for await (const r of iterateAuditEntries({ labId: user.labId, filter })) {
      yield [r.id, r.at.toISOString(), r.actorEmail, r.action, r.targetType, r.targetId, r.outcome, r.ip, JSON.stringify(r.details), r.prevHash, r.hash];
    }
  }
  const csv = Readable.from(rows()).pipe(stringify({ header: true, columns: HEADER }));
  const stamp = new Date().toISOString().slice(0, 10);
  return new Response(Readable.toWeb(csv) as ReadableStream, {
    headers: {
      "content-type": "text/csv; charset=utf-8",
      "content-disposition": `attachment; filename="labgate-audit-${stamp}.csv"`,
      "cache-control": "no-store, private",
    },
  });
});
