import { describe, expect, test } from "vitest";
import {
  ACCESS_STEP_IDS,
  decideAccess,
  type AccessDecision,
  type AccessStep,
  type AccessStepId,
  type AccessStepStatus,
  type CredentialingStage,
  type DatasetRequirements,
  type MemberAccessFacts,
} from "@/lib/credentialing/access-rule";
import { DEFAULT_LAB_ACCESS_POLICY, type LabAccessPolicy } from "@/lib/credentialing/policy";
import {
  ACCEPTED_AT,
  CITI,
  CXR_200,
  CXR_210,
  DAY,
  DUA_NAME,
  GCP,
  NOW,
  at,
  attestation,
  dataset,
  daysAfter,
  daysBefore,
  dua,
  grant,
  grantedFacts,
  training,
  verification,
} from "./access-fixtures";

type StepExpectation = AccessStepStatus | (Partial<AccessStep> & { status: AccessStepStatus });

type Case = {
  name: string;
  dataset?: DatasetRequirements;
  facts?: Partial<MemberAccessFacts>;
  policy?: Partial<LabAccessPolicy>;
  now?: Date;
  access: boolean;
  missingStep?: AccessStepId | null;
  /** Steps not listed are expected as in the granted baseline. */
  steps?: Partial<Record<AccessStepId, StepExpectation>>;
  /** Which steps the checklist has, when not all six. */
  stepIds?: AccessStepId[];
  expiresAt?: Date | null;
  expiringInDays?: number | null;
  reason?: RegExp;
};

const BASELINE: Record<AccessStepId, AccessStepStatus> = {
  "physionet-account": "done",
  training: "done",
  credentialing: "done",
  dua: "done",
  "responsible-use": "done",
  verification: "missing",
  approval: "done",
};

// 1095 days after ACCEPTED_AT: the training's last valid instant.
const TRAINING_END = new Date(ACCEPTED_AT.getTime() + 1095 * DAY);
const VERIFY_30 = { verificationValidDays: 30 };
const noGrant = { grants: [] };
const RU = { responsibleUseRequired: true };
const YEARLY = { reattestMonths: 12 };
// The DUA fixture was signed on 2025-02-02: a yearly re-confirmation falls due a year later.
const DUA_DUE = at("2026-02-02T00:00:00Z");
const DUA_TEXT = `${DUA_NAME} 1.5.0`;
const STAGES: CredentialingStage[] = ["not_in_review", "id_check", "reference", "reference_response", "final_review"];

const cases: Case[] = [
  // --- everything in place ---
  { name: "all steps done", access: true, missingStep: null, expiresAt: TRAINING_END, expiringInDays: null, reason: /^Access granted$/ },

  // --- 1. PhysioNet account ---
  { name: "no PhysioNet username", facts: { physionetAccount: null }, access: false, missingStep: "physionet-account", steps: { "physionet-account": { status: "missing", link: "https://physionet.org/register/" } } },

  // --- 2. training ---
  { name: "no training", facts: { trainings: [] }, access: false, missingStep: "training", steps: { training: "missing" } },
  {
    name: "training awaiting review",
    facts: { trainings: [training({ status: "pending", submittedAt: daysBefore(3) })] },
    access: false,
    missingStep: "training",
    steps: { training: { status: "pending", waitingDays: 3 } },
  },
  { name: "training rejected", facts: { trainings: [training({ status: "rejected" })] }, access: false, missingStep: "training", steps: { training: "rejected" } },
  { name: "an accepted certificate does not count", facts: { trainings: [training({ kind: "certificate" })] }, access: false, missingStep: "training", steps: { training: "missing" } },
  { name: "a training of another type does not count", facts: { trainings: [training({ trainingType: GCP.type })] }, access: false, missingStep: "training", steps: { training: "missing" } },
  {
    name: "training valid on its last instant (accepted-at + 1095 days)",
    now: TRAINING_END,
    access: true,
    expiresAt: TRAINING_END,
    expiringInDays: 0,
    steps: { training: { status: "done", expiresAt: TRAINING_END, nextAction: expect.stringMatching(/^Renew before 2028-01-10/) as unknown as string } },
    reason: /ends today \(2028-01-10\)/,
  },
  {
    name: "training expired one millisecond later: access ends by itself",
    now: new Date(TRAINING_END.getTime() + 1),
    access: false,
    missingStep: "training",
    steps: { training: { status: "expired", expiresAt: TRAINING_END } },
    reason: /expired on 2028-01-10/,
  },
  { name: "training expiring in exactly 30 days warns", now: new Date(TRAINING_END.getTime() - 30 * DAY), access: true, expiringInDays: 30, reason: /ends in 30 days/ },
  { name: "training expiring in 30 days and 1 ms does not warn yet", now: new Date(TRAINING_END.getTime() - 30 * DAY - 1), access: true, expiringInDays: null },
  { name: "training expiring in 29.5 days rounds up to 30", now: new Date(TRAINING_END.getTime() - 29.5 * DAY), access: true, expiringInDays: 30 },
  { name: "training expiring in 1 day", now: new Date(TRAINING_END.getTime() - DAY), access: true, expiringInDays: 1, reason: /ends in 1 day \(/ },
  { name: "a lab warning window of 60 days", now: new Date(TRAINING_END.getTime() - 45 * DAY), policy: { warningDays: 60 }, access: true, expiringInDays: 45 },
  { name: "a lab that never warns", now: new Date(TRAINING_END.getTime() - DAY), policy: { warningDays: 0 }, access: true, expiringInDays: null },
  {
    name: "lab policy of 365 days ends an older training",
    policy: { trainingValidityDays: { [CITI.type]: 365 } },
    facts: { trainings: [training({ acceptedAt: at("2024-05-01T00:00:00Z") })] },
    access: false,
    missingStep: "training",
    steps: { training: { status: "expired", expiresAt: at("2025-05-01T00:00:00Z") } },
  },
  {
    name: "lab policy of no expiry keeps a ten-year-old training",
    policy: { trainingValidityDays: { [CITI.type]: null } },
    facts: { trainings: [training({ acceptedAt: at("2015-01-01T00:00:00Z") })] },
    access: true,
    expiresAt: null,
    steps: { training: { status: "done", expiresAt: null } },
  },
  {
    name: "a policy for another training type leaves the default",
    policy: { trainingValidityDays: { [GCP.type]: null } },
    facts: { trainings: [training({ acceptedAt: at("2021-01-01T00:00:00Z") })] },
    access: false,
    missingStep: "training",
    steps: { training: "expired" },
  },
  {
    name: "expired training with a renewal under review",
    facts: { trainings: [training({ acceptedAt: at("2021-01-01T00:00:00Z") }), training({ status: "pending", submittedAt: daysBefore(1) })] },
    access: false,
    missingStep: "training",
    steps: { training: "pending" },
  },
  {
    name: "expired training whose renewal was rejected",
    facts: { trainings: [training({ acceptedAt: at("2021-01-01T00:00:00Z") }), training({ status: "rejected", submittedAt: daysBefore(2) })] },
    access: false,
    missingStep: "training",
    steps: { training: "rejected" },
  },
  {
    name: "a report rejected long ago, then accepted and expired",
    facts: { trainings: [training({ status: "rejected", submittedAt: at("2020-06-01") }), training({ acceptedAt: at("2021-01-01T00:00:00Z") })] },
    access: false,
    missingStep: "training",
    steps: { training: "expired" },
  },
  {
    name: "an old expired training and a newer valid one",
    facts: { trainings: [training({ acceptedAt: at("2021-01-01T00:00:00Z") }), training({ acceptedAt: at("2025-04-01T00:00:00Z") })] },
    access: true,
    expiresAt: at("2028-03-31T00:00:00Z"),
  },
  {
    name: "two required trainings, one missing",
    dataset: dataset("2.1.0", { requiredTrainings: [CITI, GCP] }),
    access: false,
    missingStep: "training",
    steps: { training: { status: "missing", summary: "No Good Clinical Practice report on file" } },
  },
  {
    name: "two required trainings: access lasts as long as the first to expire",
    dataset: dataset("2.1.0", { requiredTrainings: [CITI, GCP] }),
    facts: { trainings: [training(), training({ trainingType: GCP.type, acceptedAt: at("2024-06-01T00:00:00Z") })] },
    access: true,
    expiresAt: at("2027-06-01T00:00:00Z"),
  },
  { name: "a dataset that requires no training has no training step", dataset: dataset("2.1.0", { requiredTrainings: [] }), facts: { trainings: [] }, access: true, stepIds: ["physionet-account", "credentialing", "dua", "verification", "approval"] },

  // --- 3. PhysioNet credentialing ---
  { name: "no credentialing application", facts: { credentialing: null }, access: false, missingStep: "credentialing", steps: { credentialing: "missing" } },
  ...STAGES.map(
    (stage): Case => ({
      name: `credentialing pending in stage ${stage}`,
      facts: { credentialing: { stage, decision: null, applicationDate: "2025-05-25", decisionDate: null } },
      access: false,
      missingStep: "credentialing",
      steps: { credentialing: { status: "pending", waitingDays: 7, since: at("2025-05-25") } },
      reason: /waiting 7 days \(PhysioNet usually decides in 1–14 days\)$/,
    }),
  ),
  {
    name: "credentialing pending longer than PhysioNet's usual 14 days",
    facts: { credentialing: { stage: "reference", decision: null, applicationDate: "2025-05-01", decisionDate: null } },
    access: false,
    missingStep: "credentialing",
    steps: { credentialing: { status: "pending", waitingDays: 31 } },
    reason: /longer than usual/,
  },
  { name: "credentialing rejected", facts: { credentialing: { stage: "final_review", decision: "rejected", applicationDate: "2025-01-20", decisionDate: "2025-02-01" } }, access: false, missingStep: "credentialing", steps: { credentialing: "rejected" } },
  { name: "credentialing withdrawn", facts: { credentialing: { stage: "id_check", decision: "withdrawn", applicationDate: "2025-01-20", decisionDate: "2025-01-25" } }, access: false, missingStep: "credentialing", steps: { credentialing: "missing" }, reason: /withdrawn on 2025-01-25/ },
  {
    name: "credentialing revoked by PhysioNet outranks an earlier missing step",
    facts: { physionetAccount: null, credentialing: { stage: "final_review", decision: "revoked", applicationDate: "2025-01-20", decisionDate: "2025-05-01" } },
    access: false,
    missingStep: "credentialing",
    steps: { "physionet-account": "missing", credentialing: "revoked" },
  },
  {
    name: "a restricted dataset needs no credentialing",
    dataset: dataset("2.1.0", { accessPolicy: "restricted", requiredTrainings: [] }),
    facts: { credentialing: null, trainings: [] },
    access: true,
    stepIds: ["physionet-account", "dua", "verification", "approval"],
  },
  { name: "an open dataset needs nothing", dataset: dataset("2.1.0", { accessPolicy: "open" }), facts: { physionetAccount: null, trainings: [], credentialing: null, duaSignatures: [], grants: [] }, access: true, stepIds: [] },
  { name: "contributor review is decided like credentialed", dataset: dataset("2.1.0", { accessPolicy: "contributor_review" }), facts: { credentialing: null }, access: false, missingStep: "credentialing", steps: { credentialing: "missing" } },

  // --- 4. DUA for that exact dataset version ---
  { name: "no DUA", facts: { duaSignatures: [] }, access: false, missingStep: "dua", steps: { dua: { status: "missing", link: "https://physionet.org/sign-dua/mimic-cxr/2.1.0/" } } },
  {
    name: "a DUA for 2.0.0 does not cover 2.1.0",
    facts: { duaSignatures: [dua(CXR_200)], grants: [grant(CXR_200), grant(CXR_210)] },
    access: false,
    missingStep: "dua",
    steps: { dua: "missing" },
    reason: /your signature for mimic-cxr 2\.0\.0 does not cover version 2\.1\.0/,
  },
  { name: "the same facts give access to 2.0.0", dataset: CXR_200, facts: { duaSignatures: [dua(CXR_200)], grants: [grant(CXR_200)] }, access: true },
  { name: "a DUA for 2.1.0 does not cover 2.0.0", dataset: CXR_200, facts: { grants: [grant(CXR_200)] }, access: false, missingStep: "dua", steps: { dua: "missing" } },
  { name: "DUA awaiting review", facts: { duaSignatures: [dua(CXR_210, { status: "pending", submittedAt: daysBefore(2) })] }, access: false, missingStep: "dua", steps: { dua: { status: "pending", waitingDays: 2 } } },
  { name: "DUA rejected", facts: { duaSignatures: [dua(CXR_210, { status: "rejected" })] }, access: false, missingStep: "dua", steps: { dua: "rejected" } },
  {
    name: "DUA rejected, then signed again and awaiting review",
    facts: { duaSignatures: [dua(CXR_210, { status: "rejected" }), dua(CXR_210, { status: "pending", submittedAt: daysBefore(1) })] },
    access: false,
    missingStep: "dua",
    steps: { dua: "pending" },
  },
  {
    name: "a signature of an older DUA version no longer counts",
    facts: { duaSignatures: [dua(CXR_210, { duaVersion: "1.4.0" })] },
    access: false,
    missingStep: "dua",
    steps: { dua: "missing" },
    reason: /You signed PhysioNet Credentialed Health Data Use Agreement 1\.4\.0, but mimic-cxr 2\.1\.0 now requires .* 1\.5\.0/,
  },
  { name: "a DUA of another name does not count", facts: { duaSignatures: [dua(CXR_210, { duaName: "PhysioNet Restricted Health Data Use Agreement" })] }, access: false, missingStep: "dua", steps: { dua: "missing" } },

  // --- 5. verification with PhysioNet, 6. steward approval ---
  { name: "all done but no steward approval yet", facts: noGrant, access: false, missingStep: "approval", steps: { approval: "pending" }, reason: /Waiting for a steward/ },
  { name: "no approval and an earlier step missing: the earlier step is shown", facts: { grants: [], trainings: [] }, access: false, missingStep: "training", steps: { training: "missing", approval: "missing" } },
  { name: "approval for 2.0.0 does not approve 2.1.0", facts: { grants: [grant(CXR_200)] }, access: false, missingStep: "approval", steps: { approval: "pending" } },
  {
    name: "steward suspension",
    facts: { grants: [grant(CXR_210, { status: "suspended", reason: "audit pending", decidedAt: daysBefore(1) })] },
    access: false,
    missingStep: "approval",
    steps: { approval: "suspended" },
    reason: /suspended your access on 2025-05-31: audit pending/,
  },
  {
    name: "steward suspension outranks a missing training and a PhysioNet revocation",
    facts: { trainings: [], credentialing: { stage: "final_review", decision: "revoked", applicationDate: "2025-01-20", decisionDate: "2025-05-01" }, grants: [grant(CXR_210, { status: "suspended" })] },
    access: false,
    missingStep: "approval",
    steps: { training: "missing", credentialing: "revoked", approval: "suspended" },
  },
  { name: "steward revocation", facts: { grants: [grant(CXR_210, { status: "revoked", reason: "left the lab" })] }, access: false, missingStep: "approval", steps: { approval: "revoked" }, reason: /revoked your access .*: left the lab/ },
  {
    name: "steward revocation outranks everything else missing",
    facts: { physionetAccount: null, trainings: [], credentialing: null, duaSignatures: [], grants: [grant(CXR_210, { status: "revoked" })] },
    access: false,
    missingStep: "approval",
    steps: { "physionet-account": "missing", training: "missing", credentialing: "missing", dua: "missing", approval: "revoked" },
  },
  {
    name: "a fresh PhysioNet verification cannot lift a suspension",
    policy: VERIFY_30,
    facts: { grants: [grant(CXR_210, { status: "suspended" })], verifications: [verification(CXR_210)] },
    access: false,
    missingStep: "approval",
    steps: { verification: "done", approval: "suspended" },
  },
  {
    name: "a fresh verification stands in for approval when the lab allows it",
    policy: VERIFY_30,
    facts: { grants: [], verifications: [verification(CXR_210, { checkedAt: daysBefore(10) })] },
    access: true,
    steps: { verification: { status: "done", expiresAt: daysAfter(20) }, approval: { status: "done", expiresAt: daysAfter(20) } },
    expiresAt: daysAfter(20),
    expiringInDays: 20,
  },
  {
    name: "a verification exactly at the lab's limit still stands in",
    policy: VERIFY_30,
    facts: { grants: [], verifications: [verification(CXR_210, { checkedAt: daysBefore(30) })] },
    access: true,
    expiresAt: NOW,
    expiringInDays: 0,
    steps: { verification: "done" },
  },
  {
    name: "a verification older than the lab's limit no longer stands in",
    policy: VERIFY_30,
    facts: { grants: [], verifications: [verification(CXR_210, { checkedAt: new Date(daysBefore(30).getTime() - 1) })] },
    access: false,
    missingStep: "approval",
    steps: { verification: "expired", approval: "expired" },
  },
  { name: "a verification does not stand in when the lab does not allow it", facts: { grants: [], verifications: [verification(CXR_210)] }, access: false, missingStep: "approval", steps: { verification: { status: "done", expiresAt: null }, approval: "pending" } },
  { name: "with approval, an old verification does not matter", policy: VERIFY_30, facts: { verifications: [verification(CXR_210, { checkedAt: daysBefore(300) })] }, access: true, expiresAt: TRAINING_END, steps: { verification: "expired" } },
  { name: "a verification of 2.0.0 does not stand in for 2.1.0", policy: VERIFY_30, facts: { grants: [], verifications: [verification(CXR_200)] }, access: false, missingStep: "approval", steps: { approval: "pending" } },
  { name: "a verification dated after now is ignored", policy: VERIFY_30, facts: { grants: [], verifications: [verification(CXR_210, { checkedAt: daysAfter(1) })] }, access: false, missingStep: "approval", steps: { approval: "pending" } },
  {
    name: "PhysioNet's 403 after the steward's approval ends access",
    facts: { verifications: [verification(CXR_210, { outcome: "not_authorized", httpStatus: 403, checkedAt: daysBefore(1) })] },
    access: false,
    missingStep: "verification",
    steps: { verification: { status: "rejected", blocking: true } },
    reason: /PhysioNet refused access to mimic-cxr 2\.1\.0 on 2025-05-31 \(HTTP 403\)/,
  },
  {
    name: "a steward approving after PhysioNet's 403 overrides it",
    facts: { grants: [grant(CXR_210, { decidedAt: daysBefore(1) })], verifications: [verification(CXR_210, { outcome: "not_authorized", httpStatus: 403, checkedAt: daysBefore(2) })] },
    access: true,
    steps: { verification: { status: "rejected", blocking: false } },
  },
  {
    name: "a 403 followed by a confirmation",
    policy: VERIFY_30,
    facts: { grants: [], verifications: [verification(CXR_210, { outcome: "not_authorized", httpStatus: 403, checkedAt: daysBefore(3) }), verification(CXR_210, { checkedAt: daysBefore(2) })] },
    access: true,
    steps: { verification: "done" },
  },
  {
    name: "a wrong password after a confirmation does not undo it",
    policy: VERIFY_30,
    facts: { grants: [], verifications: [verification(CXR_210, { checkedAt: daysBefore(2) }), verification(CXR_210, { outcome: "wrong_credentials", httpStatus: 401, checkedAt: daysBefore(1) })] },
    access: true,
    steps: { verification: { status: "done", summary: expect.stringContaining("the last attempt on 2025-05-31 failed: PhysioNet did not accept the username or password (HTTP 401)") as unknown as string } },
  },
  { name: "only a failed attempt: not verified, approval still counts", facts: { verifications: [verification(CXR_210, { outcome: "error", httpStatus: null })] }, access: true, steps: { verification: { status: "missing", summary: "PhysioNet could not be reached" } } },
  { name: "a 404 is not a refusal", facts: { verifications: [verification(CXR_210, { outcome: "not_found", httpStatus: 404 })] }, access: true, steps: { verification: "missing" } },
  {
    name: "training expiry earlier than the verification's freshness ends access first",
    policy: VERIFY_30,
    now: new Date(TRAINING_END.getTime() - 5 * DAY),
    facts: { grants: [], verifications: [verification(CXR_210, { checkedAt: new Date(TRAINING_END.getTime() - 6 * DAY) })] },
    access: true,
    expiresAt: TRAINING_END,
    expiringInDays: 5,
    steps: { verification: "done", approval: { status: "done", expiresAt: new Date(TRAINING_END.getTime() + 24 * DAY) } },
  },

  // --- responsible use of online services (where the lab requires it) and periodic re-confirmation ---
  { name: "responsible use not required: no step, whatever was attested", facts: { attestations: [] }, access: true },
  { name: "responsible use required, never attested", policy: RU, access: false, missingStep: "responsible-use", steps: { "responsible-use": { status: "missing", nextAction: expect.stringMatching(/attest/) as unknown as string } } },
  { name: "responsible use attested for the text in force", policy: RU, facts: { attestations: [attestation()] }, access: true, expiresAt: TRAINING_END, steps: { "responsible-use": { status: "done", since: at("2025-02-02T10:00:00Z"), expiresAt: null } } },
  {
    name: "an attestation of an older responsible-use text no longer counts",
    policy: RU,
    facts: { attestations: [attestation({ textVersion: "2023-04-01" })] },
    access: false,
    missingStep: "responsible-use",
    steps: { "responsible-use": { status: "missing", summary: expect.stringMatching(/version 2023-04-01; the lab now requires version 2025-09-24/) as unknown as string } },
  },
  { name: "a DUA re-confirmation is not a responsible-use attestation", policy: RU, facts: { attestations: [attestation({ kind: "dua", datasetId: CXR_210.id, textVersion: DUA_TEXT })] }, access: false, missingStep: "responsible-use", steps: { "responsible-use": "missing" } },
  {
    name: "yearly: the DUA falls due a year after signing, and access ends with it",
    policy: YEARLY,
    access: true,
    expiresAt: DUA_DUE,
    steps: { dua: { status: "done", expiresAt: DUA_DUE, nextAction: null } },
  },
  {
    name: "yearly: a DUA due within the warning period asks to re-confirm",
    policy: YEARLY,
    now: new Date(DUA_DUE.getTime() - 10 * DAY),
    access: true,
    expiringInDays: 10,
    steps: { dua: { status: "done", nextAction: expect.stringMatching(/^Re-confirm the .* before 2026-02-02/) as unknown as string } },
  },
  { name: "yearly: the DUA on its due instant still counts", policy: YEARLY, now: DUA_DUE, access: true, expiringInDays: 0 },
  {
    name: "yearly: an overdue DUA re-confirmation ends access by the rule",
    policy: YEARLY,
    now: new Date(DUA_DUE.getTime() + 1),
    access: false,
    missingStep: "dua",
    steps: { dua: { status: "expired", expiresAt: DUA_DUE, summary: expect.stringMatching(/was due on 2026-02-02/) as unknown as string } },
  },
  {
    name: "yearly: re-confirming the DUA moves the due date a year on",
    policy: YEARLY,
    now: new Date(DUA_DUE.getTime() + DAY),
    facts: { attestations: [attestation({ kind: "dua", datasetId: CXR_210.id, textVersion: DUA_TEXT, attestedAt: at("2026-01-15T08:00:00Z") })] },
    access: true,
    expiresAt: at("2027-01-15T08:00:00Z"),
    steps: { dua: { status: "done", since: at("2025-02-02"), expiresAt: at("2027-01-15T08:00:00Z") } },
  },
  {
    name: "yearly: re-confirming another version's DUA does not count",
    policy: YEARLY,
    now: new Date(DUA_DUE.getTime() + DAY),
    facts: { attestations: [attestation({ kind: "dua", datasetId: CXR_200.id, textVersion: DUA_TEXT, attestedAt: at("2026-01-15T08:00:00Z") })] },
    access: false,
    missingStep: "dua",
    steps: { dua: "expired" },
  },
  {
    name: "yearly: re-confirming an older DUA text does not count",
    policy: YEARLY,
    now: new Date(DUA_DUE.getTime() + DAY),
    facts: { attestations: [attestation({ kind: "dua", datasetId: CXR_210.id, textVersion: `${DUA_NAME} 1.4.0`, attestedAt: at("2026-01-15T08:00:00Z") })] },
    access: false,
    missingStep: "dua",
    steps: { dua: "expired" },
  },
  {
    name: "yearly with responsible use: an overdue attestation ends access by the rule",
    policy: { ...RU, ...YEARLY },
    now: at("2026-01-01T00:00:00Z"),
    facts: { attestations: [attestation({ attestedAt: at("2024-12-20T00:00:00Z") }), attestation({ kind: "dua", datasetId: CXR_210.id, textVersion: DUA_TEXT, attestedAt: at("2025-12-01T00:00:00Z") })] },
    access: false,
    missingStep: "responsible-use",
    steps: { dua: "done", "responsible-use": { status: "expired", expiresAt: at("2025-12-20T00:00:00Z"), nextAction: expect.stringMatching(/^Re-confirm/) as unknown as string } },
  },
  {
    name: "yearly with responsible use: access ends with the first of the DUA and the attestation",
    policy: { ...RU, ...YEARLY },
    facts: { attestations: [attestation({ attestedAt: at("2025-03-10T00:00:00Z") })] },
    access: true,
    expiresAt: DUA_DUE,
    steps: { "responsible-use": { status: "done", expiresAt: at("2026-03-10T00:00:00Z") } },
  },
];

function run(c: Case): AccessDecision {
  return decideAccess({
    dataset: c.dataset ?? CXR_210,
    facts: grantedFacts(c.facts),
    policy: { ...DEFAULT_LAB_ACCESS_POLICY, ...c.policy },
    now: c.now ?? NOW,
  });
}

describe("decideAccess", () => {
  test.each(cases)("$name", (c) => {
    const d = run(c);
    expect(d.access).toBe(c.access);
    if (c.missingStep !== undefined) expect(d.missingStep).toBe(c.missingStep);
    if (c.expiresAt !== undefined) expect(d.expiresAt).toEqual(c.expiresAt);
    if (c.expiringInDays !== undefined) expect(d.expiringInDays).toBe(c.expiringInDays);
    if (c.reason) expect(d.reason).toMatch(c.reason);

    // Every step of every case is checked, not only the one the case is about.
    const ids = c.stepIds ?? ACCESS_STEP_IDS.filter((id) => (id !== "credentialing" || c.dataset?.accessPolicy !== "restricted") && (id !== "responsible-use" || c.policy?.responsibleUseRequired));
    expect(d.steps.map((s) => s.id)).toEqual(ids);
    for (const s of d.steps) {
      const want = c.steps?.[s.id] ?? BASELINE[s.id];
      expect(s, s.id).toMatchObject(typeof want === "string" ? { status: want } : want);
    }
  });

  test.each(cases)("invariants: $name", (c) => {
    const d = run(c);
    // Access exactly when no step blocks; the shown step is one of the failing steps.
    expect(d.access).toBe(d.steps.every((s) => !s.blocking));
    expect(d.missingStep === null).toBe(d.access);
    if (d.missingStep) expect(d.steps.find((s) => s.id === d.missingStep)!.status).not.toBe("done");
    if (!d.access) expect([d.expiresAt, d.expiringInDays]).toEqual([null, null]);
    for (const s of d.steps) {
      if (s.status !== "done" && s.status !== "pending") expect(s.nextAction, `${s.id} tells what to do`).toBeTruthy();
      if (s.id !== "verification" && s.status !== "done") expect(s.blocking, `${s.id} ${s.status} blocks`).toBe(true);
    }
  });

  test("the table covers every status of every step", () => {
    const seen = new Set(cases.flatMap((c) => run(c).steps.map((s) => `${s.id}:${s.status}`)));
    const expected = [
      "physionet-account:done",
      "physionet-account:missing",
      ...["done", "pending", "missing", "expired", "rejected"].map((s) => `training:${s}`),
      ...["done", "pending", "missing", "rejected", "revoked"].map((s) => `credentialing:${s}`),
      ...["done", "pending", "missing", "expired", "rejected"].map((s) => `dua:${s}`),
      ...["done", "missing", "expired"].map((s) => `responsible-use:${s}`),
      ...["done", "missing", "expired", "rejected"].map((s) => `verification:${s}`),
      ...["done", "pending", "missing", "expired", "suspended", "revoked"].map((s) => `approval:${s}`),
    ];
    expect([...seen].sort()).toEqual(expected.sort());
  });

  test("each step links to where it is done on PhysioNet", () => {
    const d = run({ name: "nothing yet", facts: { physionetAccount: null, trainings: [], credentialing: null, duaSignatures: [], grants: [] }, access: false });
    expect(Object.fromEntries(d.steps.map((s) => [s.id, s.link]))).toEqual({
      "physionet-account": "https://physionet.org/register/",
      training: "https://physionet.org/about/citi-course/",
      credentialing: "https://physionet.org/credential-application/",
      dua: "https://physionet.org/sign-dua/mimic-cxr/2.1.0/",
      verification: "https://physionet.org/content/mimic-cxr/2.1.0/",
      approval: null,
    });
    expect(d.steps.map((s) => s.title)).toEqual(["PhysioNet account", "CITI training", "PhysioNet credentialing", "Data use agreement", "Verify with PhysioNet", "Steward approval"]);
  });

  test("the decision does not depend on the order of the facts", () => {
    const facts = grantedFacts({
      trainings: [training({ acceptedAt: at("2021-01-01T00:00:00Z") }), training({ acceptedAt: at("2025-04-01T00:00:00Z") }), training({ status: "rejected", submittedAt: at("2025-03-01") })],
      duaSignatures: [dua(CXR_200), dua(CXR_210, { duaVersion: "1.4.0" }), dua(CXR_210)],
      verifications: [verification(CXR_210, { checkedAt: daysBefore(5) }), verification(CXR_210, { outcome: "wrong_credentials", checkedAt: daysBefore(4) })],
    });
    const reversed = { ...facts, trainings: [...facts.trainings].reverse(), duaSignatures: [...facts.duaSignatures].reverse(), verifications: [...facts.verifications].reverse() };
    const input = { dataset: CXR_210, policy: DEFAULT_LAB_ACCESS_POLICY, now: NOW };
    expect(decideAccess({ ...input, facts: reversed })).toEqual(decideAccess({ ...input, facts }));
    expect(decideAccess({ ...input, facts }).expiresAt).toEqual(at("2028-03-31T00:00:00Z"));
  });
});
