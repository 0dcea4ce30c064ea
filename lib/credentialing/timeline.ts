import "server-only";
import { and, desc, eq, like, notInArray, or, sql } from "drizzle-orm";
import { auditLog, users } from "@/db/schema";
import { createAuditMasker } from "@/lib/audit/mask";
import type { DbOrTx } from "@/lib/db/client";

// A member's credentialing history, read from the audit log (the one record of every change):
// what they submitted and what stewards and the deadline job decided, newest first.

/** Action families that change where a member stands; reads (dataset.browse…) are not history. */
const FAMILIES = ["training.", "dua.", "attestation.", "credentialing.", "physionet", "access.", "access_review.", "member."];
/** What members do themselves; a steward's own decisions about others are not their history. */
const SELF_SERVICE = ["training.submit", "dua.sign", "credentialing.", "physionet"];
/** Reads inside those families: who looked at what is in the audit log, not in the history. */
const NOT_CHANGES = ["training.pdf_view", "member.timeline_view"];

export type TimelineEntry = {
  id: number;
  at: Date;
  action: string;
  outcome: string;
  actorEmail: string | null;
  /** One sentence: what changed. */
  summary: string;
  dataset: string | null;
  comment: string | null;
};

const prefix = (p: string) => like(auditLog.action, `${p.replace(/_/g, "\\_")}%`);
const str = (v: unknown) => (typeof v === "string" && v.length > 0 ? v : null);

function describe(action: string, d: Record<string, unknown>): string {
  const ds = str(d.dataset) ?? "";
  const from = str(d.from);
  const to = str(d.to);
  const change = from || to ? ` (${from ?? "none"} → ${to ?? "?"})` : "";
  switch (action) {
    case "training.submit":
      return str(d.reason) ? `CITI upload refused: ${d.reason as string}` : `CITI Completion Report submitted${str(d.recordId) ? ` (record ${d.recordId as string})` : ""}`;
    case "dua.sign":
      return `DUA signed for ${ds}${str(d.dua) ? ` (${d.dua as string})` : ""}`;
    case "attestation.record":
      return d.kind === "dua" ? `DUA re-confirmed for ${ds}${str(d.text) ? ` (${d.text as string})` : ""}` : `Attested to ${str(d.text) ?? "responsible use of online services"}${d.via === "dua" ? " with a DUA signature" : ""}`;
    case "credentialing.record":
    case "credentialing.update": {
      const state = str(d.decision) ?? (str(d.stage) ? `in ${(d.stage as string).replace(/_/g, " ")}` : null);
      return `PhysioNet credentialing application ${action.endsWith("record") ? "recorded" : "updated"}${state ? `: ${state}` : ""}`;
    }
    case "physionet_account.set":
      return `PhysioNet username set to ${str(d.username) ?? "?"}`;
    case "physionet.verify":
      return `Verified with PhysioNet for ${ds}: ${str(d.result) ?? "?"}${typeof d.httpStatus === "number" ? ` (HTTP ${d.httpStatus})` : ""}`;
    case "training.accept":
      return `CITI training accepted: ${str(d.course) ?? "report"}${str(d.recordId) ? `, record ${d.recordId as string}` : ""}`;
    case "training.reject":
      return `CITI training rejected: ${str(d.course) ?? "report"}`;
    case "dua.accept":
      return `DUA signature accepted for ${ds} (${str(d.duaName) ?? ""} ${str(d.duaVersion) ?? ""})`.replace(" ( )", "");
    case "dua.reject":
      return `DUA signature rejected for ${ds}`;
    case "access.approve":
      return `Access to ${ds} approved${change}`;
    case "access.suspend":
      return `Access to ${ds} suspended${change}`;
    case "access.revoke":
      return `Access to ${ds} revoked${change}`;
    case "access.reinstate":
      return `Access to ${ds} reinstated${change}`;
    case "access.expired":
      return `Access to ${ds} ended by itself${Array.isArray(d.causes) && d.causes.length > 0 ? ` (${d.causes.join(", ")} no longer valid)` : ""}`;
    case "access_review.certify":
      return `Access to ${ds} certified in review "${str(d.review) ?? ""}"`;
    case "access_review.revoke":
      return `Access to ${ds} revoked in review "${str(d.review) ?? ""}"`;
    case "access_review.expire":
      return `Access to ${ds} revoked: not certified in review "${str(d.review) ?? ""}" by its deadline`;
    case "member.deactivate":
      return "Account deactivated";
    case "member.reactivate":
      return "Account reactivated";
    case "member.role_change":
      return `Role changed${change}`;
    default: {
      // Member-side steps (training upload, credentialing, DUA signing, verification): name them plainly.
      const what = action.replace(/[._]/g, " ");
      return `${what.charAt(0).toUpperCase()}${what.slice(1)}${ds ? ` for ${ds}` : ""}${change}`;
    }
  }
}

/** `viewer` is the steward reading: rows about dataset versions they cannot open are masked for them. */
export async function memberTimeline(db: DbOrTx, opts: { labId: string; userId: string; viewerId: string; limit?: number }): Promise<{ member: { id: string; name: string; email: string; role: string; status: string } | null; entries: TimelineEntry[] }> {
  const [member] = await db
    .select({ id: users.id, name: users.name, email: users.email, role: users.role, status: users.status })
    .from(users)
    .where(and(eq(users.id, opts.userId), eq(users.labId, opts.labId)))
    .limit(1);
  if (!member) return { member: null, entries: [] };
  // About the member (target or details.userId), or done by the member about themselves; a
  // steward's decisions about other members are in those members' timelines, not theirs.
  const about = or(
    and(eq(auditLog.targetType, "user"), eq(auditLog.targetId, member.id)),
    sql`${auditLog.details}->>'userId' = ${member.id}`,
    and(eq(auditLog.actorId, member.id), sql`${auditLog.details}->>'userId' is null`, sql`${auditLog.targetType} is distinct from 'user'`, or(...SELF_SERVICE.map(prefix))),
  );
  const [raw, mask] = await Promise.all([
    db
      .select({ id: auditLog.id, at: auditLog.at, action: auditLog.action, outcome: auditLog.outcome, actorEmail: auditLog.actorEmail, targetType: auditLog.targetType, targetId: auditLog.targetId, details: auditLog.details })
      .from(auditLog)
      .where(and(eq(auditLog.labId, opts.labId), or(...FAMILIES.map(prefix)), notInArray(auditLog.action, NOT_CHANGES), about))
      .orderBy(desc(auditLog.id))
      .limit(opts.limit ?? 500),
    createAuditMasker(db, { userId: opts.viewerId, labId: opts.labId }),
  ]);
  const rows = await mask(raw);
  return {
    member,
    entries: rows.map((r) => ({
      id: r.id,
      at: r.at,
      action: r.action,
      outcome: r.outcome,
      actorEmail: r.actorEmail,
      summary: describe(r.action, r.details),
      dataset: str(r.details.dataset),
      comment: str(r.details.comment) ?? str(r.details.reason),
    })),
  };
}
