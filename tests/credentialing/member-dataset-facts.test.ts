import { eq } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { accessGrants, attestations, datasets, labAccessPolicies, labDatasets, labTrainingPolicies, physionetVerifications } from "@/db/schema";
import { decideAccess } from "@/lib/credentialing/access-rule";
import { loadLabDatasetRequirements, loadLabPolicy, loadMemberFacts } from "@/lib/credentialing/load-facts";
import { loadMemberDatasetFacts } from "@/lib/credentialing/load-member-dataset";
import { decideMemberAccess, decideMemberAccessBySlug } from "@/lib/credentialing/member-access";
import { getDb } from "@/lib/db/client";
import { createUser, credentialMember } from "@/lib/factories";
import { labWithRoles } from "../support/db";

// Every data request asks the access rule through ONE statement (load-member-dataset.ts); the
// checklist and the steward's matrix load the same facts with a query per table (load-facts.ts).
// Here both read the same member in states that touch every table they read, and must agree to the
// last field and date: the one-statement path can never decide differently.

async function byLoaders(opts: { labId: string; userId: string; datasetId: string }) {
  const db = getDb();
  const [[dataset], facts, policy] = await Promise.all([loadLabDatasetRequirements(db, { labId: opts.labId, datasetId: opts.datasetId }), loadMemberFacts(db, opts), loadLabPolicy(db, opts.labId)]);
  return { dataset, facts, policy };
}

async function expectSame(opts: { labId: string; userId: string; datasetId: string }) {
  const db = getDb();
  const once = await loadMemberDatasetFacts(db, { labId: opts.labId, userId: opts.userId, dataset: { id: opts.datasetId } });
  const loaded = await byLoaders(opts);
  const [d] = await db.select({ title: datasets.title, slug: datasets.slug, version: datasets.version }).from(datasets).where(eq(datasets.id, opts.datasetId));
  expect(once.dataset).toEqual(loaded.dataset ? { ...loaded.dataset, title: d!.title } : null);
  expect(once.facts).toEqual(loaded.facts);
  expect(once.policy).toEqual(loaded.policy);
  const now = new Date();
  const decision = loaded.dataset ? decideAccess({ dataset: loaded.dataset, facts: loaded.facts, policy: loaded.policy, now }) : null;
  expect(await decideMemberAccess(db, { ...opts, now })).toEqual(decision);
  const bySlug = await decideMemberAccessBySlug(db, { labId: opts.labId, userId: opts.userId, slug: d!.slug, version: d!.version, now });
  expect(bySlug?.decision ?? null).toEqual(decision);
  return decision;
}

describe("the access rule's facts in one statement", () => {
  it("equal the per-table loaders for a member with nothing, a credentialed one, and after grants, verifications, attestations and lab policy change", async () => {
    const db = getDb();
    const { lab, steward, member } = await labWithRoles();
    const ds = await db.select().from(datasets).limit(3);
    expect(ds.length).toBeGreaterThanOrEqual(2);
    const [held, other] = ds;
    await db.insert(labDatasets).values({ labId: lab.id, datasetId: held!.id });

    // Nothing recorded yet.
    expect((await expectSame({ labId: lab.id, userId: member.id, datasetId: held!.id }))?.access).toBe(false);
    // A version the lab does not hold: no copy, both ways.
    expect(await expectSame({ labId: lab.id, userId: member.id, datasetId: other!.id })).toBeNull();

    // Every step done, and another member's facts beside them (never read for this one).
    await credentialMember(db, { labId: lab.id, userId: member.id, stewardId: steward.id, datasetIds: [held!.id] });
    const bystander = await createUser(db, { labId: lab.id, role: "member" });
    await credentialMember(db, { labId: lab.id, userId: bystander.id, stewardId: steward.id, datasetIds: [held!.id] });
    expect((await expectSame({ labId: lab.id, userId: member.id, datasetId: held!.id }))?.access).toBe(true);

    // Lab policy, a training override, a verification and attestations, then a revocation.
    const at = new Date(Date.now() - 3_600_000);
    await db.insert(labAccessPolicies).values({ labId: lab.id, verificationValidDays: 30, warningDays: 14, responsibleUseRequired: true, reattestMonths: 12, updatedAt: at });
    await db.insert(labTrainingPolicies).values({ labId: lab.id, trainingType: "citi-data-or-specimens", validityDays: 400, updatedAt: at });
    await db.insert(physionetVerifications).values({ labId: lab.id, userId: member.id, datasetId: held!.id, physionetUsername: "someone", outcome: "confirmed", httpStatus: 200, checkedAt: at });
    await db.insert(attestations).values([
      { labId: lab.id, userId: member.id, kind: "responsible_use", datasetId: null, textVersion: "1", attestedAt: at },
      { labId: lab.id, userId: member.id, kind: "dua", datasetId: held!.id, textVersion: "1", attestedAt: new Date(at.getTime() + 1234) },
    ]);
    await expectSame({ labId: lab.id, userId: member.id, datasetId: held!.id });
    await db.update(accessGrants).set({ status: "revoked", reason: "left the project", decidedAt: new Date() }).where(eq(accessGrants.userId, member.id));
    expect((await expectSame({ labId: lab.id, userId: member.id, datasetId: held!.id }))?.access).toBe(false);
  });
});
