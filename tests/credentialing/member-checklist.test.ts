import { mkdtemp, readdir, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { and, eq, inArray } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { accessGrants, auditLog, datasets, duaSignatures, labAccessPolicies, labDatasets, notifications, physionetAccounts, physionetVerifications, trainings } from "@/db/schema";
import { setClockOffsetForTests } from "@/lib/clock";
import { decideMemberAccess, memberChecklist } from "@/lib/credentialing/member-access";
import { setPhysionetUsername } from "@/lib/credentialing/physionet-account";
import { applicationSchema, recordCredentialingApplication } from "@/lib/credentialing/record-application";
import { duaSignatureSchema, signDua } from "@/lib/credentialing/sign-dua";
import { readTrainingPdf, submitTraining } from "@/lib/credentialing/submit-training";
import { verifyWithPhysionet } from "@/lib/credentialing/verify-with-physionet";
import { hasDatasetAccess } from "@/lib/datasets/dataset-access";
import { getDb } from "@/lib/db/client";
import { createUser, credentialMember } from "@/lib/factories";
import { ALICE, BOB, servedUpstreamFixture } from "../physionet/served-version";
import { makeCitiPdf, makePlainPdf } from "../support/citi-pdf";
import { labWithRoles } from "../support/db";

// The member's side of the checklist on real PostgreSQL, real lab storage and the PhysioNet-like
// test upstream: each step as a member records it, and the access rule's verdict after each.

const fixture = servedUpstreamFixture();
let storageDir: string;
beforeAll(async () => {
  storageDir = await mkdtemp(path.join(os.tmpdir(), "labgate-citi-"));
  process.env.LABGATE_STORAGE_DIR = storageDir;
  // Read once by lib/env.ts, before any test touches the database.
  process.env.PHYSIONET_BASE_URL = fixture.upstream.url;
});
afterAll(async () => {
  await rm(storageDir, { recursive: true, force: true });
});

const today = () => new Date().toISOString().slice(0, 10);

async function labHoldingCxr200() {
  const roles = await labWithRoles();
  const db = getDb();
  const [d] = await db.select().from(datasets).where(and(eq(datasets.slug, "mimic-cxr"), eq(datasets.version, "2.0.0")));
  await db.insert(labDatasets).values({ labId: roles.lab.id, datasetId: d!.id });
  return { ...roles, dataset: d! };
}

async function storedFiles(): Promise<string[]> {
  return (await readdir(storageDir, { recursive: true, withFileTypes: true })).filter((e) => e.isFile()).map((e) => e.name);
}

describe("a member's checklist", () => {
  it("goes from nothing to access, step by step, with every change audited", async () => {
    const { lab, member, steward, dataset } = await labHoldingCxr200();
    const db = getDb();
    const access = () => decideMemberAccess(db, { labId: lab.id, userId: member.id, datasetId: dataset.id, now: new Date() });
    expect(await access()).toMatchObject({ access: false, missingStep: "physionet-account" });

    await setPhysionetUsername({ actor: member, username: `member-${Date.now().toString(36)}`, ip: null });
    expect((await access())!.missingStep).toBe("training");

    // A certificate is refused with PhysioNet's reason, and nothing is stored.
    const before = await storedFiles();
    await expect(submitTraining({ actor: member, trainingType: "citi-data-or-specimens", bytes: await makeCitiPdf({ kind: "certificate" }), ip: null })).rejects.toThrow(/Completion Certificate/);
    await expect(submitTraining({ actor: member, trainingType: "citi-data-or-specimens", bytes: await makePlainPdf(), ip: null })).rejects.toThrow(/not a CITI/);
    expect(await storedFiles()).toEqual(before);
    expect(await db.select().from(trainings).where(eq(trainings.userId, member.id))).toHaveLength(0);

    const pdf = await makeCitiPdf({ name: member.name });
    const submitted = await submitTraining({ actor: member, trainingType: "citi-data-or-specimens", bytes: pdf, ip: null });
    await expect(submitTraining({ actor: member, trainingType: "citi-data-or-specimens", bytes: pdf, ip: null })).rejects.toThrow(/already uploaded/);
    expect(await access()).toMatchObject({ access: false, missingStep: "training" });
    expect((await access())!.steps.find((s) => s.id === "training")!.status).toBe("pending");
    // The stored PDF comes back byte for byte to its owner and a steward, to nobody else.
    expect(new Uint8Array((await readTrainingPdf({ actor: member, trainingId: submitted.id, ip: null })).bytes)).toEqual(pdf);
    expect((await readTrainingPdf({ actor: steward, trainingId: submitted.id, ip: null })).bytes.byteLength).toBe(pdf.byteLength);
    const other = await createUser(db, { labId: lab.id });
    await expect(readTrainingPdf({ actor: { ...other, labId: lab.id }, trainingId: submitted.id, ip: null })).rejects.toThrow(/No such training/);

    await db.update(trainings).set({ status: "accepted", acceptedAt: new Date(), reviewedBy: steward.id, reviewedAt: new Date() }).where(eq(trainings.id, submitted.id));
    expect((await access())!.missingStep).toBe("credentialing");

    const app = await recordCredentialingApplication({ actor: member, input: applicationSchema().parse({ applicationDate: today(), stage: "reference" }), ip: null });
    expect((await access())!.steps.find((s) => s.id === "credentialing")).toMatchObject({ status: "pending", waitingDays: 0 });
    await recordCredentialingApplication({ actor: member, input: applicationSchema().parse({ id: app.id, applicationDate: today(), stage: "final_review", decision: "accepted", decisionDate: today() }), ip: null });
    expect((await access())!.missingStep).toBe("dua");

    await signDua({ actor: member, input: duaSignatureSchema().parse({ datasetId: dataset.id, signedOn: today(), initials: "ab", agree: true }), ip: null });
    await expect(signDua({ actor: member, input: duaSignatureSchema().parse({ datasetId: dataset.id, signedOn: today(), initials: "ab", agree: true }), ip: null })).rejects.toThrow(/awaiting review/);
    const [sig] = await db.select().from(duaSignatures).where(eq(duaSignatures.userId, member.id));
    expect(sig).toMatchObject({ duaName: dataset.duaName, duaVersion: dataset.duaVersion, initials: "AB", status: "pending" });
    await db.update(duaSignatures).set({ status: "accepted", reviewedBy: steward.id, reviewedAt: new Date() }).where(eq(duaSignatures.id, sig!.id));
    expect(await access()).toMatchObject({ access: false, missingStep: "approval" });
    expect(await hasDatasetAccess({ userId: member.id, labId: lab.id, datasetId: dataset.id })).toBe(false);

    await db.insert(accessGrants).values({ labId: lab.id, userId: member.id, datasetId: dataset.id, status: "approved", decidedBy: steward.id, decidedAt: new Date() });
    expect(await hasDatasetAccess({ userId: member.id, labId: lab.id, datasetId: dataset.id })).toBe(true);
    await db.update(accessGrants).set({ status: "revoked", reason: "left the lab", decidedAt: new Date() }).where(eq(accessGrants.userId, member.id));
    expect(await hasDatasetAccess({ userId: member.id, labId: lab.id, datasetId: dataset.id })).toBe(false);

    const audit = await db.select({ action: auditLog.action, outcome: auditLog.outcome }).from(auditLog).where(eq(auditLog.actorId, member.id)).orderBy(auditLog.id);
    expect(audit.map((a) => `${a.action}:${a.outcome}`)).toEqual([
      "physionet_account.set:ok",
      "training.submit:denied",
      "training.submit:denied",
      "training.submit:ok",
      "training.pdf_view:ok",
      "credentialing.record:ok",
      "credentialing.update:ok",
      "dua.sign:ok",
    ]);
    // Stewards hear about each submission that waits for them.
    const asked = await db.select({ title: notifications.title }).from(notifications).where(eq(notifications.userId, steward.id));
    expect(asked.map((n) => n.title).sort()).toEqual([`DUA signature to review: ${member.name}`, `Training to review: ${member.name}`]);
  });

  it("refuses bad dates, initials and usernames with clear messages", () => {
    const app = applicationSchema();
    const future = new Date(Date.now() + 3 * 86_400_000).toISOString().slice(0, 10);
    expect(app.safeParse({ applicationDate: future, stage: "id_check" }).error?.issues[0]?.message).toBe("The application date cannot be in the future");
    expect(app.safeParse({ applicationDate: "2025-02-30", stage: "id_check" }).error?.issues[0]?.message).toBe("The application date is not a real date");
    expect(app.safeParse({ applicationDate: "2025-03-10", stage: "final_review", decision: "accepted", decisionDate: "2025-03-01" }).error?.issues[0]?.message).toBe("The decision cannot come before the application");
    expect(app.safeParse({ applicationDate: "2025-03-10", stage: "final_review", decision: "accepted" }).error?.issues[0]?.message).toBe("Enter the date of PhysioNet's decision");
    const dua = duaSignatureSchema();
    expect(dua.safeParse({ datasetId: crypto.randomUUID(), signedOn: "2025-03-10", initials: "A1", agree: true }).error?.issues[0]?.message).toMatch(/initials/);
    expect(dua.safeParse({ datasetId: crypto.randomUUID(), signedOn: "2025-03-10", initials: "AB", agree: false }).error?.issues[0]?.message).toMatch(/Confirm/);
  });

  it("one PhysioNet account belongs to one member", async () => {
    const { member, steward } = await labHoldingCxr200();
    const name = `shared-${Date.now()}`;
    await setPhysionetUsername({ actor: member, username: name, ip: null });
    await expect(setPhysionetUsername({ actor: steward, username: name, ip: null })).rejects.toThrow(/already linked/);
  });
});

describe("verify with PhysioNet", () => {
  it("records 200, 401 and 403 from the test upstream as evidence, and the password nowhere", async () => {
    const { lab, member, steward, dataset } = await labHoldingCxr200();
    const db = getDb();
    // ALICE holds mimic-cxr 2.0.0 on the upstream; BOB only 2.1.0, so 2.0.0 is a 403 for him.
    const [granted, refused] = [ALICE, BOB];
    // A PhysioNet account links to one member only; a re-run on the same database takes them back.
    await db.delete(physionetAccounts).where(inArray(physionetAccounts.username, [granted.username, refused.username]));
    await expect(verifyWithPhysionet({ actor: member, datasetId: dataset.id, password: "x", ip: null })).rejects.toThrow(/username first/);
    await setPhysionetUsername({ actor: member, username: granted.username, ip: null });
    expect(await verifyWithPhysionet({ actor: member, datasetId: dataset.id, password: "wrong-password", ip: null })).toMatchObject({ outcome: "wrong_credentials", httpStatus: 401 });
    expect(await verifyWithPhysionet({ actor: member, datasetId: dataset.id, password: granted.password, ip: null })).toMatchObject({ outcome: "confirmed", httpStatus: 200 });
    await setPhysionetUsername({ actor: steward, username: refused.username, ip: null });
    expect(await verifyWithPhysionet({ actor: steward, datasetId: dataset.id, password: refused.password, ip: null })).toMatchObject({ outcome: "not_authorized", httpStatus: 403 });

    const rows = await db.select().from(physionetVerifications).where(eq(physionetVerifications.labId, lab.id)).orderBy(physionetVerifications.checkedAt);
    expect(rows.map((r) => [r.physionetUsername, r.outcome, r.httpStatus])).toEqual([
      [granted.username, "wrong_credentials", 401],
      [granted.username, "confirmed", 200],
      [refused.username, "not_authorized", 403],
    ]);
    const audit = await db.select().from(auditLog).where(and(eq(auditLog.labId, lab.id), eq(auditLog.action, "physionet.verify")));
    expect(audit.map((a) => a.outcome)).toEqual(["denied", "ok", "denied"]);
    const everything = JSON.stringify([rows, audit]);
    expect(everything).not.toContain(granted.password);
    expect(everything).not.toContain(refused.password);

    // Where the lab lets a fresh verification stand in for approval, the confirmed check (plus the
    // other steps) opens the dataset without a steward's grant — and only for 30 days.
    await credentialMember(db, { labId: lab.id, userId: member.id, stewardId: steward.id, datasetIds: [dataset.id], username: granted.username });
    await db.delete(accessGrants).where(eq(accessGrants.userId, member.id));
    expect(await hasDatasetAccess({ userId: member.id, labId: lab.id, datasetId: dataset.id })).toBe(false);
    await db.insert(labAccessPolicies).values({ labId: lab.id, verificationValidDays: 30, warningDays: 30, updatedAt: new Date() });
    expect(await hasDatasetAccess({ userId: member.id, labId: lab.id, datasetId: dataset.id })).toBe(true);
    setClockOffsetForTests(31 * 86_400_000);
    try {
      expect(await hasDatasetAccess({ userId: member.id, labId: lab.id, datasetId: dataset.id })).toBe(false);
    } finally {
      setClockOffsetForTests(0);
    }
  });
});

describe("the checklist page's data", () => {
  it("lists every dataset version the lab holds with the rule's verdict", async () => {
    const { lab, member, steward, dataset } = await labHoldingCxr200();
    const db = getDb();
    const [jpg] = await db.select().from(datasets).where(and(eq(datasets.slug, "mimic-cxr-jpg"), eq(datasets.version, "2.0.0")));
    await db.insert(labDatasets).values({ labId: lab.id, datasetId: jpg!.id });
    await credentialMember(db, { labId: lab.id, userId: member.id, stewardId: steward.id, datasetIds: [dataset.id] });
    const list = await memberChecklist(db, { labId: lab.id, userId: member.id, now: new Date() });
    expect(list.map((c) => [`${c.dataset.slug} ${c.dataset.version}`, c.decision.access, c.decision.missingStep])).toEqual([
      ["mimic-cxr 2.0.0", true, null],
      // A DUA signed for mimic-cxr does not cover mimic-cxr-jpg.
      ["mimic-cxr-jpg 2.0.0", false, "dua"],
    ]);
  });
});
