import { requireRole } from "@/lib/auth/current-user";
import { now } from "@/lib/clock";
import { loadMatrixView } from "@/lib/credentialing/matrix-csv";
import { readyForApprovalPairs } from "@/lib/credentialing/matrix-view";
import { listReviewQueue } from "@/lib/credentialing/review-queue";
import { getDb } from "@/lib/db/client";
import { ReadyForApproval } from "@/components/stewardship/ready-for-approval";
import { ReviewQueue } from "@/components/stewardship/review-queue";
import { StewardNav } from "@/components/stewardship/steward-nav";

export default async function ReviewQueuePage() {
  const user = await requireRole("steward");
  const [queue, view] = await Promise.all([listReviewQueue(getDb(), { labId: user.labId }), loadMatrixView(getDb(), { labId: user.labId, now: now() })]);
  return (
    <>
      <h1>Review queue</h1>
      <StewardNav current="/stewardship/queue" />
      <ReadyForApproval pairs={readyForApprovalPairs(view)} />
      <p className="muted">
        Check each CITI Completion Report against its PDF and CITI&apos;s verification page, and each DUA signature against the agreement the dataset
        requires. Training validity counts from your acceptance.
      </p>
      <ReviewQueue
        trainings={queue.trainings.map(({ userId: _u, ...t }) => ({ ...t, submittedAt: t.submittedAt.toISOString() }))}
        duas={queue.duas.map(({ userId: _u, datasetId: _d, ...d }) => ({ ...d, submittedAt: d.submittedAt.toISOString() }))}
      />
    </>
  );
}
