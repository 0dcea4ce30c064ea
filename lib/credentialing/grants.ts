import "server-only";
import { and, eq } from "drizzle-orm";
import { accessGrants, datasets, labDatasets, users } from "@/db/schema";
import { recordAudit } from "@/lib/audit/record";
import type { CurrentUser } from "@/lib/auth/current-user";
import { now } from "@/lib/clock";
import { getDb, type DbOrTx, type Tx } from "@/lib/db/client";
import { AppError } from "@/lib/http/errors";
import { notify, type NotificationKind } from "@/lib/notifications/notify";
import type { AccessDecision, AccessGrantStatus } from "./access-rule";
import { GRANT_TARGET, REASON_REQUIRED, grantActionRefusal, type GrantAction } from "./grant-transitions";
import { decideMemberAccess } from "./member-access";

// The steward's decision per (member, dataset version): approve, suspend, revoke, reinstate. The
// access rule reads access_grants on every request, so a change counts from the member's next one.

export { GRANT_ACTIONS, type GrantAction } from "./grant-transitions";

/** "userId:datasetId" → the current grant status, for every grant of the lab. */
export async function loadGrantStatuses(db: DbOrTx, opts: { labId: string }): Promise<Map<string, AccessGrantStatus>> {
  const rows = await db.select({ userId: accessGrants.userId, datasetId: accessGrants.datasetId, status: accessGrants.status }).from(accessGrants).where(eq(accessGrants.labId, opts.labId));
  return new Map(rows.map((r) => [`${r.userId}:${r.datasetId}`, r.status]));
}

const NOTICE: Record<GrantAction, { kind: NotificationKind; verb: string }> = {
  approve: { kind: "access_granted", verb: "approved" },
  suspend: { kind: "access_suspended", verb: "suspended" },
  revoke: { kind: "access_revoked", verb: "revoked" },
  reinstate: { kind: "access_reinstated", verb: "reinstated" },
};

export type GrantChange = {
  labId: string;
  userId: string;
  datasetId: string;
  action: GrantAction;
  reason: string | null;
  /** The steward deciding; null for the system (an access review's deadline). */
  actor: Pick<CurrentUser, "id" | "email"> | null;
  /** Recorded as the grant's decider: the actor, or for the system the steward responsible. */
  decidedBy: string;
  ip: string | null;
  /** Replaces the audit row's action and adds details when the change is part of a larger one. */
  audit?: { action: string; details?: Record<string, unknown> };
  /** Refuse a change that does not apply (409); false lets an access review skip it silently. */
  strict?: boolean;
  /**
   * The rule's decision for the pair, asked before the transaction (its loaders run queries side by
   * side, which one transaction's connection cannot). Required to approve or reinstate.
   */
  decision?: AccessDecision | null;
};

export type GrantChangeResult = { changed: boolean; from: AccessGrantStatus | null; to: AccessGrantStatus; dataset: string; email: string };

/**
 * Applies one change inside the caller's transaction: locks the member's row (so concurrent decisions
 * about the same member run one after the other), checks the transition, upserts the grant, writes
 * one audit row and notifies the member. Approving or reinstating needs every other step done.
 */
export async function applyGrantChange(tx: Tx, c: GrantChange): Promise<GrantChangeResult> {
  const reason = c.reason?.trim() || null;
  if (REASON_REQUIRED[c.action] && !reason) throw new AppError("bad_request", `A reason is required to ${c.action} access`, { reason: ["Give a reason; the member is told it"] });
  const [member] = await tx
    .select({ id: users.id, email: users.email, status: users.status })
    .from(users)
    .where(and(eq(users.id, c.userId), eq(users.labId, c.labId)))
    .for("update")
    .limit(1);
  if (!member) throw new AppError("not_found", "No such member in your lab");
  const [dataset] = await tx
    .select({ id: datasets.id, slug: datasets.slug, version: datasets.version })
    .from(datasets)
    .innerJoin(labDatasets, and(eq(labDatasets.datasetId, datasets.id), eq(labDatasets.labId, c.labId)))
    .where(eq(datasets.id, c.datasetId))
    .limit(1);
  if (!dataset) {
    // A version the lab gave up gives no access anyway: an access review's deadline has nothing to revoke.
    if (c.strict === false && c.action === "revoke") return { changed: false, from: null, to: "revoked", dataset: c.datasetId, email: member.email };
    throw new AppError("not_found", "Your lab holds no copy of this dataset version");
  }
  const label = `${dataset.slug} ${dataset.version}`;
  const [grant] = await tx.select().from(accessGrants).where(and(eq(accessGrants.userId, member.id), eq(accessGrants.datasetId, dataset.id))).limit(1);
  const from = grant?.status ?? null;
  const to = GRANT_TARGET[c.action];
  const refusal = grantActionRefusal(c.action, from);
  if (refusal) {
    if (c.strict === false) return { changed: false, from, to: from ?? to, dataset: label, email: member.email };
    throw new AppError("conflict", `${refusal} (${member.email}, ${label})`);
  }
  const at = now();
  if (to === "approved") {
    if (c.actor?.id === member.id) throw new AppError("forbidden", "You cannot approve your own access; ask another steward");
    if (member.status !== "active") throw new AppError("conflict", `${member.email} is deactivated; reactivate the account before approving access`);
    if (!c.decision) throw new Error("applyGrantChange: approving needs the member's current access decision");
    const missing = c.decision.steps.find((s) => s.id !== "approval" && s.blocking);
    if (missing) throw new AppError("conflict", `Cannot ${c.action} access of ${member.email} to ${label}: the step "${missing.title}" is ${missing.status} (${missing.summary})`);
  }
  await tx
    .insert(accessGrants)
    .values({ labId: c.labId, userId: member.id, datasetId: dataset.id, status: to, reason, decidedBy: c.decidedBy, decidedAt: at })
    .onConflictDoUpdate({ target: [accessGrants.userId, accessGrants.datasetId], set: { status: to, reason, decidedBy: c.decidedBy, decidedAt: at } });
  await recordAudit(tx, {
    action: c.audit?.action ?? `access.${c.action}`,
    labId: c.labId,
    actor: c.actor,
    target: { type: "user", id: member.id },
    ip: c.ip,
    details: { userId: member.id, email: member.email, datasetId: dataset.id, dataset: label, from, to, reason, ...c.audit?.details },
  });
  const { kind, verb } = NOTICE[c.action];
  await notify(tx, {
    labId: c.labId,
    userId: member.id,
    kind,
    title: `Access ${verb}: ${label}`,
    body: `Your access to ${label} was ${verb}${reason ? `. Reason: ${reason}` : ""}. This applies from your next request.`,
    link: to === "approved" ? `/datasets/${dataset.slug}/${dataset.version}` : "/credentialing",
  });
  return { changed: true, from, to, dataset: label, email: member.email };
}

/** A steward's decision from the matrix or the expiring list, in its own transaction. */
export async function changeAccessGrant(opts: { actor: CurrentUser; userId: string; datasetId: string; action: GrantAction; reason?: string | null; ip: string | null }) {
  const ask = () => decideMemberAccess(getDb(), { labId: opts.actor.labId, userId: opts.userId, datasetId: opts.datasetId, now: now() });
  const decision = GRANT_TARGET[opts.action] === "approved" ? await ask() : null;
  const result = await getDb().transaction((tx) =>
    applyGrantChange(tx, { labId: opts.actor.labId, userId: opts.userId, datasetId: opts.datasetId, action: opts.action, reason: opts.reason ?? null, actor: opts.actor, decidedBy: opts.actor.id, ip: opts.ip, decision }),
  );
  // Asked again after the commit: what the member gets on their next request.
  const after = await ask();
  return { ...result, access: after?.access === true, accessReason: after?.reason ?? "" };
}
