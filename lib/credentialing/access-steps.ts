import type { AccessInput, AccessStep, CredentialingStage } from "./access-rule";
import { daysBetween, fromDay, latest, step } from "./access-step-kit";
import { withReconfirmation } from "./attestation-steps";
import { physionetLinks } from "./physionet-links";

// The steps PhysioNet decides: account, credentialing, and the DUA for one dataset version.

/** PhysioNet's usual time to decide a credentialing application. */
export const PHYSIONET_TYPICAL_REVIEW_DAYS = { min: 1, max: 14 } as const;

export function accountStep({ facts }: AccessInput): AccessStep {
  const account = facts.physionetAccount;
  if (!account) {
    return step("physionet-account", "missing", {
      summary: "No PhysioNet username recorded",
      nextAction: "Create a PhysioNet account if you have none, then enter your PhysioNet username here",
      link: physionetLinks.register,
    });
  }
  return step("physionet-account", "done", { summary: `PhysioNet account ${account.username}`, since: account.since, link: physionetLinks.profile });
}

const STAGE_LABELS: Record<CredentialingStage, string> = {
  not_in_review: "not in review yet",
  id_check: "ID check",
  reference: "reference check",
  reference_response: "reference response",
  final_review: "final review",
};

export function credentialingStep({ facts, now }: AccessInput): AccessStep {
  const app = facts.credentialing;
  const apply = "Apply for credentialing on PhysioNet, then record your application date here";
  const link = physionetLinks.credentialApplication;
  if (!app) return step("credentialing", "missing", { summary: "No PhysioNet credentialing application recorded", nextAction: apply, link });
  const decided = app.decisionDate ? fromDay(app.decisionDate) : null;
  switch (app.decision) {
    case null: {
      const waited = daysBetween(fromDay(app.applicationDate), now);
      const { min, max } = PHYSIONET_TYPICAL_REVIEW_DAYS;
      const late = waited > max ? "; that is longer than usual: check that your reference has answered, or contact PhysioNet" : "";
      return step("credentialing", "pending", {
        summary: `Application of ${app.applicationDate} in ${STAGE_LABELS[app.stage]}, waiting ${waited} day${waited === 1 ? "" : "s"} (PhysioNet usually decides in ${min}–${max} days)${late}`,
        nextAction: "Record PhysioNet's decision here when it arrives",
        link: physionetLinks.credentialingSettings,
        since: fromDay(app.applicationDate),
        waitingDays: waited,
      });
    }
    case "accepted":
      return step("credentialing", "done", { summary: `Credentialed on PhysioNet since ${app.decisionDate}`, link: physionetLinks.credentialingSettings, since: decided });
    case "rejected":
      return step("credentialing", "rejected", { summary: `PhysioNet rejected the application on ${app.decisionDate}`, nextAction: apply, link, since: decided });
    case "withdrawn":
      return step("credentialing", "missing", { summary: `The application was withdrawn on ${app.decisionDate}`, nextAction: apply, link, since: decided });
    case "revoked":
      return step("credentialing", "revoked", { summary: `PhysioNet revoked your credentialing on ${app.decisionDate}`, nextAction: "Contact PhysioNet about the revocation", link: physionetLinks.credentialingSettings, since: decided });
  }
}

// A DUA signature covers exactly one dataset version and the DUA text it names: signing for 2.0.0
// does not cover 2.1.0, and a dataset whose DUA changed needs a new signature.
export function duaStep(input: AccessInput): AccessStep {
  const { facts, dataset, now } = input;
  const label = `${dataset.duaName} ${dataset.duaVersion}`;
  const target = `${dataset.slug} ${dataset.version}`;
  const link = physionetLinks.signDua(dataset.slug, dataset.version);
  const sign = `Sign the ${label} for ${target} on PhysioNet, then record the date and your initials here`;
  const mine = facts.duaSignatures.filter((s) => s.datasetId === dataset.id);
  const current = mine.filter((s) => s.duaName === dataset.duaName && s.duaVersion === dataset.duaVersion);
  const accepted = latest(
    current.filter((s) => s.status === "accepted"),
    (s) => s.submittedAt,
  );
  if (accepted) {
    const done = step("dua", "done", { summary: `${label} signed for ${target} on ${accepted.signedOn}`, link, since: fromDay(accepted.signedOn) });
    return withReconfirmation(input, done, { kind: "dua", datasetId: dataset.id, textVersion: label, firstConfirmed: fromDay(accepted.signedOn), what: `the ${label} for ${target}` });
  }
  const pending = latest(
    current.filter((s) => s.status === "pending"),
    (s) => s.submittedAt,
  );
  if (pending) {
    return step("dua", "pending", {
      summary: `Your ${label} signature for ${target} is awaiting steward review`,
      nextAction: "Wait for a steward to review your signature",
      link,
      since: pending.submittedAt,
      waitingDays: daysBetween(pending.submittedAt, now),
    });
  }
  const rejected = latest(
    current.filter((s) => s.status === "rejected"),
    (s) => s.submittedAt,
  );
  if (rejected) return step("dua", "rejected", { summary: `Your ${label} signature for ${target} was rejected`, nextAction: sign, link, since: rejected.submittedAt });
  const older = latest(
    mine.filter((s) => s.status === "accepted"),
    (s) => s.submittedAt,
  );
  if (older) return step("dua", "missing", { summary: `You signed ${older.duaName} ${older.duaVersion}, but ${target} now requires ${label}`, nextAction: sign, link });
  const others = [...new Set(facts.duaSignatures.filter((s) => s.datasetSlug === dataset.slug && s.datasetId !== dataset.id && s.status === "accepted").map((s) => s.datasetVersion))];
  const hint = others.length > 0 ? ` (your signature for ${dataset.slug} ${others.join(", ")} does not cover version ${dataset.version})` : "";
  return step("dua", "missing", { summary: `No ${label} signature for ${target}${hint}`, nextAction: sign, link });
}
