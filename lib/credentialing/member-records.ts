import "server-only";
import { and, desc, eq } from "drizzle-orm";
import { credentialingApplications, duaSignatures, physionetAccounts, physionetVerifications, trainings, trainingTypes } from "@/db/schema";
import type { AnyPgColumn } from "drizzle-orm/pg-core";
import type { DbOrTx } from "@/lib/db/client";

// What the member's checklist page shows besides the rule's verdicts: their own submissions, with
// the steward's comments, so they can see why something was rejected and correct it.

export async function loadMemberRecords(db: DbOrTx, opts: { labId: string; userId: string }) {
  const mine = (t: { labId: AnyPgColumn; userId: AnyPgColumn }) => and(eq(t.labId, opts.labId), eq(t.userId, opts.userId));
  const [[account], trainingRows, [application], signatures, verifications, types] = await Promise.all([
    db.select({ username: physionetAccounts.username }).from(physionetAccounts).where(mine(physionetAccounts)).limit(1),
    db
      .select({
        id: trainings.id,
        trainingType: trainings.trainingType,
        status: trainings.status,
        learnerName: trainings.learnerName,
        course: trainings.course,
        completionDate: trainings.completionDate,
        expirationDate: trainings.expirationDate,
        recordId: trainings.recordId,
        submittedAt: trainings.submittedAt,
        reviewComment: trainings.reviewComment,
        acceptedAt: trainings.acceptedAt,
      })
      .from(trainings)
      .where(mine(trainings))
      .orderBy(desc(trainings.submittedAt)),
    db.select().from(credentialingApplications).where(mine(credentialingApplications)).orderBy(desc(credentialingApplications.applicationDate), desc(credentialingApplications.createdAt)).limit(1),
    db
      .select({ id: duaSignatures.id, datasetId: duaSignatures.datasetId, duaName: duaSignatures.duaName, duaVersion: duaSignatures.duaVersion, signedOn: duaSignatures.signedOn, status: duaSignatures.status, reviewComment: duaSignatures.reviewComment, createdAt: duaSignatures.createdAt })
      .from(duaSignatures)
      .where(mine(duaSignatures))
      .orderBy(desc(duaSignatures.createdAt)),
    db
      .select({ datasetId: physionetVerifications.datasetId, outcome: physionetVerifications.outcome, httpStatus: physionetVerifications.httpStatus, checkedAt: physionetVerifications.checkedAt })
      .from(physionetVerifications)
      .where(mine(physionetVerifications))
      .orderBy(desc(physionetVerifications.checkedAt))
      .limit(50),
    db.select({ slug: trainingTypes.slug, name: trainingTypes.name, courseName: trainingTypes.courseName }).from(trainingTypes),
  ]);
  return { username: account?.username ?? null, trainings: trainingRows, application: application ?? null, signatures, verifications, trainingTypes: types };
}
export type MemberRecords = Awaited<ReturnType<typeof loadMemberRecords>>;
