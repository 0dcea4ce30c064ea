import { eq } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { duaSignatures, trainings } from "@/db/schema";
import { now } from "@/lib/clock";
import { decideMemberAccess } from "@/lib/credentialing/member-access";
import { listReviewQueue, reviewDuaSignature, reviewTraining } from "@/lib/credentialing/review-queue";
import { getDb } from "@/lib/db/client";
import { credentialMember } from "@/lib/factories";
import { labWithRoles } from "../support/db";
import { auditOf, notificationsOf, pendingDua, pendingTraining, stewardLab } from "./steward-fixtures";

describe("review queue: trainings", () => {
  it("lists a pending report with its evidence; accepting sets accepted_at and the reviewer, audits and notifies", async () => {
    const { lab, steward, member, v200 } = await stewardLab();
    const t = await pendingTraining({ labId: lab.id, userId: member.id });
    const queue = await listReviewQueue(getDb(), { labId: lab.id });
    expect(queue.trainings).toHaveLength(1);
    expect(queue.trainings[0]).toMatchObject({
      id: t.id, memberEmail: member.email, learnerName: member.name, nameCheck: { matches: true }, course: "Data or Specimens Only Research", completionDate: "2025-03-01",
      expirationDate: "2028-03-01", recordId: t.recordId, verificationUrl: t.verificationUrl, pdfUrl: `/api/credentialing/trainings/${t.id}/pdf`,
    });

    const before = now().getTime();
    expect(await reviewTraining({ actor: steward, trainingId: t.id, decision: "accept", ip: "10.0.0.1" })).toEqual({ id: t.id, status: "accepted" });
    const [row] = await getDb().select().from(trainings).where(eq(trainings.id, t.id));
    expect(row).toMatchObject({ status: "accepted", reviewedBy: steward.id, reviewComment: null });
    expect(row!.acceptedAt!.getTime()).toBeGreaterThanOrEqual(before - 1);
    expect(row!.reviewedAt!.getTime()).toBe(row!.acceptedAt!.getTime());
    expect((await listReviewQueue(getDb(), { labId: lab.id })).trainings).toHaveLength(0);

    const audit = await auditOf(lab.id);
    expect(audit.map((a) => a.action)).toEqual(["training.accept"]);
    expect(audit[0]).toMatchObject({ actorId: steward.id, targetType: "training", targetId: t.id, ip: "10.0.0.1" });
    expect(audit[0]!.details).toMatchObject({ userId: member.id, from: "pending", to: "accepted", recordId: t.recordId });
    const notes = await notificationsOf(member.id);
    expect(notes.map((n) => [n.kind, n.title])).toEqual([["submission_reviewed", "CITI training accepted"]]);

    // The accepted report now counts for the access rule's training step.
    const decision = await decideMemberAccess(getDb(), { labId: lab.id, userId: member.id, datasetId: v200.id, now: now() });
    expect(decision!.steps.find((s) => s.id === "training")!.status).toBe("done");
  });

  it("deciding an already-decided training is a 409 that names who decided; two stewards at once get one decision", async () => {
    const { lab, steward, admin, member } = await labWithRoles();
    const t = await pendingTraining({ labId: lab.id, userId: member.id });
    const both = await Promise.allSettled([
      reviewTraining({ actor: steward, trainingId: t.id, decision: "accept", ip: null }),
      reviewTraining({ actor: admin, trainingId: t.id, decision: "reject", comment: "blurry", ip: null }),
    ]);
    expect(both.filter((r) => r.status === "fulfilled")).toHaveLength(1);
    const refused = both.find((r) => r.status === "rejected") as PromiseRejectedResult;
    expect(refused.reason).toMatchObject({ code: "conflict" });
    expect(refused.reason.message).toMatch(/^This training was already (accepted|rejected) by (steward|admin)-.*@example\.org on \d{4}-\d\d-\d\d \d\d:\d\d UTC; reload the queue/);
    expect((await auditOf(lab.id, "training.")).length).toBe(1);
    await expect(reviewTraining({ actor: steward, trainingId: t.id, decision: "accept", ip: null })).rejects.toMatchObject({ status: 409 });
  });

  it("rejecting needs a comment, which the member is told; own, foreign and certificate submissions are refused", async () => {
    const { lab, steward, member } = await labWithRoles();
    const other = await labWithRoles();
    const t = await pendingTraining({ labId: lab.id, userId: member.id });
    await expect(reviewTraining({ actor: steward, trainingId: t.id, decision: "reject", comment: "   ", ip: null })).rejects.toMatchObject({ status: 400, message: expect.stringMatching(/comment is required/) });
    await expect(reviewTraining({ actor: other.steward, trainingId: t.id, decision: "accept", ip: null })).rejects.toMatchObject({ status: 404 });
    const own = await pendingTraining({ labId: lab.id, userId: steward.id });
    await expect(reviewTraining({ actor: steward, trainingId: own.id, decision: "accept", ip: null })).rejects.toMatchObject({ status: 403, message: expect.stringMatching(/your own training/) });
    const cert = await pendingTraining({ labId: lab.id, userId: member.id, kind: "certificate" });
    await expect(reviewTraining({ actor: steward, trainingId: cert.id, decision: "accept", ip: null })).rejects.toMatchObject({ status: 409, message: expect.stringMatching(/Completion Certificate/) });

    await reviewTraining({ actor: steward, trainingId: t.id, decision: "reject", comment: "The report is for another course", ip: null });
    const [row] = await getDb().select().from(trainings).where(eq(trainings.id, t.id));
    expect(row).toMatchObject({ status: "rejected", acceptedAt: null, reviewComment: "The report is for another course", reviewedBy: steward.id });
    const notes = await notificationsOf(member.id);
    expect(notes).toHaveLength(1);
    expect(notes[0]).toMatchObject({ kind: "submission_reviewed", title: "CITI training rejected" });
    expect(notes[0]!.body).toContain("The report is for another course");
    const audit = await auditOf(lab.id, "training.");
    expect(audit.map((a) => [a.action, (a.details as { comment: string }).comment])).toEqual([["training.reject", "The report is for another course"]]);
  });
});

describe("review queue: DUA signatures", () => {
  it("lists pending signatures per dataset version; accept and reject are audited, notified and decided once", async () => {
    const { lab, steward, member, another, v200, v210 } = await stewardLab();
    const second = await another("Second Member");
    const a = await pendingDua({ labId: lab.id, userId: member.id, datasetId: v200.id });
    const b = await pendingDua({ labId: lab.id, userId: second.id, datasetId: v210.id, duaVersion: "1.4.0" });
    const queue = await listReviewQueue(getDb(), { labId: lab.id });
    expect(queue.duas.map((d) => [d.memberEmail, d.dataset, d.duaVersion, d.matchesCurrentDua])).toEqual([
      [member.email, "mimic-cxr 2.0.0", "1.5.0", true],
      [second.email, "mimic-cxr 2.1.0", "1.4.0", false],
    ]);

    await reviewDuaSignature({ actor: steward, signatureId: a.id, decision: "accept", ip: null });
    await expect(reviewDuaSignature({ actor: steward, signatureId: b.id, decision: "reject", ip: null })).rejects.toMatchObject({ status: 400 });
    await reviewDuaSignature({ actor: steward, signatureId: b.id, decision: "reject", comment: "mimic-cxr 2.1.0 requires DUA 1.5.0", ip: null });
    await expect(reviewDuaSignature({ actor: steward, signatureId: a.id, decision: "reject", comment: "changed my mind", ip: null })).rejects.toMatchObject({
      status: 409,
      message: expect.stringMatching(new RegExp(`^This DUA signature was already accepted by ${steward.email.replace(/[.+]/g, "\\$&")}`)),
    });

    const rows = await getDb().select().from(duaSignatures).where(eq(duaSignatures.labId, lab.id)).orderBy(duaSignatures.createdAt);
    expect(rows.map((r) => [r.status, r.reviewedBy])).toEqual([["accepted", steward.id], ["rejected", steward.id]]);
    const audit = await auditOf(lab.id, "dua.");
    expect(audit.map((r) => [r.action, r.targetId, (r.details as { dataset: string }).dataset])).toEqual([
      ["dua.accept", a.id, "mimic-cxr 2.0.0"],
      ["dua.reject", b.id, "mimic-cxr 2.1.0"],
    ]);
    expect((await notificationsOf(member.id)).map((n) => n.title)).toEqual(["DUA signature accepted: mimic-cxr 2.0.0"]);
    expect((await notificationsOf(second.id)).map((n) => n.body)).toEqual([expect.stringContaining("mimic-cxr 2.1.0 requires DUA 1.5.0")]);
  });

  it("an accepted DUA is what the rule needed: the member then awaits the steward's approval", async () => {
    const { lab, steward, member, v200 } = await stewardLab();
    await credentialMember(getDb(), { labId: lab.id, userId: member.id, stewardId: steward.id, datasetIds: [] });
    const sig = await pendingDua({ labId: lab.id, userId: member.id, datasetId: v200.id });
    const before = await decideMemberAccess(getDb(), { labId: lab.id, userId: member.id, datasetId: v200.id, now: now() });
    expect(before!.missingStep).toBe("dua");
    await reviewDuaSignature({ actor: steward, signatureId: sig.id, decision: "accept", ip: null });
    const after = await decideMemberAccess(getDb(), { labId: lab.id, userId: member.id, datasetId: v200.id, now: now() });
    expect(after).toMatchObject({ access: false, missingStep: "approval" });
    expect(after!.steps.find((s) => s.id === "approval")!.status).toBe("pending");
  });
});
