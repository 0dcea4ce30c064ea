import { and, eq } from "drizzle-orm";
import { afterEach, describe, expect, it } from "vitest";
import { accessGrants, auditLog, datasets, labAccessPolicies, labDatasets, notifications, physionetVerifications, trainings } from "@/db/schema";
import { now, setClockOffsetForTests } from "@/lib/clock";
import { openAccessReview } from "@/lib/credentialing/access-reviews";
import { runDailyCredentialingSweep } from "@/lib/credentialing/daily-sweep";
import { changeAccessGrant } from "@/lib/credentialing/grants";
import { physionetLinks } from "@/lib/credentialing/physionet-links";
import { hasDatasetAccess } from "@/lib/datasets/dataset-access";
import { getDb } from "@/lib/db/client";
import { credentialMember } from "@/lib/factories";
import { isolatedDatabaseForFile } from "../support/isolated-database";
import { labWithRoles } from "../support/db";

// The sweep acts on every lab (and closes every due access review), so it runs on a database of
// its own: time travel here must not expire other files' members.
isolatedDatabaseForFile();

const DAY = 86_400_000;
const VALIDITY_DAYS = 1095; // the lab's default policy for the CITI course, counted from acceptance
const travelTo = (ms: number) => setClockOffsetForTests(ms - Date.now());
afterEach(() => setClockOffsetForTests(0));

const sweep = () => runDailyCredentialingSweep(getDb(), { now: now() });
const NOTHING = { trainingWarnings: 0, accessWarnings: 0, accessExpired: 0, reviewsClosed: 0, pairsRevoked: 0, reviewReminders: 0, queueReminders: 0 };

/** A lab holding mimic-cxr-jpg 2.0.0 and a member credentialed for it right now. */
async function credentialedLab() {
  const db = getDb();
  const roles = await labWithRoles();
  const [dataset] = await db.select().from(datasets).where(and(eq(datasets.slug, "mimic-cxr-jpg"), eq(datasets.version, "2.0.0")));
  await db.insert(labDatasets).values({ labId: roles.lab.id, datasetId: dataset!.id });
  const acceptedAt = now();
  await credentialMember(db, { labId: roles.lab.id, userId: roles.member.id, stewardId: roles.steward.id, datasetIds: [dataset!.id], at: acceptedAt });
  const access = () => hasDatasetAccess({ userId: roles.member.id, labId: roles.lab.id, datasetId: dataset!.id });
  return { ...roles, dataset: dataset!, acceptedAt, expiresAt: new Date(acceptedAt.getTime() + VALIDITY_DAYS * DAY), access };
}

const notificationsOf = (userId: string) => getDb().select().from(notifications).where(eq(notifications.userId, userId)).orderBy(notifications.createdAt);
const auditOf = (labId: string, action: string) => getDb().select().from(auditLog).where(and(eq(auditLog.labId, labId), eq(auditLog.action, action)));

describe("daily credentialing sweep (time travel)", () => {
  it("warns once 20 days before the training expires, then ends access at expiry: audited and notified once", async () => {
    const { lab, member, dataset, expiresAt, access } = await credentialedLab();
    expect(await access()).toBe(true);

    // Nothing to say today.
    await sweep();
    expect(await notificationsOf(member.id)).toHaveLength(0);

    travelTo(expiresAt.getTime() - 20 * DAY);
    const first = await sweep();
    expect(first.trainingWarnings).toBeGreaterThanOrEqual(1);
    expect(await sweep()).toMatchObject(NOTHING);
    const warned = await notificationsOf(member.id);
    expect(warned).toHaveLength(1);
    const warning = warned[0]!;
    expect(warning).toMatchObject({ kind: "training_expiring", link: "/credentialing", dedupeKey: `training-expiring:citi-data-or-specimens:${expiresAt.toISOString().slice(0, 10)}` });
    expect(warning.title).toContain("in 20 days");
    expect(warning.body).toContain(physionetLinks.citiCourse);
    expect(warning.body).toContain("mimic-cxr-jpg 2.0.0");
    expect(await access()).toBe(true);

    travelTo(expiresAt.getTime() + 2 * 3_600_000);
    expect(await access()).toBe(false);
    const after = await sweep();
    expect(after.accessExpired).toBeGreaterThanOrEqual(1);
    expect(await sweep()).toMatchObject(NOTHING);
    // A day later the same expiry is still recorded only once.
    travelTo(expiresAt.getTime() + 26 * 3_600_000);
    await sweep();

    const expired = await auditOf(lab.id, "access.expired");
    expect(expired).toHaveLength(1);
    expect(expired[0]).toMatchObject({ actorId: null, targetType: "user", targetId: member.id });
    expect(expired[0]!.details).toMatchObject({ datasetId: dataset.id, dataset: "mimic-cxr-jpg 2.0.0", endedAt: expiresAt.toISOString(), causes: ["training"] });
    const all = await notificationsOf(member.id);
    expect(all.map((n) => n.kind)).toEqual(["training_expiring", "access_revoked"]);
    expect(all[1]!.title).toBe("Your access to mimic-cxr-jpg 2.0.0 has ended");
    expect(all[1]!.body).toContain(physionetLinks.citiCourse);
  });

  it("a renewal under review silences the warning; a steward's revocation is not an expiry", async () => {
    const { lab, member, steward, dataset, expiresAt } = await credentialedLab();
    // The member uploaded a renewal that waits for review: the checklist says "wait", so no warning.
    await getDb().insert(trainings).values({
      labId: lab.id, userId: member.id, trainingType: "citi-data-or-specimens", kind: "report", status: "pending", learnerName: "M", course: "Data or Specimens Only Research",
      completionDate: "2024-01-01", recordId: `renew-${member.id.slice(0, 8)}`, verificationUrl: "https://www.citiprogram.org/verify/?k1-2", storageKey: "seed/renew.pdf",
      sha256: "a".repeat(64), sizeBytes: 0, submittedAt: now(),
    });
    travelTo(expiresAt.getTime() - 10 * DAY);
    await sweep();
    await sweep();
    // Access still ends with the old training unless a steward accepts the renewal in time: one
    // access warning says so, with nothing for the member to do.
    const notes = await notificationsOf(member.id);
    expect(notes.map((n) => n.kind)).toEqual(["access_expiring"]);
    expect(notes[0]!.title).toBe(`Your access to mimic-cxr-jpg 2.0.0 ends in 10 days (${expiresAt.toISOString().slice(0, 10)})`);
    expect(notes[0]!.body).toContain("your renewal is waiting for a steward's review");

    setClockOffsetForTests(0);
    await changeAccessGrant({ actor: steward, userId: member.id, datasetId: dataset.id, action: "revoke", reason: "left the project", ip: null });
    travelTo(expiresAt.getTime() + DAY);
    await sweep();
    expect(await auditOf(lab.id, "access.expired")).toHaveLength(0);
    expect((await notificationsOf(member.id)).map((n) => n.kind).sort()).toEqual(["access_expiring", "access_revoked"]);
  });

  it("access standing on a fresh PhysioNet verification is warned about and ends when the check grows old", async () => {
    const { lab, member, dataset, access } = await credentialedLab();
    // No steward approval: the lab lets a confirmed check stand in for it for 30 days.
    await getDb().delete(accessGrants).where(eq(accessGrants.userId, member.id));
    await getDb().insert(labAccessPolicies).values({ labId: lab.id, verificationValidDays: 30, warningDays: 7, updatedAt: now() });
    const checkedAt = now();
    await getDb().insert(physionetVerifications).values({ labId: lab.id, userId: member.id, datasetId: dataset.id, physionetUsername: "someone", outcome: "confirmed", httpStatus: 200, checkedAt });
    expect(await access()).toBe(true);
    const freshUntil = checkedAt.getTime() + 30 * DAY;

    travelTo(freshUntil - 8 * DAY);
    expect((await sweep()).accessWarnings).toBe(0);
    travelTo(freshUntil - 5 * DAY);
    await sweep();
    await sweep();
    const [warning, ...more] = await notificationsOf(member.id);
    expect(more).toHaveLength(0);
    expect(warning).toMatchObject({ kind: "access_expiring", title: `Your access to mimic-cxr-jpg 2.0.0 ends in 5 days (${new Date(freshUntil).toISOString().slice(0, 10)})` });
    expect(warning!.body).toContain("verify again with PhysioNet");

    travelTo(freshUntil + 3 * DAY);
    expect(await access()).toBe(false);
    await sweep();
    await sweep();
    const expired = await auditOf(lab.id, "access.expired");
    expect(expired).toHaveLength(1);
    expect(expired[0]!.details).toMatchObject({ endedAt: new Date(freshUntil).toISOString(), causes: ["approval"] });
    expect((await notificationsOf(member.id)).map((n) => n.kind)).toEqual(["access_expiring", "access_revoked"]);
  });

  it("reminds stewards of an access review closing within 7 days once a day, and of submissions waiting over 3 days; closes it at the deadline", async () => {
    const { lab, member, steward, admin, access } = await credentialedLab();
    const deadline = new Date(now().getTime() + 10 * DAY);
    const review = await openAccessReview({ actor: steward, title: "Spring review", deadline, ip: null });
    await getDb().insert(trainings).values({
      labId: lab.id, userId: member.id, trainingType: "citi-data-or-specimens", kind: "report", status: "pending", learnerName: "M", course: "Data or Specimens Only Research",
      completionDate: "2024-01-01", recordId: `wait-${member.id.slice(0, 8)}`, verificationUrl: "https://www.citiprogram.org/verify/?k3-4", storageKey: "seed/wait.pdf",
      sha256: "b".repeat(64), sizeBytes: 0, submittedAt: now(),
    });
    const reminders = async (userId: string) => (await notificationsOf(userId)).filter((n) => n.kind === "review_requested").map((n) => n.title);

    // 9 days before the deadline, 1 day after the upload: nothing yet.
    travelTo(deadline.getTime() - 9 * DAY);
    await sweep();
    expect(await reminders(steward.id)).toEqual([]);

    travelTo(deadline.getTime() - 5 * DAY - 3_600_000);
    await sweep();
    await sweep();
    for (const s of [steward, admin]) {
      expect(await reminders(s.id)).toEqual(['Access review "Spring review" closes in 6 days', "1 submission waiting for review for more than 3 days"]);
    }
    const reminder = (await notificationsOf(steward.id)).find((n) => n.title.startsWith("Access review"))!;
    expect(reminder.link).toBe(`/stewardship/reviews/${review.id}`);
    expect(reminder.body).toContain("1 member–dataset pair of the access review");

    travelTo(deadline.getTime() - 4 * DAY - 3_600_000);
    await sweep();
    expect(await reminders(steward.id)).toHaveLength(4);

    // The deadline passes unanswered: the sweep revokes the pair (a decision, not an expiry).
    expect(await access()).toBe(true);
    travelTo(deadline.getTime() + 3_600_000);
    const closing = await sweep();
    expect(closing).toMatchObject({ reviewsClosed: 1, pairsRevoked: 1 });
    expect(await access()).toBe(false);
    expect(await auditOf(lab.id, "access.expired")).toHaveLength(0);
    expect(await sweep()).toMatchObject({ reviewsClosed: 0, pairsRevoked: 0 });
  });
});
