import "server-only";
import { and, asc, desc, eq, inArray, isNull, lte, sql } from "drizzle-orm";
import { accessReviewItems, accessReviews, datasets, users } from "@/db/schema";
import { recordAudit } from "@/lib/audit/record";
import type { CurrentUser } from "@/lib/auth/current-user";
import { now } from "@/lib/clock";
import { getDb, type Db, type Tx } from "@/lib/db/client";
import { AppError } from "@/lib/http/errors";
import { notify } from "@/lib/notifications/notify";
import { applyGrantChange } from "./grants";
import { labAccessMatrix } from "./member-access";
import { loadLastDataAccess } from "./last-data-access";

// Access review campaigns: a steward opens one; every (member, dataset) pair holding access at that
// moment must be certified or revoked by the deadline; the daily job revokes what is left.
//
// Lock order, the same everywhere so nothing deadlocks: the review row, then member rows (in id
// order), then the audit chain's advisory lock (taken by recordAudit).

export const ITEM_DECISIONS = ["certify", "revoke"] as const;
export type ItemDecision = (typeof ITEM_DECISIONS)[number];

const fmt = (d: Date) => d.toISOString().slice(0, 16).replace("T", " ") + " UTC";

export async function openAccessReview(opts: { actor: CurrentUser; title: string; deadline: Date; ip: string | null }) {
  const title = opts.title.trim();
  if (!title) throw new AppError("bad_request", "Give the review a title", { title: ["Title is required"] });
  const at = now();
  if (opts.deadline.getTime() <= at.getTime()) throw new AppError("bad_request", "The deadline must be in the future", { deadline: ["Choose a date and time after now"] });
  // The snapshot is read before the transaction: the matrix loaders run their queries side by side.
  const matrix = await labAccessMatrix(getDb(), { labId: opts.actor.labId, now: at });
  return getDb().transaction(async (tx) => {
    const pairs = matrix.rows.flatMap((r) => matrix.datasets.filter((d) => r.cells[d.id]?.access).map((d) => ({ userId: r.member.id, datasetId: d.id })));
    if (pairs.length === 0) throw new AppError("conflict", "Nobody in the lab holds access to a dataset right now: there is nothing to review");
    const [review] = await tx.insert(accessReviews).values({ labId: opts.actor.labId, title, deadline: opts.deadline, openedBy: opts.actor.id, openedAt: at }).returning();
    await tx.insert(accessReviewItems).values(pairs.map((p) => ({ reviewId: review!.id, ...p })));
    await recordAudit(tx, {
      action: "access_review.open",
      labId: opts.actor.labId,
      actor: opts.actor,
      target: { type: "access_review", id: review!.id },
      ip: opts.ip,
      details: { title, deadline: opts.deadline.toISOString(), pairs: pairs.length },
    });
    const stewards = await tx
      .select({ id: users.id })
      .from(users)
      .where(and(eq(users.labId, opts.actor.labId), eq(users.status, "active"), inArray(users.role, ["steward", "admin"])));
    for (const s of stewards.filter((s) => s.id !== opts.actor.id)) {
      await notify(tx, {
        labId: opts.actor.labId,
        userId: s.id,
        kind: "campaign_opened",
        title: `Access review opened: ${title}`,
        body: `${opts.actor.name} opened an access review of ${pairs.length} member–dataset pair${pairs.length === 1 ? "" : "s"}. Certify or revoke each by ${fmt(opts.deadline)}; pairs left unanswered are revoked then.`,
        link: `/stewardship/reviews/${review!.id}`,
      });
    }
    return { id: review!.id, pairs: pairs.length };
  });
}

/** Closes the review once its last pair is answered; the caller holds the review row. */
async function closeIfDone(tx: Tx, review: { id: string; labId: string; title: string }, actor: CurrentUser | null, at: Date) {
  const [left] = await tx.select({ n: sql<number>`count(*)::int` }).from(accessReviewItems).where(and(eq(accessReviewItems.reviewId, review.id), isNull(accessReviewItems.decision)));
  if ((left?.n ?? 0) > 0) return false;
  await tx.update(accessReviews).set({ status: "closed", closedAt: at }).where(eq(accessReviews.id, review.id));
  const counts = await tx
    .select({ decision: accessReviewItems.decision, n: sql<number>`count(*)::int` })
    .from(accessReviewItems)
    .where(eq(accessReviewItems.reviewId, review.id))
    .groupBy(accessReviewItems.decision);
  await recordAudit(tx, {
    action: "access_review.close",
    labId: review.labId,
    actor,
    target: { type: "access_review", id: review.id },
    details: { title: review.title, ...Object.fromEntries(counts.map((c) => [c.decision, c.n])) },
  });
  return true;
}

export async function decideAccessReviewItem(opts: { actor: CurrentUser; reviewId: string; userId: string; datasetId: string; decision: ItemDecision; comment?: string | null; ip: string | null }) {
  const comment = opts.comment?.trim() || null;
  if (opts.decision === "revoke" && !comment) throw new AppError("bad_request", "A comment is required to revoke: the member is told why", { comment: ["Say why this access ends"] });
  // Four-eyes: nobody certifies their own access; giving it up stays open to them.
  if (opts.decision === "certify" && opts.userId === opts.actor.id) throw new AppError("forbidden", "You cannot certify your own access; another steward must certify it");
  return getDb().transaction(async (tx) => {
    // FOR SHARE: decisions on one review run side by side; the deadline job's FOR UPDATE waits for them.
    const [review] = await tx
      .select()
      .from(accessReviews)
      .where(and(eq(accessReviews.id, opts.reviewId), eq(accessReviews.labId, opts.actor.labId)))
      .for("share")
      .limit(1);
    if (!review) throw new AppError("not_found", "No such access review in your lab");
    const at = now();
    if (review.status !== "open") throw new AppError("conflict", `The review "${review.title}" is closed`);
    if (review.deadline.getTime() <= at.getTime()) throw new AppError("conflict", `The deadline of "${review.title}" (${fmt(review.deadline)}) has passed; unanswered pairs are being revoked`);
    const [item] = await tx
      .select({ i: accessReviewItems, email: users.email, slug: datasets.slug, version: datasets.version })
      .from(accessReviewItems)
      .innerJoin(users, eq(users.id, accessReviewItems.userId))
      .innerJoin(datasets, eq(datasets.id, accessReviewItems.datasetId))
      .where(and(eq(accessReviewItems.reviewId, review.id), eq(accessReviewItems.userId, opts.userId), eq(accessReviewItems.datasetId, opts.datasetId)))
      .for("update", { of: accessReviewItems })
      .limit(1);
    if (!item) throw new AppError("not_found", "This member and dataset are not part of the review");
    const dataset = `${item.slug} ${item.version}`;
    if (item.i.decision !== null) throw new AppError("conflict", `${item.email} / ${dataset} was already ${item.i.decision} in this review; reload to see what is left`);
    const decision = opts.decision === "certify" ? "certified" : "revoked";
    await tx
      .update(accessReviewItems)
      .set({ decision, comment, decidedBy: opts.actor.id, decidedAt: at })
      .where(and(eq(accessReviewItems.reviewId, review.id), eq(accessReviewItems.userId, opts.userId), eq(accessReviewItems.datasetId, opts.datasetId)));
    const details = { reviewId: review.id, review: review.title, comment };
    if (decision === "revoked") {
      // One audit row for the whole change: the review's answer and the grant it revokes.
      const r = await applyGrantChange(tx, {
        labId: review.labId, userId: opts.userId, datasetId: opts.datasetId, action: "revoke", reason: `Revoked in access review "${review.title}": ${comment}`,
        actor: opts.actor, decidedBy: opts.actor.id, ip: opts.ip, audit: { action: "access_review.revoke", details }, strict: false,
      });
      if (!r.changed) await auditItem(tx, "access_review.revoke", review.labId, opts, { ...details, email: item.email, dataset, grant: r.from === "revoked" ? "already revoked" : "unchanged (the lab no longer holds this dataset)" });
    } else {
      await auditItem(tx, "access_review.certify", review.labId, opts, { ...details, email: item.email, dataset });
    }
    const closed = await closeIfDone(tx, review, opts.actor, at);
    return { decision, closed };
  });
}

async function auditItem(tx: Tx, action: string, labId: string, opts: { actor: CurrentUser; userId: string; datasetId: string; ip: string | null }, details: Record<string, unknown>) {
  await recordAudit(tx, { action, labId, actor: opts.actor, target: { type: "user", id: opts.userId }, ip: opts.ip, details: { userId: opts.userId, datasetId: opts.datasetId, ...details } });
}

/**
 * Revokes every unanswered pair of every open review whose deadline has passed, and closes those
 * reviews. Each review is handled in its own transaction, claimed with FOR UPDATE SKIP LOCKED: two
 * workers running at once split the reviews between them, and a closed review is never seen again,
 * so running it twice changes nothing.
 */
export async function closeDueAccessReviews(db: Db, opts: { now: Date }): Promise<{ reviewsClosed: number; pairsRevoked: number }> {
  let reviewsClosed = 0;
  let pairsRevoked = 0;
  for (;;) {
    const done = await db.transaction(async (tx) => {
      const [review] = await tx
        .select()
        .from(accessReviews)
        .where(and(eq(accessReviews.status, "open"), lte(accessReviews.deadline, opts.now)))
        .orderBy(asc(accessReviews.deadline))
        .for("update", { skipLocked: true })
        .limit(1);
      if (!review) return null;
      const items = await tx
        .select({ userId: accessReviewItems.userId, datasetId: accessReviewItems.datasetId })
        .from(accessReviewItems)
        .where(and(eq(accessReviewItems.reviewId, review.id), isNull(accessReviewItems.decision)))
        .orderBy(asc(accessReviewItems.userId), asc(accessReviewItems.datasetId))
        .for("update");
      // Member rows before the first audit write (see the lock order above).
      const memberIds = [...new Set(items.map((i) => i.userId))];
      if (memberIds.length > 0) await tx.select({ id: users.id }).from(users).where(inArray(users.id, memberIds)).orderBy(asc(users.id)).for("update");
      const reason = `Not certified in access review ${review.title} by ${fmt(review.deadline)}`;
      let revoked = 0;
      for (const item of items) {
        await tx
          .update(accessReviewItems)
          .set({ decision: "expired", comment: reason, decidedAt: opts.now })
          .where(and(eq(accessReviewItems.reviewId, review.id), eq(accessReviewItems.userId, item.userId), eq(accessReviewItems.datasetId, item.datasetId)));
        const r = await applyGrantChange(tx, {
          labId: review.labId, userId: item.userId, datasetId: item.datasetId, action: "revoke", reason, actor: null, decidedBy: review.openedBy, ip: null,
          audit: { action: "access_review.expire", details: { reviewId: review.id, review: review.title, deadline: review.deadline.toISOString(), by: "access review deadline" } },
          strict: false,
        });
        if (r.changed) revoked++;
        else await recordAudit(tx, { action: "access_review.expire", labId: review.labId, target: { type: "user", id: item.userId }, details: { userId: item.userId, datasetId: item.datasetId, reviewId: review.id, review: review.title, grant: r.from === "revoked" ? "already revoked" : "unchanged (the lab no longer holds this dataset)", by: "access review deadline" } });
      }
      await closeIfDone(tx, review, null, opts.now);
      return { revoked };
    });
    if (!done) break;
    reviewsClosed++;
    pairsRevoked += done.revoked;
  }
  return { reviewsClosed, pairsRevoked };
}

export type AccessReviewSummary = {
  id: string;
  title: string;
  status: "open" | "closed";
  deadline: Date;
  openedAt: Date;
  openedBy: string;
  closedAt: Date | null;
  total: number;
  certified: number;
  revoked: number;
  expired: number;
};

const progressColumns = {
  total: sql<number>`count(${accessReviewItems.userId})::int`,
  certified: sql<number>`(count(*) filter (where ${accessReviewItems.decision} = 'certified'))::int`,
  revoked: sql<number>`(count(*) filter (where ${accessReviewItems.decision} = 'revoked'))::int`,
  expired: sql<number>`(count(*) filter (where ${accessReviewItems.decision} = 'expired'))::int`,
};

export async function listAccessReviews(db: Db | Tx, opts: { labId: string; reviewId?: string }): Promise<AccessReviewSummary[]> {
  return db
    .select({
      id: accessReviews.id, title: accessReviews.title, status: accessReviews.status, deadline: accessReviews.deadline, openedAt: accessReviews.openedAt,
      openedBy: users.email, closedAt: accessReviews.closedAt, ...progressColumns,
    })
    .from(accessReviews)
    .innerJoin(users, eq(users.id, accessReviews.openedBy))
    .leftJoin(accessReviewItems, eq(accessReviewItems.reviewId, accessReviews.id))
    .where(and(eq(accessReviews.labId, opts.labId), opts.reviewId ? eq(accessReviews.id, opts.reviewId) : undefined))
    .groupBy(accessReviews.id, users.email)
    .orderBy(desc(accessReviews.openedAt));
}

export type AccessReviewPair = {
  userId: string;
  name: string;
  email: string;
  datasetId: string;
  dataset: string;
  decision: "certified" | "revoked" | "expired" | null;
  comment: string | null;
  decidedBy: string | null;
  decidedAt: Date | null;
  /** The member's newest read of this version's data (audit log), so "certify" is an informed answer. */
  lastAccess: Date | null;
};

/** One review with its pairs (unanswered first), or null when the lab has no such review. */
export async function getAccessReview(db: Db | Tx, opts: { labId: string; reviewId: string }): Promise<{ review: AccessReviewSummary; pairs: AccessReviewPair[] } | null> {
  const [review] = await listAccessReviews(db, opts);
  if (!review) return null;
  const decider = sql<string | null>`(select email from users d where d.id = ${accessReviewItems.decidedBy})`;
  const rows = await db
    .select({
      userId: accessReviewItems.userId, name: users.name, email: users.email, datasetId: accessReviewItems.datasetId, slug: datasets.slug, version: datasets.version,
      decision: accessReviewItems.decision, comment: accessReviewItems.comment, decidedBy: decider, decidedAt: accessReviewItems.decidedAt,
    })
    .from(accessReviewItems)
    .innerJoin(users, eq(users.id, accessReviewItems.userId))
    .innerJoin(datasets, eq(datasets.id, accessReviewItems.datasetId))
    .where(eq(accessReviewItems.reviewId, review.id))
    .orderBy(sql`${accessReviewItems.decision} is not null`, asc(users.name), asc(datasets.slug), asc(datasets.version));
  const versions = [...new Map(rows.map((r) => [r.datasetId, { id: r.datasetId, slug: r.slug, version: r.version }])).values()];
  const lastAccess = versions.length > 0 ? await loadLastDataAccess(db, { labId: opts.labId, datasets: versions }) : new Map<string, Date>();
  return { review, pairs: rows.map(({ slug, version, ...r }) => ({ ...r, dataset: `${slug} ${version}`, lastAccess: lastAccess.get(`${r.userId}:${r.datasetId}`) ?? null })) };
}
