import type { AccessInput, AccessStep, AccessStepStatus, TrainingFact } from "./access-rule";
import { DAY_MS, addDays, day, daysBetween, latest, step } from "./access-step-kit";
import { physionetLinks } from "./physionet-links";
import { trainingValidityDays } from "./policy";

// PhysioNet counts validity from acceptance, not from the dates printed on the report, and a
// training stays valid while accepted-at + validity >= now. Only Completion Reports count.
function oneTraining(input: AccessInput, required: { type: string; name: string }, warnBefore: number): AccessStep {
  const { facts, policy, now } = input;
  const validity = trainingValidityDays(policy, required.type);
  const link = physionetLinks.citiCourse;
  const upload = `Complete the CITI course "${required.name}" and upload its Completion Report (not the certificate)`;
  const mine = facts.trainings.filter((t) => t.trainingType === required.type && t.kind === "report");
  const accepted = mine
    .filter((t) => t.status === "accepted" && t.acceptedAt !== null)
    .map((t) => ({ acceptedAt: t.acceptedAt!, expiresAt: validity === null ? null : addDays(t.acceptedAt!, validity), report: reportDates(t) }));
  const valid = accepted.filter((t) => t.expiresAt === null || t.expiresAt.getTime() >= now.getTime());
  const best = valid.find((t) => t.expiresAt === null) ?? latest(valid, (t) => t.expiresAt!);
  const pending = latest(
    mine.filter((t) => t.status === "pending"),
    (t) => t.submittedAt,
  );
  if (best) {
    const renew = best.expiresAt !== null && best.expiresAt.getTime() - now.getTime() <= warnBefore * DAY_MS && !pending;
    return step("training", "done", {
      summary: best.expiresAt
        ? `${required.name}${best.report} accepted on ${day(best.acceptedAt)}; valid until ${day(best.expiresAt)}`
        : `${required.name}${best.report} accepted on ${day(best.acceptedAt)}; it does not expire under the lab's policy`,
      nextAction: renew ? `Renew before ${day(best.expiresAt!)}: ${upload.charAt(0).toLowerCase()}${upload.slice(1)}` : null,
      link,
      since: best.acceptedAt,
      expiresAt: best.expiresAt,
    });
  }
  if (pending) {
    return step("training", "pending", {
      summary: `${required.name}: your Completion Report${reportDates(pending) || ` uploaded on ${day(pending.submittedAt)}`} is awaiting steward review`,
      nextAction: "Wait for a steward to review your report",
      link,
      since: pending.submittedAt,
      waitingDays: daysBetween(pending.submittedAt, now),
    });
  }
  const expired = latest(accepted, (t) => t.expiresAt!);
  const rejected = latest(
    mine.filter((t) => t.status === "rejected"),
    (t) => t.submittedAt,
  );
  // Whichever happened last explains the state best: a renewal rejected after an expiry says more.
  if (rejected && (!expired || rejected.submittedAt.getTime() > expired.expiresAt!.getTime())) {
    return step("training", "rejected", { summary: `${required.name}: your report${reportDates(rejected) || ` uploaded on ${day(rejected.submittedAt)}`} was rejected`, nextAction: upload, link, since: rejected.submittedAt });
  }
  if (expired) {
    return step("training", "expired", { summary: `${required.name} expired on ${day(expired.expiresAt!)}`, nextAction: upload, link, since: expired.acceptedAt, expiresAt: expired.expiresAt });
  }
  return step("training", "missing", { summary: `No ${required.name} report on file`, nextAction: upload, link });
}

/** " (completed 2025-02-03, CITI expiry 2028-02-03)": the report's own dates, which the member knows it by. */
function reportDates(t: TrainingFact): string {
  if (!t.completionDate) return "";
  return ` (completed ${t.completionDate}${t.expirationDate ? `, CITI expiry ${t.expirationDate}` : ""})`;
}

const STATUS_RANK: Record<AccessStepStatus, number> = { done: 0, pending: 1, expired: 2, rejected: 3, missing: 4, suspended: 5, revoked: 6 };

export function trainingStep(input: AccessInput): AccessStep {
  const each = input.dataset.requiredTrainings.map((r) => oneTraining(input, r, input.policy.warningDays));
  const worst = [...each].sort((a, b) => STATUS_RANK[b.status] - STATUS_RANK[a.status])[0]!;
  if (worst.status !== "done" || each.length === 1) return worst;
  // All done: the whole step lasts as long as the training that expires first.
  const soonest = [...each].sort((a, b) => (a.expiresAt?.getTime() ?? Infinity) - (b.expiresAt?.getTime() ?? Infinity))[0]!;
  return { ...soonest, summary: each.map((s) => s.summary).join("; "), nextAction: each.find((s) => s.nextAction)?.nextAction ?? null };
}
