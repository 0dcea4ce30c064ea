import "server-only";
import { and, asc, eq } from "drizzle-orm";
import { labs, users } from "@/db/schema";
import { recordAudit } from "@/lib/audit/record";
import type { Db } from "@/lib/db/client";
import { notifyOnce } from "@/lib/notifications/notify";
import { decideAccess, type AccessDecision, type DatasetRequirements, type MemberAccessFacts } from "./access-rule";
import { DAY_MS, addDays, day } from "./access-step-kit";
import { closeDueAccessReviews } from "./access-reviews";
import { loadLabDatasetRequirements, loadLabPolicy, loadMembersFacts } from "./load-facts";
import { physionetLinks } from "./physionet-links";
import type { LabAccessPolicy } from "./policy";
import { remindStewards } from "./steward-reminders";
import { trainingStep } from "./training-step";

// The once-a-day pass over every lab (run by the worker, lib/jobs/registry.ts): warn before
// trainings and access run out, record access that ended by itself, close access reviews whose
// deadline passed, and remind stewards of what waits for them. Every notification carries a
// dedupe key, so running it twice on one day changes nothing the second time.

/** How far back an access that ended by itself is still found: a worker down this long loses nothing. */
export const EXPIRY_LOOKBACK_DAYS = 14;

export type SweepResult = {
  labs: number;
  trainingWarnings: number;
  accessWarnings: number;
  accessExpired: number;
  reviewsClosed: number;
  pairsRevoked: number;
  reviewReminders: number;
  queueReminders: number;
};

type Member = { id: string; name: string };
type LabContext = { labId: string; now: Date; datasets: DatasetRequirements[]; policy: LabAccessPolicy };

const label = (d: DatasetRequirements) => `${d.slug} ${d.version}`;
const inDays = (n: number) => (n <= 0 ? "today" : n === 1 ? "tomorrow" : `in ${n} days`);

export async function runDailyCredentialingSweep(db: Db, opts: { now: Date }): Promise<SweepResult> {
  const { now } = opts;
  // Deadlines first: a pair the campaign revokes ended by a decision, not by itself.
  const closed = await closeDueAccessReviews(db, { now });
  const result: SweepResult = { labs: 0, trainingWarnings: 0, accessWarnings: 0, accessExpired: 0, reviewsClosed: closed.reviewsClosed, pairsRevoked: closed.pairsRevoked, reviewReminders: 0, queueReminders: 0 };
  const allLabs = await db.select({ id: labs.id }).from(labs).orderBy(asc(labs.createdAt));
  // One lab's failure must not starve the others; the job still fails, so pg-boss retries it (and
  // the retry only does what is left).
  const failures: string[] = [];
  for (const lab of allLabs) {
    try {
      await sweepLab(db, { labId: lab.id, now }, result);
      result.labs++;
    } catch (e) {
      failures.push(`lab ${lab.id}: ${e instanceof Error ? e.message.split("\n")[0] : String(e)}`);
    }
  }
  if (failures.length > 0) throw new Error(`daily sweep failed for ${failures.length} of ${allLabs.length} labs (${failures[0]})`);
  return result;
}

async function sweepLab(db: Db, opts: { labId: string; now: Date }, result: SweepResult): Promise<void> {
  const [datasets, policy, facts, members] = await Promise.all([
    loadLabDatasetRequirements(db, { labId: opts.labId }),
    loadLabPolicy(db, opts.labId),
    loadMembersFacts(db, { labId: opts.labId }),
    db.select({ id: users.id, name: users.name }).from(users).where(and(eq(users.labId, opts.labId), eq(users.status, "active"))),
  ]);
  const ctx: LabContext = { labId: opts.labId, now: opts.now, datasets, policy };
  for (const member of members) {
    const f = facts.get(member.id);
    if (f) await sweepMember(db, ctx, member, f, result);
  }
  const reminded = await remindStewards(db, { labId: opts.labId, now: opts.now });
  result.reviewReminders += reminded.reviewReminders;
  result.queueReminders += reminded.queueReminders;
}

async function sweepMember(db: Db, ctx: LabContext, member: Member, facts: MemberAccessFacts, result: SweepResult): Promise<void> {
  const decisions = ctx.datasets.map((dataset) => ({ dataset, decision: decideAccess({ dataset, facts, policy: ctx.policy, now: ctx.now }) }));
  const warnedTrainingDays = await warnTrainings(db, ctx, member, facts, decisions, result);
  for (const { dataset, decision } of decisions) {
    if (decision.access) {
      await warnAccess(db, ctx, member, dataset, decision, warnedTrainingDays, result);
      continue;
    }
    const ended = endedByItself({ dataset, facts, policy: ctx.policy, now: ctx.now });
    if (ended) await recordExpiry(db, ctx, member, dataset, ended, result);
  }
}

/** (a) One warning per training type and expiry day, while no renewal is waiting for review. */
async function warnTrainings(db: Db, ctx: LabContext, member: Member, facts: MemberAccessFacts, decisions: { dataset: DatasetRequirements; decision: AccessDecision }[], result: SweepResult) {
  const warnedDays = new Set<string>();
  if (ctx.policy.warningDays <= 0) return warnedDays;
  const types = new Map(ctx.datasets.filter((d) => d.accessPolicy !== "open").flatMap((d) => d.requiredTrainings.map((t) => [t.type, t] as const)));
  for (const required of types.values()) {
    // The checklist's own step for this one training type: "done" with a renew action means it
    // expires within the warning period and no renewal is under review.
    const one: DatasetRequirements = { id: "", slug: "", version: "", accessPolicy: "credentialed", requiredTrainings: [required], duaName: "", duaVersion: "" };
    const step = trainingStep({ dataset: one, facts, policy: ctx.policy, now: ctx.now });
    if (step.status !== "done" || !step.expiresAt || !step.nextAction) continue;
    const expires = day(step.expiresAt);
    warnedDays.add(expires);
    const left = Math.ceil((step.expiresAt.getTime() - ctx.now.getTime()) / DAY_MS);
    const affected = decisions.filter((d) => d.decision.access && d.dataset.requiredTrainings.some((t) => t.type === required.type)).map((d) => label(d.dataset));
    const ends = affected.length > 0 ? ` On that day your access to ${affected.join(", ")} ends unless a renewal has been accepted.` : "";
    const created = await notifyOnce(db, {
      labId: ctx.labId,
      userId: member.id,
      kind: "training_expiring",
      title: `Your ${required.name} expires ${inDays(left)} (${expires})`,
      body:
        `Your ${required.name} training is valid until ${expires} under the lab's policy.${ends}\n\n` +
        `What to do: complete the CITI refresher course "${required.name}" (instructions: ${physionetLinks.citiCourse}), ` +
        `download its Completion Report (not the certificate), add it to your PhysioNet training (${physionetLinks.trainingSettings}) ` +
        `and upload it on your labgate checklist for a steward to review.`,
      link: "/credentialing",
      dedupeKey: `training-expiring:${required.type}:${expires}`,
    });
    if (created) result.trainingWarnings++;
  }
  return warnedDays;
}

/** (b) Access about to end by itself; an end the training warning already announced is not repeated. */
async function warnAccess(db: Db, ctx: LabContext, member: Member, dataset: DatasetRequirements, decision: AccessDecision, warnedTrainingDays: Set<string>, result: SweepResult) {
  if (decision.expiringInDays === null || !decision.expiresAt) return;
  const ends = day(decision.expiresAt);
  const byTraining = decision.steps.some((s) => s.id === "training" && s.expiresAt?.getTime() === decision.expiresAt!.getTime());
  if (byTraining && warnedTrainingDays.has(ends)) return;
  const cause = decision.steps.find((s) => s.id !== "verification" && s.expiresAt?.getTime() === decision.expiresAt!.getTime());
  const what =
    cause?.id === "approval"
      ? "verify again with PhysioNet from your labgate checklist, or ask a steward to approve your access"
      : cause?.id === "training" && !cause.nextAction
        ? `nothing more from you: your renewal is waiting for a steward's review, and access continues once it is accepted. If it is not accepted by ${ends}, access pauses until it is`
        : cause?.nextAction
          ? cause.nextAction.charAt(0).toLowerCase() + cause.nextAction.slice(1)
          : "renew the step that expires on your labgate checklist";
  const created = await notifyOnce(db, {
    labId: ctx.labId,
    userId: member.id,
    kind: "access_expiring",
    title: `Your access to ${label(dataset)} ends ${inDays(decision.expiringInDays)} (${ends})`,
    body: `${decision.reason}.${cause ? ` ${cause.title}: ${cause.summary}.` : ""}\n\nWhat to do: ${what}.`,
    link: "/credentialing",
    dedupeKey: `access-expiring:${dataset.id}:${ends}`,
  });
  if (created) result.accessWarnings++;
}

/**
 * When access that is denied now was last granted and then ran out by itself, the moment it ran out.
 * The rule is asked again with today's facts at earlier days: facts a steward changed (a revocation)
 * deny those days too, so only an end caused by time alone — training validity, verification
 * freshness — is found.
 */
export function endedByItself(input: { dataset: DatasetRequirements; facts: MemberAccessFacts; policy: LabAccessPolicy; now: Date }): { at: Date; decision: AccessDecision } | null {
  for (let back = 1; back <= EXPIRY_LOOKBACK_DAYS; back++) {
    const then = addDays(input.now, -back);
    const decision = decideAccess({ ...input, now: then });
    if (!decision.access) continue;
    return decision.expiresAt && decision.expiresAt.getTime() <= input.now.getTime() ? { at: decision.expiresAt, decision } : null;
  }
  return null;
}

/** (b) One audit row and one notification per access that ended by itself, however often this runs. */
async function recordExpiry(db: Db, ctx: LabContext, member: Member, dataset: DatasetRequirements, ended: { at: Date; decision: AccessDecision }, result: SweepResult) {
  const causes = ended.decision.steps.filter((s) => s.id !== "verification" && s.expiresAt?.getTime() === ended.at.getTime());
  const byTraining = causes.some((s) => s.id === "training");
  // A re-confirmation the lab asks for every N months (decision 038) fell due.
  const overdue = causes.filter((s) => s.id === "dua" || s.id === "responsible-use");
  const why = byTraining
    ? "your CITI training is no longer valid under the lab's policy"
    : overdue.length > 0
      ? `your periodic re-confirmation (${overdue.map((s) => s.title).join(", ")}) fell due`
      : "your PhysioNet verification no longer stands in for a steward's approval";
  const what = byTraining
    ? `complete the CITI refresher course (${physionetLinks.citiCourse}) and upload its Completion Report on your labgate checklist; a steward reviews it and your access returns once it is accepted`
    : overdue.length > 0
      ? "re-confirm on your labgate checklist; access returns as soon as you do"
      : "verify again with PhysioNet from your labgate checklist, or ask a steward to approve your access";
  await db.transaction(async (tx) => {
    // The notification's dedupe key decides "once": a second run (or a concurrent one) inserts
    // nothing and so writes no second audit row.
    const first = await notifyOnce(tx, {
      labId: ctx.labId,
      userId: member.id,
      kind: "access_revoked",
      title: `Your access to ${label(dataset)} has ended`,
      body: `Your access to ${label(dataset)} ended on ${day(ended.at)}: ${why}.\n\nWhat to do: ${what}.`,
      link: "/credentialing",
      dedupeKey: `access-expired:${dataset.id}:${ended.at.toISOString()}`,
    });
    if (!first) return;
    await recordAudit(tx, {
      action: "access.expired",
      labId: ctx.labId,
      actor: null,
      target: { type: "user", id: member.id },
      details: { userId: member.id, datasetId: dataset.id, dataset: label(dataset), endedAt: ended.at.toISOString(), causes: causes.map((s) => s.id) },
    });
    result.accessExpired++;
  });
}
