import { createHash, randomBytes } from "node:crypto";
import { and, eq } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { accessReviewItems, auditLog, duaSignatures, invites, trainings, users } from "@/db/schema";
import { now } from "@/lib/clock";
import { decideAccessReviewItem, openAccessReview } from "@/lib/credentialing/access-reviews";
import { changeAccessGrant } from "@/lib/credentialing/grants";
import { reviewDuaSignature, reviewTraining } from "@/lib/credentialing/review-queue";
import { getDb } from "@/lib/db/client";
import { credentialMember, createUser } from "@/lib/factories";
import { acceptInvite, createInvite } from "@/lib/users/invites";
import { changeRole, setMemberStatus } from "@/lib/users/members";
import { isolatedDatabaseForFile } from "../support/isolated-database";
import { pendingDua, pendingTraining, readyForApproval, stewardLab } from "./steward-fixtures";

// Separation of duties (docs/decisions/016-separation-of-duties.md): one person, even a steward,
// cannot open credentialed data alone. Access reviews close across labs: this file has its own database.
isolatedDatabaseForFile();

const email = () => `p-${randomBytes(4).toString("hex")}@example.org`;
const settledStatuses = (r: PromiseSettledResult<unknown>[]) => r.map((x) => (x.status === "fulfilled" ? 200 : (x.reason as { status?: number }).status));

describe("only an admin creates stewards and admins", () => {
  it("a steward invites members only; an admin invites stewards and admins", async () => {
    const { steward, admin } = await stewardLab();
    for (const role of ["steward", "admin"] as const) {
      await expect(createInvite({ actor: steward, email: email(), role, ip: null })).rejects.toMatchObject({ status: 403, message: `Only an admin can invite a ${role}; a steward invites members` });
    }
    await expect(createInvite({ actor: steward, email: email(), role: "member", ip: null })).resolves.toMatchObject({ token: expect.any(String) });
    const invite = await createInvite({ actor: admin, email: email(), role: "steward", ip: null });
    const accepted = await acceptInvite({ token: invite.token, name: "Sam Steward", password: "a-long-enough-password", ip: null });
    const [row] = await getDb().select({ role: users.role }).from(users).where(eq(users.id, accepted.userId));
    expect(row!.role).toBe("steward");
  });

  it("a steward invite made by a steward before the rule (or by an inviter since demoted) cannot be accepted", async () => {
    const { lab, steward, admin } = await stewardLab();
    const token = randomBytes(32).toString("base64url");
    const address = email();
    await getDb().insert(invites).values({ labId: lab.id, email: address, role: "steward", tokenHash: createHash("sha256").update(token).digest("hex"), invitedBy: steward.id, expiresAt: new Date(now().getTime() + 3_600_000) });
    await expect(acceptInvite({ token, name: "Second Account", password: "a-long-enough-password", ip: null })).rejects.toMatchObject({ status: 410, message: expect.stringMatching(/not made by an active admin/) });
    expect(await getDb().select().from(users).where(eq(users.email, address))).toEqual([]);

    const second = await createUser(getDb(), { labId: lab.id, role: "admin" });
    const pending = await createInvite({ actor: { ...admin }, email: email(), role: "admin", ip: null });
    await changeRole({ actor: { id: second.id, email: second.email, name: second.name, role: "admin", labId: lab.id }, userId: admin.id, role: "member", ip: null });
    await expect(acceptInvite({ token: pending.token, name: "Ad Min", password: "a-long-enough-password", ip: null })).rejects.toMatchObject({ status: 410 });
  });

  it("a steward cannot promote anyone, nor demote or deactivate another steward; an admin can", async () => {
    const { steward, admin, member, another } = await stewardLab();
    const peer = await another("Pia Peer");
    await changeRole({ actor: admin, userId: peer.id, role: "steward", ip: null });
    await expect(changeRole({ actor: steward, userId: member.id, role: "steward", ip: null })).rejects.toMatchObject({ status: 403 });
    await expect(changeRole({ actor: steward, userId: member.id, role: "admin", ip: null })).rejects.toMatchObject({ status: 403 });
    await expect(changeRole({ actor: steward, userId: peer.id, role: "member", ip: null })).rejects.toMatchObject({ status: 403, message: "Only an admin can change a steward's account" });
    await expect(setMemberStatus({ actor: steward, userId: peer.id, status: "deactivated", ip: null })).rejects.toMatchObject({ status: 403 });
    expect(await setMemberStatus({ actor: steward, userId: member.id, status: "deactivated", ip: null })).toEqual({ changed: true });
    expect(await changeRole({ actor: admin, userId: peer.id, role: "member", ip: null })).toEqual({ changed: true });
  });

  it("30 parallel promotions by a steward all fail; the role stays member", async () => {
    const { steward, member } = await stewardLab();
    const results = await Promise.allSettled(Array.from({ length: 30 }, (_, i) => changeRole({ actor: steward, userId: member.id, role: i % 2 ? "steward" : "admin", ip: null })));
    expect(new Set(settledStatuses(results))).toEqual(new Set([403]));
    const [row] = await getDb().select({ role: users.role }).from(users).where(eq(users.id, member.id));
    expect(row!.role).toBe("member");
  });
});

describe("nobody acts on their own items", () => {
  it("two stewards racing on each other's training, DUA and grant: each is decided once, by the other; self-decisions all fail", async () => {
    const { lab, steward, admin, v200 } = await stewardLab();
    const s2u = await createUser(getDb(), { labId: lab.id, role: "steward", name: "Stella Second" });
    const s2 = { id: s2u.id, email: s2u.email, name: s2u.name, role: "steward" as const, labId: lab.id };
    const items = [];
    for (const who of [steward, s2]) {
      items.push({ who, t: await pendingTraining({ labId: lab.id, userId: who.id }), d: await pendingDua({ labId: lab.id, userId: who.id, datasetId: v200.id }) });
    }
    const other = (who: { id: string }) => (who.id === steward.id ? s2 : steward);
    const attempts = items.flatMap(({ who, t, d }) => [
      ...Array.from({ length: 10 }, () => reviewTraining({ actor: who, trainingId: t.id, decision: "accept", ip: null })),
      ...Array.from({ length: 10 }, () => reviewDuaSignature({ actor: who, signatureId: d.id, decision: "accept", ip: null })),
      ...Array.from({ length: 5 }, () => reviewTraining({ actor: other(who), trainingId: t.id, decision: "accept", ip: null })),
      ...Array.from({ length: 5 }, () => reviewDuaSignature({ actor: other(who), signatureId: d.id, decision: "accept", ip: null })),
    ]);
    const statuses = settledStatuses(await Promise.allSettled(attempts));
    expect(statuses.filter((s) => s === 200)).toHaveLength(4);
    expect(statuses.filter((s) => s === 403)).toHaveLength(40);
    expect(statuses.filter((s) => s === 409)).toHaveLength(16);
    for (const { who, t, d } of items) {
      const [tr] = await getDb().select().from(trainings).where(eq(trainings.id, t.id));
      const [sig] = await getDb().select().from(duaSignatures).where(eq(duaSignatures.id, d.id));
      expect(tr!.reviewedBy).toBe(other(who).id);
      expect(sig!.reviewedBy).toBe(other(who).id);
    }
    // With every step done, the grant too needs the other person.
    await readyForApproval({ labId: lab.id, userId: steward.id, stewardId: admin.id, datasetIds: [] });
    const self = await Promise.allSettled(Array.from({ length: 10 }, () => changeAccessGrant({ actor: steward, userId: steward.id, datasetId: v200.id, action: "approve", ip: null })));
    expect(new Set(settledStatuses(self))).toEqual(new Set([403]));
  });

  it("the subject of an access-review item cannot certify it, even racing the other steward", async () => {
    const { lab, steward, admin, v200 } = await stewardLab();
    await credentialMember(getDb(), { labId: lab.id, userId: steward.id, stewardId: admin.id, datasetIds: [v200.id] });
    const review = await openAccessReview({ actor: admin, title: "Yearly", deadline: new Date(now().getTime() + 40 * 86_400_000), ip: null });
    const decide = (actor: typeof steward) => decideAccessReviewItem({ actor, reviewId: review.id, userId: steward.id, datasetId: v200.id, decision: "certify", ip: null });
    const results = await Promise.allSettled([...Array.from({ length: 20 }, () => decide(steward)), decide(admin)]);
    const statuses = settledStatuses(results);
    expect(statuses.slice(0, 20)).toEqual(Array(20).fill(403));
    expect((results[0] as PromiseRejectedResult).reason.message).toBe("You cannot certify your own access; another steward must certify it");
    expect(statuses[20]).toBe(200);
    const [item] = await getDb().select().from(accessReviewItems).where(and(eq(accessReviewItems.reviewId, review.id), eq(accessReviewItems.userId, steward.id)));
    expect(item).toMatchObject({ decision: "certified", decidedBy: admin.id });
  });
});

describe("the learner name and DUA initials are checked against the member's name", () => {
  it("a mismatch is listed, refused without the steward's reason, and audited when accepted with one", async () => {
    const { lab, steward, member, v200 } = await stewardLab();
    const t = await pendingTraining({ labId: lab.id, userId: member.id, learnerName: "Jane Doe" });
    const d = await pendingDua({ labId: lab.id, userId: member.id, datasetId: v200.id, initials: "ZZ" });
    const { listReviewQueue } = await import("@/lib/credentialing/review-queue");
    const queue = await listReviewQueue(getDb(), { labId: lab.id });
    expect(queue.trainings[0]!.nameCheck).toEqual({ matches: false, detail: `The name "Jane Doe" does not match the member's name "${member.name}"` });
    expect(queue.duas[0]!.initialsCheck.matches).toBe(false);
    await expect(reviewTraining({ actor: steward, trainingId: t.id, decision: "accept", ip: null })).rejects.toMatchObject({ status: 400, message: expect.stringMatching(/does not match the member's name.*To accept anyway, add a comment/) });
    await expect(reviewDuaSignature({ actor: steward, signatureId: d.id, decision: "accept", ip: null })).rejects.toMatchObject({ status: 400, message: expect.stringMatching(/initials "ZZ" do not match/) });
    await reviewTraining({ actor: steward, trainingId: t.id, decision: "accept", comment: "Married name; checked her ID", ip: null });
    const [audit] = await getDb().select().from(auditLog).where(and(eq(auditLog.labId, lab.id), eq(auditLog.action, "training.accept")));
    expect(audit!.details).toMatchObject({ learnerName: "Jane Doe", nameMatches: false, comment: "Married name; checked her ID" });
  });
});
