import { and, eq } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { accessGrants, datasets, duaSignatures, labAccessPolicies, physionetVerifications } from "@/db/schema";
import { now } from "@/lib/clock";
import { changeAccessGrant } from "@/lib/credentialing/grants";
import { decideMemberAccess } from "@/lib/credentialing/member-access";
import { hasDatasetAccess } from "@/lib/datasets/dataset-access";
import { getDb } from "@/lib/db/client";
import { credentialMember } from "@/lib/factories";
import { auditOf, notificationsOf, readyForApproval, stewardLab } from "./steward-fixtures";

describe("access grants", () => {
  it("approve → suspend → revoke → reinstate: each applies on the next request, is audited once and notified", async () => {
    const { lab, steward, member, v200 } = await stewardLab();
    await readyForApproval({ labId: lab.id, userId: member.id, stewardId: steward.id, datasetIds: [v200.id] });
    const access = () => hasDatasetAccess({ userId: member.id, labId: lab.id, datasetId: v200.id });
    const change = (action: "approve" | "suspend" | "revoke" | "reinstate", reason?: string) => changeAccessGrant({ actor: steward, userId: member.id, datasetId: v200.id, action, reason, ip: "192.0.2.7" });
    expect(await access()).toBe(false);

    expect(await change("approve")).toMatchObject({ changed: true, from: null, to: "approved", access: true });
    expect(await access()).toBe(true);
    await expect(change("suspend")).rejects.toMatchObject({ status: 400, message: "A reason is required to suspend access" });
    expect(await change("suspend", "Laptop stolen; until the disk is wiped")).toMatchObject({ from: "approved", to: "suspended", access: false });
    expect(await access()).toBe(false);
    const suspended = await decideMemberAccess(getDb(), { labId: lab.id, userId: member.id, datasetId: v200.id, now: now() });
    expect(suspended).toMatchObject({ missingStep: "approval", reason: expect.stringContaining("Laptop stolen") });
    await expect(change("revoke", "  ")).rejects.toMatchObject({ status: 400 });
    expect(await change("revoke", "Left the lab")).toMatchObject({ from: "suspended", to: "revoked", access: false });
    expect(await change("reinstate")).toMatchObject({ from: "revoked", to: "approved", access: true });
    expect(await access()).toBe(true);

    const [grant] = await getDb().select().from(accessGrants).where(and(eq(accessGrants.userId, member.id), eq(accessGrants.datasetId, v200.id)));
    expect(grant).toMatchObject({ status: "approved", reason: null, decidedBy: steward.id, labId: lab.id });
    const audit = await auditOf(lab.id, "access.");
    expect(audit.map((a) => a.action)).toEqual(["access.approve", "access.suspend", "access.revoke", "access.reinstate"]);
    expect(audit.map((a) => [(a.details as { from: string }).from, (a.details as { to: string }).to])).toEqual([[null, "approved"], ["approved", "suspended"], ["suspended", "revoked"], ["revoked", "approved"]]);
    expect(audit[2]).toMatchObject({ actorId: steward.id, targetType: "user", targetId: member.id, ip: "192.0.2.7" });
    expect(audit[2]!.details).toMatchObject({ userId: member.id, datasetId: v200.id, dataset: "mimic-cxr 2.0.0", reason: "Left the lab" });
    const notes = await notificationsOf(member.id);
    expect(notes.map((n) => n.kind).sort()).toEqual(["access_granted", "access_reinstated", "access_revoked", "access_suspended"]);
    expect(notes.find((n) => n.kind === "access_revoked")!.body).toContain("Reason: Left the lab");
  });

  it("approval needs every other step: a clear 409 names the missing one, and nothing is written", async () => {
    const { lab, steward, member, v200, v210 } = await stewardLab();
    await credentialMember(getDb(), { labId: lab.id, userId: member.id, stewardId: steward.id, datasetIds: [] });
    await expect(changeAccessGrant({ actor: steward, userId: member.id, datasetId: v200.id, action: "approve", ip: null })).rejects.toMatchObject({
      status: 409,
      message: expect.stringMatching(/^Cannot approve access of .* to mimic-cxr 2\.0\.0: the step "Data use agreement" is missing \(No PhysioNet Credentialed Health Data Use Agreement 1\.5\.0 signature/),
    });
    // A DUA signed for 2.0.0 does not cover 2.1.0.
    await getDb().insert(duaSignatures).values({ labId: lab.id, userId: member.id, datasetId: v200.id, duaName: v200.duaName, duaVersion: v200.duaVersion, signedOn: "2025-01-01", initials: "MM", status: "accepted", createdAt: now() });
    await expect(changeAccessGrant({ actor: steward, userId: member.id, datasetId: v210.id, action: "approve", ip: null })).rejects.toMatchObject({ status: 409, message: expect.stringContaining("does not cover version 2.1.0") });
    const [jpg] = await getDb().select().from(datasets).where(and(eq(datasets.slug, "mimic-cxr-jpg"), eq(datasets.version, "2.1.0")));
    await expect(changeAccessGrant({ actor: steward, userId: member.id, datasetId: jpg!.id, action: "revoke", reason: "x", ip: null })).rejects.toMatchObject({ status: 404, message: "Your lab holds no copy of this dataset version" });
    expect(await getDb().select().from(accessGrants).where(eq(accessGrants.userId, member.id))).toHaveLength(0);
    expect(await auditOf(lab.id, "access.")).toHaveLength(0);
    expect(await notificationsOf(member.id)).toHaveLength(0);
  });

  it("refuses transitions that do not apply, self-approval, and other labs' members; two stewards approving at once get one approval", async () => {
    const { lab, steward, admin, member, v200 } = await stewardLab();
    const other = await stewardLab();
    await readyForApproval({ labId: lab.id, userId: member.id, stewardId: admin.id, datasetIds: [v200.id] });
    await readyForApproval({ labId: lab.id, userId: steward.id, stewardId: admin.id, datasetIds: [v200.id] });
    await expect(changeAccessGrant({ actor: steward, userId: member.id, datasetId: v200.id, action: "reinstate", ip: null })).rejects.toMatchObject({ status: 409, message: expect.stringMatching(/nothing to reinstate/) });
    await expect(changeAccessGrant({ actor: steward, userId: steward.id, datasetId: v200.id, action: "approve", ip: null })).rejects.toMatchObject({ status: 403, message: expect.stringMatching(/your own access/) });
    await expect(changeAccessGrant({ actor: other.steward, userId: member.id, datasetId: v200.id, action: "revoke", reason: "x", ip: null })).rejects.toMatchObject({ status: 404, message: "No such member in your lab" });

    const both = await Promise.allSettled([
      changeAccessGrant({ actor: steward, userId: member.id, datasetId: v200.id, action: "approve", ip: null }),
      changeAccessGrant({ actor: admin, userId: member.id, datasetId: v200.id, action: "approve", ip: null }),
    ]);
    expect(both.map((r) => r.status).sort()).toEqual(["fulfilled", "rejected"]);
    expect((both.find((r) => r.status === "rejected") as PromiseRejectedResult).reason).toMatchObject({ status: 409, message: expect.stringMatching(/^Access is already approved/) });
    expect(await auditOf(lab.id, "access.approve")).toHaveLength(1);

    await changeAccessGrant({ actor: steward, userId: member.id, datasetId: v200.id, action: "revoke", reason: "Project ended", ip: null });
    await expect(changeAccessGrant({ actor: steward, userId: member.id, datasetId: v200.id, action: "suspend", reason: "x", ip: null })).rejects.toMatchObject({ status: 409, message: expect.stringMatching(/revoked/) });
    await expect(changeAccessGrant({ actor: steward, userId: member.id, datasetId: v200.id, action: "approve", ip: null })).rejects.toMatchObject({ status: 409, message: expect.stringMatching(/reinstate it instead/) });
  });

  it("a steward may block access that a fresh PhysioNet check alone gives, before any approval", async () => {
    const { lab, steward, member, v200 } = await stewardLab();
    await readyForApproval({ labId: lab.id, userId: member.id, stewardId: steward.id, datasetIds: [v200.id] });
    await getDb().insert(labAccessPolicies).values({ labId: lab.id, verificationValidDays: 30, warningDays: 30, updatedAt: now() });
    await getDb().insert(physionetVerifications).values({ labId: lab.id, userId: member.id, datasetId: v200.id, physionetUsername: "someone", outcome: "confirmed", httpStatus: 200, checkedAt: now() });
    expect(await hasDatasetAccess({ userId: member.id, labId: lab.id, datasetId: v200.id })).toBe(true);
    expect(await changeAccessGrant({ actor: steward, userId: member.id, datasetId: v200.id, action: "suspend", reason: "Pending IRB amendment", ip: null })).toMatchObject({ from: null, to: "suspended", access: false });
    expect(await hasDatasetAccess({ userId: member.id, labId: lab.id, datasetId: v200.id })).toBe(false);
  });
});
