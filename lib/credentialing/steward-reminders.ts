import "server-only";
import { and, count, eq, gt, inArray, isNull, lt, lte } from "drizzle-orm";
import { accessReviewItems, accessReviews, duaSignatures, trainings, users } from "@/db/schema";
import type { Db } from "@/lib/db/client";
import { notifyOnce } from "@/lib/notifications/notify";
import { DAY_MS, addDays, day } from "./access-step-kit";

// The daily sweep's reminders to a lab's stewards and admins (lib/credentialing/daily-sweep.ts):
// at most one per access review per day while it closes within a week with pairs unanswered, and
// one a day while trainings or DUA signatures wait for review longer than a few days.

export const REVIEW_REMINDER_DAYS = 7;
export const QUEUE_REMINDER_AFTER_DAYS = 3;

// The same pages the steward side links its own notifications to.
const STEWARD_LINKS = { reviewQueue: "/stewardship/queue", accessReview: (id: string) => `/stewardship/reviews/${id}` };

const plural = (n: number, one: string) => `${n} ${one}${n === 1 ? "" : "s"}`;
const inDays = (n: number) => (n <= 0 ? "today" : n === 1 ? "tomorrow" : `in ${n} days`);

/** Returns how many reminders were new (a repeat on the same day is skipped by its dedupe key). */
export async function remindStewards(db: Db, ctx: { labId: string; now: Date }): Promise<{ reviewReminders: number; queueReminders: number }> {
  const result = { reviewReminders: 0, queueReminders: 0 };
  const today = day(ctx.now);
  const waitingSince = addDays(ctx.now, -QUEUE_REMINDER_AFTER_DAYS);
  const [stewards, reviews, [pendingTrainings], [pendingDuas]] = await Promise.all([
    db.select({ id: users.id }).from(users).where(and(eq(users.labId, ctx.labId), eq(users.status, "active"), inArray(users.role, ["steward", "admin"]))),
    db
      .select({ id: accessReviews.id, title: accessReviews.title, deadline: accessReviews.deadline, unanswered: count(accessReviewItems.userId) })
      .from(accessReviews)
      .innerJoin(accessReviewItems, and(eq(accessReviewItems.reviewId, accessReviews.id), isNull(accessReviewItems.decision)))
      .where(and(eq(accessReviews.labId, ctx.labId), eq(accessReviews.status, "open"), gt(accessReviews.deadline, ctx.now), lte(accessReviews.deadline, addDays(ctx.now, REVIEW_REMINDER_DAYS))))
      .groupBy(accessReviews.id),
    db.select({ n: count() }).from(trainings).where(and(eq(trainings.labId, ctx.labId), eq(trainings.status, "pending"), lt(trainings.submittedAt, waitingSince))),
    db.select({ n: count() }).from(duaSignatures).where(and(eq(duaSignatures.labId, ctx.labId), eq(duaSignatures.status, "pending"), lt(duaSignatures.createdAt, waitingSince))),
  ]);
  const waiting = (pendingTrainings?.n ?? 0) + (pendingDuas?.n ?? 0);
  for (const steward of stewards) {
    for (const r of reviews) {
      const left = Math.ceil((r.deadline.getTime() - ctx.now.getTime()) / DAY_MS);
      const created = await notifyOnce(db, {
        labId: ctx.labId,
        userId: steward.id,
        kind: "review_requested",
        title: `Access review "${r.title}" closes ${inDays(left)}`,
        body: `${plural(r.unanswered, "member–dataset pair")} of the access review "${r.title}" still need a decision. Pairs left unanswered at the deadline (${r.deadline.toISOString().slice(0, 16).replace("T", " ")} UTC) lose their access.`,
        link: STEWARD_LINKS.accessReview(r.id),
        dedupeKey: `access-review-reminder:${r.id}:${today}`,
      });
      if (created) result.reviewReminders++;
    }
    if (waiting === 0) continue;
    const parts = [pendingTrainings!.n > 0 ? plural(pendingTrainings!.n, "training report") : null, pendingDuas!.n > 0 ? plural(pendingDuas!.n, "DUA signature") : null].filter(Boolean);
    const created = await notifyOnce(db, {
      labId: ctx.labId,
      userId: steward.id,
      kind: "review_requested",
      title: `${plural(waiting, "submission")} waiting for review for more than ${QUEUE_REMINDER_AFTER_DAYS} days`,
      body: `${parts.join(" and ")} ${waiting === 1 ? "has" : "have"} been waiting for more than ${QUEUE_REMINDER_AFTER_DAYS} days. Members have no access until a steward accepts them.`,
      link: STEWARD_LINKS.reviewQueue,
      dedupeKey: `review-queue-reminder:${today}`,
    });
    if (created) result.queueReminders++;
  }
  return result;
}
