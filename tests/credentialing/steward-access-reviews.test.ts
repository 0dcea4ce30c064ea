import { and, eq } from "drizzle-orm";
import { afterEach, describe, expect, it } from "vitest";
import { accessGrants, accessReviewItems, accessReviews } from "@/db/schema";
import { recordAudit } from "@/lib/audit/record";
import { now, setClockOffsetForTests } from "@/lib/clock";
import { closeDueAccessReviews, decideAccessReviewItem, getAccessReview, listAccessReviews, openAccessReview } from "@/lib/credentialing/access-reviews";
import { changeAccessGrant } from "@/lib/credentialing/grants";
import { hasDatasetAccess } from "@/lib/datasets/dataset-access";
import { getDb } from "@/lib/db/client";
import { credentialMember } from "@/lib/factories";
import { isolatedDatabaseForFile } from "../support/isolated-database";
import { auditOf, notificationsOf, stewardLab } from "./steward-fixtures";

// closeDueAccessReviews acts on every lab's reviews: this file gets a database of its own, so
// another file's reviews cannot change its counts (nor this file's time travel theirs).
isolatedDatabaseForFile();

const HOUR = 3_600_000;
afterEach(() => setClockOffsetForTests(0));

/** Three credentialed members (Ann on both versions, Ben and Cy on 2.0.0) and one without access. */
async function reviewLab() {
  const lab = await stewardLab();
  const { steward, v200, v210, another } = lab;
  const [ann, ben, cy] = [await another("Ann"), await another("Ben"), await another("Cy")];
  await credentialMember(getDb(), { labId: lab.lab.id, userId: ann.id, stewardId: steward.id, datasetIds: [v200.id, v210.id] });
  for (const m of [ben, cy]) await credentialMember(getDb(), { labId: lab.lab.id, userId: m.id, stewardId: steward.id, datasetIds: [v200.id] });
  const access = (userId: string, datasetId: string) => hasDatasetAccess({ userId, labId: lab.lab.id, datasetId });
  return { ...lab, ann, ben, cy, access };
}

describe("access review campaigns", () => {
  it("opens over exactly the pairs holding access; certify and revoke are audited, revoke ends access at once", async () => {
    const { lab, steward, admin, member, ann, ben, cy, v200, v210, access } = await reviewLab();
    await expect(openAccessReview({ actor: steward, title: "Q2", deadline: new Date(now().getTime() - 1000), ip: null })).rejects.toMatchObject({ status: 400, message: "The deadline must be in the future" });
    await expect(openAccessReview({ actor: steward, title: "  ", deadline: new Date(now().getTime() + HOUR), ip: null })).rejects.toMatchObject({ status: 400 });

    // Far off, so the other tests' travels in this database never reach it.
    const deadline = new Date(now().getTime() + 30 * 24 * HOUR);
    const opened = await openAccessReview({ actor: steward, title: "Q2 review", deadline, ip: "198.51.100.4" });
    expect(opened.pairs).toBe(4);
    const { review, pairs } = (await getAccessReview(getDb(), { labId: lab.id, reviewId: opened.id }))!;
    expect(review).toMatchObject({ title: "Q2 review", status: "open", total: 4, certified: 0, revoked: 0, expired: 0, openedBy: steward.email });
    expect(pairs.map((p) => `${p.name}|${p.dataset}`).sort()).toEqual(["Ann|mimic-cxr 2.0.0", "Ann|mimic-cxr 2.1.0", "Ben|mimic-cxr 2.0.0", "Cy|mimic-cxr 2.0.0"]);
    expect(pairs.some((p) => p.userId === member.id)).toBe(false);
    expect((await notificationsOf(admin.id)).map((n) => [n.kind, n.link])).toEqual([["campaign_opened", `/stewardship/reviews/${opened.id}`]]);
    expect(await notificationsOf(steward.id)).toHaveLength(0);

    await decideAccessReviewItem({ actor: steward, reviewId: opened.id, userId: ann.id, datasetId: v200.id, decision: "certify", ip: null });
    await expect(decideAccessReviewItem({ actor: admin, reviewId: opened.id, userId: ann.id, datasetId: v200.id, decision: "certify", ip: null })).rejects.toMatchObject({ status: 409, message: expect.stringMatching(/already certified/) });
    await expect(decideAccessReviewItem({ actor: steward, reviewId: opened.id, userId: ben.id, datasetId: v200.id, decision: "revoke", ip: null })).rejects.toMatchObject({ status: 400 });
    await expect(decideAccessReviewItem({ actor: steward, reviewId: opened.id, userId: member.id, datasetId: v200.id, decision: "certify", ip: null })).rejects.toMatchObject({ status: 404 });
    const other = await stewardLab();
    await expect(decideAccessReviewItem({ actor: other.steward, reviewId: opened.id, userId: ann.id, datasetId: v210.id, decision: "certify", ip: null })).rejects.toMatchObject({ status: 404 });

    expect(await access(ben.id, v200.id)).toBe(true);
    await decideAccessReviewItem({ actor: steward, reviewId: opened.id, userId: ben.id, datasetId: v200.id, decision: "revoke", comment: "Finished his thesis", ip: null });
    expect(await access(ben.id, v200.id)).toBe(false);
    const [grant] = await getDb().select().from(accessGrants).where(and(eq(accessGrants.userId, ben.id), eq(accessGrants.datasetId, v200.id)));
    expect(grant).toMatchObject({ status: "revoked", reason: 'Revoked in access review "Q2 review": Finished his thesis', decidedBy: steward.id });
    expect((await notificationsOf(ben.id)).map((n) => n.kind)).toEqual(["access_revoked"]);

    const audit = await auditOf(lab.id, "access");
    expect(audit.map((a) => a.action)).toEqual(["access_review.open", "access_review.certify", "access_review.revoke"]);
    expect(audit[0]).toMatchObject({ targetType: "access_review", targetId: opened.id, ip: "198.51.100.4" });
    expect(audit[0]!.details).toMatchObject({ title: "Q2 review", pairs: 4, deadline: deadline.toISOString() });
    expect(audit[2]).toMatchObject({ targetType: "user", targetId: ben.id });
    expect(audit[2]!.details).toMatchObject({ from: "approved", to: "revoked", reviewId: opened.id, comment: "Finished his thesis", dataset: "mimic-cxr 2.0.0" });
    expect((await listAccessReviews(getDb(), { labId: lab.id }))[0]).toMatchObject({ total: 4, certified: 1, revoked: 1, expired: 0 });
    void cy;
  });

  it("past the deadline, every unanswered pair is revoked and the review closed; access is then refused; a second run changes nothing", async () => {
    const { lab, steward, ann, ben, cy, v200, v210, access } = await reviewLab();
    const deadline = new Date(now().getTime() + 2 * HOUR);
    const { id } = await openAccessReview({ actor: steward, title: "Autumn review", deadline, ip: null });
    await decideAccessReviewItem({ actor: steward, reviewId: id, userId: ann.id, datasetId: v200.id, decision: "certify", ip: null });
    // Cy's access was already revoked directly: the deadline has nothing more to take.
    await changeAccessGrant({ actor: steward, userId: cy.id, datasetId: v200.id, action: "revoke", reason: "Moved labs", ip: null });

    // Before the deadline the job leaves the review alone.
    setClockOffsetForTests(1 * HOUR);
    expect(await closeDueAccessReviews(getDb(), { now: now() })).toEqual({ reviewsClosed: 0, pairsRevoked: 0 });

    setClockOffsetForTests(3 * HOUR);
    await expect(decideAccessReviewItem({ actor: steward, reviewId: id, userId: ben.id, datasetId: v200.id, decision: "certify", ip: null })).rejects.toMatchObject({ status: 409, message: expect.stringMatching(/deadline .* has passed/) });
    expect(await access(ben.id, v200.id)).toBe(true);
    expect(await closeDueAccessReviews(getDb(), { now: now() })).toEqual({ reviewsClosed: 1, pairsRevoked: 2 });
    expect(await access(ben.id, v200.id)).toBe(false);
    expect(await access(ann.id, v210.id)).toBe(false);
    expect(await access(ann.id, v200.id)).toBe(true);

    const [review] = await getDb().select().from(accessReviews).where(eq(accessReviews.id, id));
    expect(review).toMatchObject({ status: "closed" });
    const items = await getDb().select().from(accessReviewItems).where(eq(accessReviewItems.reviewId, id));
    const byPair = Object.fromEntries(items.map((i) => [`${i.userId}:${i.datasetId}`, i.decision]));
    expect(byPair).toEqual({ [`${ann.id}:${v200.id}`]: "certified", [`${ann.id}:${v210.id}`]: "expired", [`${ben.id}:${v200.id}`]: "expired", [`${cy.id}:${v200.id}`]: "expired" });
    const reason = `Not certified in access review Autumn review by ${deadline.toISOString().slice(0, 16).replace("T", " ")} UTC`;
    const [benGrant] = await getDb().select().from(accessGrants).where(and(eq(accessGrants.userId, ben.id), eq(accessGrants.datasetId, v200.id)));
    expect(benGrant).toMatchObject({ status: "revoked", reason, decidedBy: steward.id });
    const [cyGrant] = await getDb().select().from(accessGrants).where(and(eq(accessGrants.userId, cy.id), eq(accessGrants.datasetId, v200.id)));
    expect(cyGrant!.reason).toBe("Moved labs");

    const expired = await auditOf(lab.id, "access_review.expire");
    expect(expired).toHaveLength(3);
    expect(expired.every((a) => a.actorId === null)).toBe(true);
    expect(expired.filter((a) => (a.details as { to?: string }).to === "revoked").map((a) => a.targetId).sort()).toEqual([ann.id, ben.id].sort());
    expect(await auditOf(lab.id, "access_review.close")).toHaveLength(1);
    expect((await notificationsOf(ben.id)).map((n) => [n.kind, n.body])).toEqual([["access_revoked", expect.stringContaining(reason)]]);

    expect(await closeDueAccessReviews(getDb(), { now: now() })).toEqual({ reviewsClosed: 0, pairsRevoked: 0 });
    expect(await auditOf(lab.id, "access_review.expire")).toHaveLength(3);
  });

  it("two workers closing at once split the due reviews: each pair is revoked, audited and notified exactly once", async () => {
    const { lab, steward, ann, ben } = await reviewLab();
    const ids: string[] = [];
    for (const title of ["R1", "R2", "R3"]) ids.push((await openAccessReview({ actor: steward, title, deadline: new Date(now().getTime() + 3 * HOUR), ip: null })).id);
    setClockOffsetForTests(4 * HOUR);
    const [a, b] = await Promise.all([closeDueAccessReviews(getDb(), { now: now() }), closeDueAccessReviews(getDb(), { now: now() })]);
    expect(a.reviewsClosed + b.reviewsClosed).toBe(3);
    // Each of the 4 pairs appears in all three reviews, but its grant is revoked only once.
    expect(a.pairsRevoked + b.pairsRevoked).toBe(4);
    expect(await auditOf(lab.id, "access_review.close")).toHaveLength(3);
    expect(await auditOf(lab.id, "access_review.expire")).toHaveLength(12);
    expect((await notificationsOf(ann.id)).filter((n) => n.kind === "access_revoked")).toHaveLength(2);
    expect((await notificationsOf(ben.id)).filter((n) => n.kind === "access_revoked")).toHaveLength(1);
    const open = await getDb().select().from(accessReviews).where(and(eq(accessReviews.labId, lab.id), eq(accessReviews.status, "open")));
    expect(open).toHaveLength(0);
  });

  it("shows each pair's last data access, from the audit log, so a certification is informed", async () => {
    const { lab, steward, ann, ben, v200, v210 } = await reviewLab();
    const opened = await openAccessReview({ actor: steward, title: "Informed", deadline: new Date(now().getTime() + 30 * 24 * HOUR), ip: null });
    // Ann read 2.0.0 (an image, then a study) and was refused 2.1.0; Ben read nothing; a steward's
    // decision about Ben is not a data access.
    await recordAudit(getDb(), { labId: lab.id, actor: ann, action: "image.view", target: { type: "image", id: "x" }, details: { datasetId: v200.id } });
    await recordAudit(getDb(), { labId: lab.id, actor: ann, action: "study.view", target: { type: "study", id: "s1" }, details: { dataset: `${v200.slug}/${v200.version}` } });
    await recordAudit(getDb(), { labId: lab.id, actor: ann, action: "dataset.access", outcome: "denied", target: { type: "dataset", id: v210.id }, details: {} });
    await recordAudit(getDb(), { labId: lab.id, actor: steward, action: "access.approve", target: { type: "user", id: ben.id }, details: { userId: ben.id, datasetId: v200.id } });
    const { pairs } = (await getAccessReview(getDb(), { labId: lab.id, reviewId: opened.id }))!;
    const last = (userId: string, datasetId: string) => pairs.find((p) => p.userId === userId && p.datasetId === datasetId)!.lastAccess;
    expect(last(ann.id, v200.id)).toBeInstanceOf(Date);
    expect(now().getTime() - last(ann.id, v200.id)!.getTime()).toBeGreaterThanOrEqual(0);
    expect(last(ann.id, v210.id)).toBeNull();
    expect(last(ben.id, v200.id)).toBeNull();
  });

  it("refuses to open a review when nobody holds access", async () => {
    const { steward } = await stewardLab();
    await expect(openAccessReview({ actor: steward, title: "Empty", deadline: new Date(now().getTime() + HOUR), ip: null })).rejects.toMatchObject({ status: 409, message: expect.stringMatching(/nothing to review/) });
  });
});
