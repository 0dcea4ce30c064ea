import { randomUUID } from "node:crypto";
import { accessGrants, credentialingApplications, datasets, duaSignatures, labs, physionetAccounts, trainings, users } from "@/db/schema";
import { inArray } from "drizzle-orm";
import type { DbOrTx } from "@/lib/db/client";
import { hashPassword } from "@/lib/auth/password";
import type { Role } from "@/lib/auth/roles";

// One factory module for the demo seed and the tests, so both build rows the same way.

export async function createLab(db: DbOrTx, opts: { name?: string; slug?: string } = {}) {
  const suffix = randomUUID().slice(0, 8);
  const [lab] = await db
    .insert(labs)
    .values({ name: opts.name ?? `Test lab ${suffix}`, slug: opts.slug ?? `lab-${suffix}` })
    .returning();
  return lab!;
}

export async function createUser(
  db: DbOrTx,
  opts: { labId: string; role?: Role; email?: string; name?: string; password?: string | null; status?: "active" | "deactivated" },
) {
  const suffix = randomUUID().slice(0, 8);
  const role = opts.role ?? "member";
  const password = opts.password === undefined ? `password-${suffix}-long` : opts.password;
  const [user] = await db
    .insert(users)
    .values({
      labId: opts.labId,
      role,
      email: (opts.email ?? `${role}-${suffix}@example.org`).toLowerCase(),
      name: opts.name ?? `${role[0]!.toUpperCase()}${role.slice(1)} ${suffix}`,
      passwordHash: password === null ? null : await hashPassword(password),
      status: opts.status ?? "active",
    })
    .returning();
  return { ...user!, password };
}

/**
 * Gives a member everything the access rule asks for the given dataset versions: a PhysioNet
 * account, an accepted CITI report, accepted credentialing, an accepted DUA per version and the
 * steward's approval. For the demo seed and tests that need a member with access; the training row
 * points at no stored PDF (storage key "seed/…").
 */
export async function credentialMember(db: DbOrTx, opts: { labId: string; userId: string; stewardId: string; datasetIds: readonly string[]; at?: Date; username?: string }) {
  const at = opts.at ?? new Date();
  const day = at.toISOString().slice(0, 10);
  const suffix = randomUUID().slice(0, 8);
  await db.insert(physionetAccounts).values({ userId: opts.userId, labId: opts.labId, username: opts.username ?? `member-${suffix}`, createdAt: at, updatedAt: at }).onConflictDoNothing();
  await db.insert(trainings).values({
    labId: opts.labId, userId: opts.userId, trainingType: "citi-data-or-specimens", kind: "report", status: "accepted",
    learnerName: "Seeded Member", course: "Data or Specimens Only Research", completionDate: day, recordId: `seed-${suffix}`,
    verificationUrl: `https://www.citiprogram.org/verify/?k${randomUUID()}-${parseInt(suffix, 16) % 100_000_000}`,
    storageKey: `seed/${suffix}.pdf`, sha256: randomUUID().replace(/-/g, "").padEnd(64, "0"), sizeBytes: 0,
    submittedAt: at, reviewedBy: opts.stewardId, reviewedAt: at, acceptedAt: at,
  });
  await db.insert(credentialingApplications).values({ labId: opts.labId, userId: opts.userId, applicationDate: day, stage: "final_review", decision: "accepted", decisionDate: day, createdAt: at, updatedAt: at });
  if (opts.datasetIds.length === 0) return;
  const rows = await db.select({ id: datasets.id, duaName: datasets.duaName, duaVersion: datasets.duaVersion }).from(datasets).where(inArray(datasets.id, [...opts.datasetIds]));
  for (const d of rows) {
    await db.insert(duaSignatures).values({ labId: opts.labId, userId: opts.userId, datasetId: d.id, duaName: d.duaName, duaVersion: d.duaVersion, signedOn: day, initials: "SM", status: "accepted", reviewedBy: opts.stewardId, reviewedAt: at, createdAt: at });
    await db
      .insert(accessGrants)
      .values({ labId: opts.labId, userId: opts.userId, datasetId: d.id, status: "approved", decidedBy: opts.stewardId, decidedAt: at })
      .onConflictDoUpdate({ target: [accessGrants.userId, accessGrants.datasetId], set: { status: "approved", decidedBy: opts.stewardId, decidedAt: at, reason: null } });
  }
}
