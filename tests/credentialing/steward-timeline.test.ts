import { describe, expect, it } from "vitest";
import { recordAudit } from "@/lib/audit/record";
import { changeAccessGrant } from "@/lib/credentialing/grants";
import { reviewDuaSignature, reviewTraining } from "@/lib/credentialing/review-queue";
import { memberTimeline } from "@/lib/credentialing/timeline";
import { getDb } from "@/lib/db/client";
import { credentialMember } from "@/lib/factories";
import { setMemberStatus } from "@/lib/users/members";
import { pendingDua, pendingTraining, stewardLab } from "./steward-fixtures";

describe("member timeline", () => {
  it("lists every change to a member's credentialing from the audit log, newest first, and nothing about others", async () => {
    const { lab, steward, admin, member, v200, another } = await stewardLab();
    const bystander = await another("Bystander");
    // The member's own submission (written by the member-side code: no userId in details).
    await recordAudit(getDb(), { action: "dua.sign", labId: lab.id, actor: member, target: { type: "dua_signature", id: "x" }, details: { dataset: "mimic-cxr/2.0.0", dua: "PhysioNet Credentialed Health Data Use Agreement 1.5.0" } });
    await recordAudit(getDb(), { action: "training.pdf_view", labId: lab.id, actor: steward, target: { type: "training", id: "y" }, details: { owner: member.id } });
    const t = await pendingTraining({ labId: lab.id, userId: member.id });
    await reviewTraining({ actor: steward, trainingId: t.id, decision: "accept", ip: null });
    const sig = await pendingDua({ labId: lab.id, userId: member.id, datasetId: v200.id });
    await reviewDuaSignature({ actor: steward, signatureId: sig.id, decision: "accept", ip: null });
    await credentialMember(getDb(), { labId: lab.id, userId: member.id, stewardId: admin.id, datasetIds: [] });
    await changeAccessGrant({ actor: admin, userId: member.id, datasetId: v200.id, action: "approve", ip: null });
    await changeAccessGrant({ actor: steward, userId: member.id, datasetId: v200.id, action: "revoke", reason: "Left the project", ip: null });
    // About someone else: not in this member's timeline.
    await credentialMember(getDb(), { labId: lab.id, userId: bystander.id, stewardId: admin.id, datasetIds: [v200.id] });
    await changeAccessGrant({ actor: steward, userId: bystander.id, datasetId: v200.id, action: "suspend", reason: "x", ip: null });
    await setMemberStatus({ actor: steward, userId: member.id, status: "deactivated", ip: null });

    const { member: who, entries } = await memberTimeline(getDb(), { labId: lab.id, userId: member.id, viewerId: steward.id });
    expect(who).toMatchObject({ email: member.email, status: "deactivated" });
    expect(entries.map((e) => e.action)).toEqual(["member.deactivate", "access.revoke", "access.approve", "dua.accept", "training.accept", "dua.sign"]);
    expect(entries[1]).toMatchObject({ summary: "Access to mimic-cxr 2.0.0 revoked (approved → revoked)", comment: "Left the project", actorEmail: steward.email });
    expect(entries[2]).toMatchObject({ summary: "Access to mimic-cxr 2.0.0 approved (none → approved)", actorEmail: admin.email });
    expect(entries[4]!.summary).toMatch(/^CITI training accepted: Data or Specimens Only Research, record rec-/);
    expect(entries[5]).toMatchObject({ summary: "DUA signed for mimic-cxr/2.0.0 (PhysioNet Credentialed Health Data Use Agreement 1.5.0)", actorEmail: member.email });
    for (let i = 1; i < entries.length; i++) expect(entries[i - 1]!.at.getTime()).toBeGreaterThanOrEqual(entries[i]!.at.getTime());

    // The steward's own timeline holds none of the decisions they made about others.
    expect((await memberTimeline(getDb(), { labId: lab.id, userId: steward.id, viewerId: steward.id })).entries).toEqual([]);
    const other = await stewardLab();
    expect(await memberTimeline(getDb(), { labId: other.lab.id, userId: member.id, viewerId: other.steward.id })).toEqual({ member: null, entries: [] });
  });
});
