import { randomUUID } from "node:crypto";
import { and, eq, inArray } from "drizzle-orm";
import { auditLog, datasets, duaSignatures, labDatasets, notifications, trainings, users } from "@/db/schema";
import { nameTokens } from "@/lib/credentialing/name-match";
import type { CurrentUser } from "@/lib/auth/current-user";
import { now } from "@/lib/clock";
import { getDb } from "@/lib/db/client";
import { createUser, credentialMember } from "@/lib/factories";
import { labWithRoles } from "../support/db";

// Rows the steward-side tests start from: a lab holding two MIMIC-CXR versions, and members at the
// stages a steward meets (submitted, ready for approval, credentialed).

export async function stewardLab() {
  const db = getDb();
  const roles = await labWithRoles();
  const rows = await db.select().from(datasets).where(and(eq(datasets.slug, "mimic-cxr"), inArray(datasets.version, ["2.0.0", "2.1.0"]))).orderBy(datasets.version);
  const [v200, v210] = rows as [typeof rows[number], typeof rows[number]];
  await db.insert(labDatasets).values(rows.map((d) => ({ labId: roles.lab.id, datasetId: d.id })));
  const another = async (name: string): Promise<CurrentUser> => {
    const u = await createUser(db, { labId: roles.lab.id, name, email: `${name.toLowerCase().replace(/\s+/g, ".")}-${randomUUID().slice(0, 6)}@example.org` });
    return { id: u.id, email: u.email, name: u.name, role: u.role, labId: roles.lab.id };
  };
  return { ...roles, v200, v210, another };
}

/** Account, accepted training and credentialing, and accepted DUAs for the given versions: only the steward's approval is missing. */
export async function readyForApproval(opts: { labId: string; userId: string; stewardId: string; datasetIds: string[]; at?: Date }) {
  const db = getDb();
  const at = opts.at ?? now();
  await credentialMember(db, { labId: opts.labId, userId: opts.userId, stewardId: opts.stewardId, datasetIds: [], at });
  const rows = await db.select().from(datasets).where(inArray(datasets.id, opts.datasetIds));
  for (const d of rows) {
    await db.insert(duaSignatures).values({ labId: opts.labId, userId: opts.userId, datasetId: d.id, duaName: d.duaName, duaVersion: d.duaVersion, signedOn: at.toISOString().slice(0, 10), initials: "RA", status: "accepted", reviewedBy: opts.stewardId, reviewedAt: at, createdAt: at });
  }
}

/** The learner name defaults to the member's own, as on an honest report. */
export async function pendingTraining(opts: { labId: string; userId: string; kind?: "report" | "certificate"; learnerName?: string }) {
  const suffix = randomUUID().slice(0, 8);
  const [member] = await getDb().select({ name: users.name }).from(users).where(eq(users.id, opts.userId));
  const [row] = await getDb()
    .insert(trainings)
    .values({
      labId: opts.labId, userId: opts.userId, trainingType: "citi-data-or-specimens", kind: opts.kind ?? "report", status: "pending", learnerName: opts.learnerName ?? member!.name,
      course: "Data or Specimens Only Research", completionDate: "2025-03-01", expirationDate: "2028-03-01", recordId: `rec-${suffix}`,
      verificationUrl: `https://www.citiprogram.org/verify/?k${suffix}-123`, storageKey: `test/${suffix}.pdf`, sha256: randomUUID().replace(/-/g, "").padEnd(64, "0"), sizeBytes: 1234, submittedAt: now(),
    })
    .returning();
  return row!;
}

/** The initials default to the member's own (the first letters of their first two name words). */
export async function pendingDua(opts: { labId: string; userId: string; datasetId: string; duaVersion?: string; initials?: string }) {
  const [d] = await getDb().select().from(datasets).where(eq(datasets.id, opts.datasetId));
  const [member] = await getDb().select({ name: users.name }).from(users).where(eq(users.id, opts.userId));
  const [row] = await getDb()
    .insert(duaSignatures)
    .values({ labId: opts.labId, userId: opts.userId, datasetId: d!.id, duaName: d!.duaName, duaVersion: opts.duaVersion ?? d!.duaVersion, signedOn: "2025-03-02", initials: opts.initials ?? memberInitials(member!.name), status: "pending", createdAt: now() })
    .returning();
  return row!;
}

/** Initials a member would type: the first letter of each of their first two name words. */
export const memberInitials = (name: string) => nameTokens(name).slice(0, 2).map((w) => w[0]!.toUpperCase()).join("");

export const auditOf = (labId: string, prefix?: string) =>
  getDb()
    .select()
    .from(auditLog)
    .where(eq(auditLog.labId, labId))
    .orderBy(auditLog.id)
    .then((rows) => rows.filter((r) => !prefix || r.action.startsWith(prefix)));

export const notificationsOf = (userId: string) => getDb().select().from(notifications).where(eq(notifications.userId, userId)).orderBy(notifications.createdAt);
