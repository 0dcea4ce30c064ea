import type {
  accessGrantStatusEnum,
  credentialingDecisionEnum,
  credentialingStageEnum,
  datasetAccessPolicyEnum,
  attestationKindEnum,
  reviewStatusEnum,
  trainingKindEnum,
  verificationOutcomeEnum,
} from "@/db/schema";
import { accountStep, credentialingStep, duaStep } from "./access-steps";
import { approvalStep, verificationStep } from "./approval-steps";
import { responsibleUseStep } from "./attestation-steps";
import { trainingStep } from "./training-step";
import type { LabAccessPolicy } from "./policy";

// THE access rule: whether one member may receive the lab's copy of one dataset version. It is a
// pure function of facts loaded elsewhere, so the viewer, file routes, downloads, the checklist and
// the steward's matrix all decide the same way, and a table-driven test covers every state without
// a database. Modelled on PhysioNet (shared/design/physionet.md): account, valid training,
// credentialing, a DUA for that exact version, plus the lab's own gate (steward approval, or a fresh
// PhysioNet verification where the lab allows it).

export type ReviewStatus = (typeof reviewStatusEnum.enumValues)[number];
export type CredentialingStage = (typeof credentialingStageEnum.enumValues)[number];
export type CredentialingDecision = (typeof credentialingDecisionEnum.enumValues)[number];
export type AccessGrantStatus = (typeof accessGrantStatusEnum.enumValues)[number];
export type VerificationOutcome = (typeof verificationOutcomeEnum.enumValues)[number];
export type DatasetAccessPolicy = (typeof datasetAccessPolicyEnum.enumValues)[number];

export type TrainingFact = {
  trainingType: string;
  kind: (typeof trainingKindEnum.enumValues)[number];
  status: ReviewStatus;
  submittedAt: Date;
  /** Set exactly when status is "accepted"; validity counts from here, not from the PDF's dates. */
  acceptedAt: Date | null;
  /** The report's own dates (YYYY-MM-DD), shown to the member instead of the upload date. */
  completionDate?: string | null;
  expirationDate?: string | null;
};
/** Dates are the calendar dates (YYYY-MM-DD) the member recorded. */
export type CredentialingFact = { stage: CredentialingStage; decision: CredentialingDecision | null; applicationDate: string; decisionDate: string | null };
export type DuaFact = {
  datasetId: string;
  datasetSlug: string;
  datasetVersion: string;
  duaName: string;
  duaVersion: string;
  status: ReviewStatus;
  signedOn: string;
  submittedAt: Date;
};
/** The steward's current decision for (member, dataset); at most one per dataset. */
export type GrantFact = { datasetId: string; status: AccessGrantStatus; reason: string | null; decidedAt: Date };
/** Something the member attested to in labgate: the responsible-use text, or a re-confirmed DUA (per dataset version). */
export type AttestationFact = { kind: (typeof attestationKindEnum.enumValues)[number]; datasetId: string | null; textVersion: string; attestedAt: Date };
export type VerificationFact = { datasetId: string; outcome: VerificationOutcome; httpStatus: number | null; checkedAt: Date };

/** Everything known about one member; facts about other datasets are ignored by the rule. */
export type MemberAccessFacts = {
  physionetAccount: { username: string; since: Date } | null;
  trainings: readonly TrainingFact[];
  /** The member's latest credentialing application: a newer one supersedes an older decision. */
  credentialing: CredentialingFact | null;
  duaSignatures: readonly DuaFact[];
  grants: readonly GrantFact[];
  verifications: readonly VerificationFact[];
  /** Absent = none (facts written before attestations existed). */
  attestations?: readonly AttestationFact[];
};

export type DatasetRequirements = {
  id: string;
  slug: string;
  version: string;
  accessPolicy: DatasetAccessPolicy;
  requiredTrainings: readonly { type: string; name: string }[];
  duaName: string;
  duaVersion: string;
};

export const ACCESS_STEP_IDS = ["physionet-account", "training", "credentialing", "dua", "responsible-use", "verification", "approval"] as const;
export type AccessStepId = (typeof ACCESS_STEP_IDS)[number];
export type AccessStepStatus = "done" | "pending" | "missing" | "expired" | "rejected" | "suspended" | "revoked";

export type AccessStep = {
  id: AccessStepId;
  title: string;
  status: AccessStepStatus;
  /** True when this step, as it stands, is one reason the member has no access. */
  blocking: boolean;
  /** Where the step stands, in one sentence for the member. */
  summary: string;
  /** What to do next; null when nothing is needed. */
  nextAction: string | null;
  /** Where to do it on PhysioNet or CITI; null when it happens in labgate. */
  link: string | null;
  /** When the current status began: created, accepted, submitted, signed, decided or checked. */
  since: Date | null;
  /** When a done step stops counting by itself, or when an expired one stopped. */
  expiresAt: Date | null;
  /** Whole days a pending step has been waiting. */
  waitingDays: number | null;
};

export type AccessDecision = {
  access: boolean;
  /** The checklist in order; empty for open datasets. */
  steps: AccessStep[];
  /**
   * The one step to show in a matrix cell when access is denied: a steward's revocation or
   * suspension first, then a PhysioNet revocation, then the first blocking step in checklist order.
   */
  missingStep: AccessStepId | null;
  reason: string;
  /** When granted access ends by itself (training validity, verification freshness); null = not by itself. */
  expiresAt: Date | null;
  /** Whole days left (rounded up), set only while granted and within the lab's warning window. */
  expiringInDays: number | null;
};

export type AccessInput = { dataset: DatasetRequirements; facts: MemberAccessFacts; policy: LabAccessPolicy; now: Date };

const DAY_MS = 86_400_000;

function pickMissingStep(steps: AccessStep[]): AccessStepId | null {
  const find = (id: AccessStepId, status: AccessStepStatus) => steps.find((s) => s.id === id && s.status === status);
  const first = find("approval", "revoked") ?? find("approval", "suspended") ?? find("credentialing", "revoked") ?? steps.find((s) => s.blocking);
  return first?.id ?? null;
}

export function decideAccess(input: AccessInput): AccessDecision {
  const { dataset } = input;
  if (dataset.accessPolicy === "open") {
    return { access: true, steps: [], missingStep: null, reason: "Open access: no credentials needed", expiresAt: null, expiringInDays: null };
  }
  const steps: AccessStep[] = [accountStep(input)];
  if (dataset.requiredTrainings.length > 0) steps.push(trainingStep(input));
  // PhysioNet's "restricted" projects need a signed DUA but no credentialing.
  if (dataset.accessPolicy !== "restricted") steps.push(credentialingStep(input));
  steps.push(duaStep(input));
  // Only where the lab requires it: PhysioNet's responsible use of online services (2025-09-24).
  if (input.policy.responsibleUseRequired) steps.push(responsibleUseStep(input));
  const verification = verificationStep(input);
  const approval = approvalStep(input, steps, verification);
  steps.push(verification, approval);

  const missingStep = pickMissingStep(steps);
  if (missingStep !== null) {
    const step = steps.find((s) => s.id === missingStep)!;
    return { access: false, steps, missingStep, reason: step.summary, expiresAt: null, expiringInDays: null };
  }
  // The verification step's own freshness counts only through approval, when it stands in for it.
  const expiries = steps.filter((s) => s.id !== "verification" && s.expiresAt !== null).map((s) => s.expiresAt!.getTime());
  const expiresAt = expiries.length > 0 ? new Date(Math.min(...expiries)) : null;
  const left = expiresAt ? expiresAt.getTime() - input.now.getTime() : null;
  const expiringInDays = left !== null && left <= input.policy.warningDays * DAY_MS ? Math.ceil(left / DAY_MS) : null;
  const reason =
    expiringInDays === null
      ? "Access granted"
      : `Access granted; it ends ${expiringInDays === 0 ? "today" : `in ${expiringInDays} day${expiringInDays === 1 ? "" : "s"}`} (${expiresAt!.toISOString().slice(0, 10)}) unless renewed`;
  return { access: true, steps, missingStep: null, reason, expiresAt, expiringInDays };
}
