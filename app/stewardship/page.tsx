import Link from "next/link";
import { requireRole } from "@/lib/auth/current-user";
import { now } from "@/lib/clock";
import { listAccessReviews } from "@/lib/credentialing/access-reviews";
import { listReviewQueue } from "@/lib/credentialing/review-queue";
import { expiringPairs } from "@/lib/credentialing/matrix-view";
import { loadGrantStatuses } from "@/lib/credentialing/grants";
import { labAccessMatrix } from "@/lib/credentialing/member-access";
import { getDb } from "@/lib/db/client";
import { StewardNav } from "@/components/stewardship/steward-nav";
import { toMatrixView } from "@/lib/credentialing/matrix-view";

export default async function StewardshipPage() {
  const user = await requireRole("steward");
  const db = getDb();
  const at = now();
  const [queue, matrix, grants, reviews] = await Promise.all([
    listReviewQueue(db, { labId: user.labId }),
    labAccessMatrix(db, { labId: user.labId, now: at }),
    loadGrantStatuses(db, { labId: user.labId }),
    listAccessReviews(db, { labId: user.labId }),
  ]);
  const cells = toMatrixView(matrix, grants).rows.flatMap((r) => Object.values(r.cells));
  const awaiting = cells.filter((c) => c.state === "awaiting_approval").length;
  const expiring = expiringPairs(matrix, grants, { now: at, days: 30 }).length;
  const openReviews = reviews.filter((r) => r.status === "open").length;
  return (
    <>
      <h1>Stewardship</h1>
      <StewardNav />
      <div className="card">
        <ul data-testid="stewardship-summary">
          <li><Link href="/stewardship/queue">Review queue</Link>: {queue.trainings.length} training report(s) and {queue.duas.length} DUA signature(s) await review</li>
          <li><Link href="/stewardship/access?status=awaiting_approval">Access matrix</Link>: {awaiting} member–dataset pair(s) await your approval</li>
          <li><Link href="/stewardship/expiring">Expiring soon</Link>: {expiring} pair(s) lose access within 30 days</li>
          <li><Link href="/stewardship/reviews">Access reviews</Link>: {openReviews} open</li>
        </ul>
      </div>
    </>
  );
}
