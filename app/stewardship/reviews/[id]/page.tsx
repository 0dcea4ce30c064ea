import { notFound } from "next/navigation";
import { requireRole } from "@/lib/auth/current-user";
import { now } from "@/lib/clock";
import { getAccessReview } from "@/lib/credentialing/access-reviews";
import { getDb } from "@/lib/db/client";
import { uuidSchema } from "@/lib/validation";
import { ReviewPairs } from "@/components/stewardship/review-pairs";
import { StewardNav } from "@/components/stewardship/steward-nav";
import styles from "@/components/stewardship/stewardship.module.css";
import { DateTime } from "@/components/ui/date-time";


export default async function AccessReviewPage({ params }: { params: Promise<{ id: string }> }) {
  const user = await requireRole("steward");
  const id = uuidSchema.safeParse((await params).id);
  const found = id.success ? await getAccessReview(getDb(), { labId: user.labId, reviewId: id.data }) : null;
  if (!found) notFound();
  const { review, pairs } = found;
  const answered = review.certified + review.revoked + review.expired;
  const pct = review.total === 0 ? 100 : Math.round((answered / review.total) * 100);
  const open = review.status === "open" && review.deadline.getTime() > now().getTime();
  return (
    <>
      <h1>{review.title}</h1>
      <StewardNav current="/stewardship/reviews" />
      <div className="card">
        <p>
          <span className="badge">{review.status}</span> Deadline <DateTime value={review.deadline} withTime /> · opened <DateTime value={review.openedAt} withTime /> by {review.openedBy}
          {review.closedAt && <> · closed <DateTime value={review.closedAt} withTime /></>}
        </p>
        <p data-testid="review-progress">
          {answered} of {review.total} answered ({pct}%) · {review.certified} certified · {review.revoked} revoked · {review.expired} expired
        </p>
        <div className={styles.progress} role="progressbar" aria-valuemin={0} aria-valuemax={100} aria-valuenow={pct} aria-label="Answered">
          <span style={{ width: `${pct}%` }} />
        </div>
        {review.status === "open" && !open && <p className="error">The deadline has passed: unanswered pairs are revoked by the daily job.</p>}
      </div>
      <div className="card">
        <ReviewPairs reviewId={review.id} open={open} currentUserId={user.id} pairs={pairs.map((p) => ({ ...p, decidedAt: p.decidedAt?.toISOString() ?? null, lastAccess: p.lastAccess?.toISOString() ?? null }))} />
      </div>
    </>
  );
}
