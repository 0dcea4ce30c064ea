import Link from "next/link";
import { requireRole } from "@/lib/auth/current-user";
import { now } from "@/lib/clock";
import { listAccessReviews } from "@/lib/credentialing/access-reviews";
import { getDb } from "@/lib/db/client";
import { OpenReviewForm } from "@/components/stewardship/open-review-form";
import { StewardNav } from "@/components/stewardship/steward-nav";
import { DateTime } from "@/components/ui/date-time";


export default async function AccessReviewsPage() {
  const user = await requireRole("steward");
  const reviews = await listAccessReviews(getDb(), { labId: user.labId });
  const today = now();
  const quarter = `Q${Math.floor(today.getUTCMonth() / 3) + 1} ${today.getUTCFullYear()}`;
  return (
    <>
      <h1>Access reviews</h1>
      <StewardNav current="/stewardship/reviews" />
      <div className="card">
        <h2>Open a review</h2>
        <p className="muted">
          Every member–dataset pair that holds access now must be certified or revoked by the deadline. Pairs left unanswered are revoked at the
          deadline.
        </p>
        <OpenReviewForm defaultTitle={`Access review ${quarter}`} />
      </div>
      <div className="card">
        <h2>Reviews</h2>
        {reviews.length === 0 ? (
          <p className="muted">No access review yet.</p>
        ) : (
          <table data-testid="reviews-table">
            <thead>
              <tr><th>Title</th><th>Status</th><th>Deadline</th><th>Progress</th><th>Opened</th></tr>
            </thead>
            <tbody>
              {reviews.map((r) => {
                const answered = r.certified + r.revoked + r.expired;
                return (
                  <tr key={r.id}>
                    <td><Link href={`/stewardship/reviews/${r.id}`}>{r.title}</Link></td>
                    <td><span className={`badge ${r.status === "open" ? "" : "ok"}`}>{r.status}</span></td>
                    <td><DateTime value={r.deadline} withTime /></td>
                    <td>
                      {answered} of {r.total} answered · {r.certified} certified · {r.revoked} revoked{r.expired > 0 ? ` · ${r.expired} expired` : ""}
                    </td>
                    <td><DateTime value={r.openedAt} withTime /> by {r.openedBy}</td>
                  </tr>
                );
              })}
            </tbody>
          </table>
        )}
      </div>
    </>
  );
}
