import type { AccessInput, AccessStep, VerificationFact } from "./access-rule";
import { addDays, day, latest, step } from "./access-step-kit";
import { physionetLinks } from "./physionet-links";

const CONCLUSIVE = new Set(["confirmed", "not_authorized"]);
const FAILED: Record<string, string> = {
  wrong_credentials: "PhysioNet did not accept the username or password (HTTP 401)",
  not_found: "PhysioNet did not find this dataset version (HTTP 404)",
  error: "PhysioNet could not be reached",
};

// Only "confirmed" (200) and "not_authorized" (403) say anything about access; a typo in the
// password or a network error does not undo an earlier confirmation. A 403 newer than the steward's
// approval blocks access: PhysioNet itself says the member has no access any more.
export function verificationStep({ facts, dataset, policy, now }: AccessInput): AccessStep {
  const checks = facts.verifications.filter((v) => v.datasetId === dataset.id && v.checkedAt.getTime() <= now.getTime());
  const conclusive = latest(
    checks.filter((v) => CONCLUSIVE.has(v.outcome)),
    (v) => v.checkedAt,
  );
  const last = latest(checks, (v) => v.checkedAt);
  const link = physionetLinks.project(dataset.slug, dataset.version);
  const verify = `Verify your access to ${dataset.slug} ${dataset.version} with your PhysioNet password`;
  const failedNote = (v: VerificationFact | undefined) => (v && !CONCLUSIVE.has(v.outcome) && v !== conclusive ? `; the last attempt on ${day(v.checkedAt)} failed: ${FAILED[v.outcome]}` : "");
  if (conclusive?.outcome === "not_authorized") {
    const grant = facts.grants.find((g) => g.datasetId === dataset.id);
    const overridden = grant?.status === "approved" && grant.decidedAt.getTime() > conclusive.checkedAt.getTime();
    return step("verification", "rejected", {
      summary: `PhysioNet refused access to ${dataset.slug} ${dataset.version} on ${day(conclusive.checkedAt)} (HTTP ${conclusive.httpStatus ?? 403})${failedNote(last)}`,
      nextAction: "Check your credentialing, training and DUA on PhysioNet, then verify again",
      link,
      since: conclusive.checkedAt,
      blocking: !overridden,
    });
  }
  if (conclusive) {
    const until = policy.verificationValidDays === null ? null : addDays(conclusive.checkedAt, policy.verificationValidDays);
    const fresh = until === null || until.getTime() >= now.getTime();
    return step("verification", fresh ? "done" : "expired", {
      summary: `PhysioNet confirmed your access on ${day(conclusive.checkedAt)}${fresh ? "" : `; that is older than the lab's ${policy.verificationValidDays} days`}${failedNote(last)}`,
      nextAction: fresh ? null : verify,
      link,
      since: conclusive.checkedAt,
      expiresAt: until,
      blocking: false,
    });
  }
  return step("verification", "missing", { summary: last ? FAILED[last.outcome]! : "Not verified with PhysioNet yet", nextAction: verify, link, since: last?.checkedAt ?? null, blocking: false });
}

// A steward's suspension or revocation always wins. Without an approval, a fresh PhysioNet
// verification stands in for it when the lab's policy allows.
export function approvalStep({ facts, dataset, policy }: AccessInput, before: AccessStep[], verification: AccessStep): AccessStep {
  const grant = facts.grants.find((g) => g.datasetId === dataset.id);
  const because = grant?.reason ? `: ${grant.reason}` : "";
  if (grant?.status === "revoked") {
    return step("approval", "revoked", { summary: `A steward revoked your access on ${day(grant.decidedAt)}${because}`, nextAction: "Ask a steward to reinstate your access", since: grant.decidedAt });
  }
  if (grant?.status === "suspended") {
    return step("approval", "suspended", { summary: `A steward suspended your access on ${day(grant.decidedAt)}${because}`, nextAction: "Ask a steward to reinstate your access", since: grant.decidedAt });
  }
  if (grant?.status === "approved") return step("approval", "done", { summary: `Approved by a steward on ${day(grant.decidedAt)}`, since: grant.decidedAt });
  const allowed = policy.verificationValidDays !== null;
  if (allowed && verification.status === "done") {
    return step("approval", "done", { summary: `Not needed while your PhysioNet verification is fresh (until ${day(verification.expiresAt!)})`, since: verification.since, expiresAt: verification.expiresAt });
  }
  const alternative = allowed ? `, or verify with PhysioNet (a check stands in for approval for ${policy.verificationValidDays} days)` : "";
  if (allowed && verification.status === "expired") {
    return step("approval", "expired", { summary: `Your PhysioNet verification no longer stands in for approval`, nextAction: "Verify again with PhysioNet, or ask a steward to approve", expiresAt: verification.expiresAt });
  }
  const ready = before.every((s) => s.status === "done");
  return step("approval", ready ? "pending" : "missing", {
    summary: ready ? "Waiting for a steward to approve your access" : "A steward approves access once the steps above are done",
    nextAction: ready ? `Wait for a steward to approve${alternative}` : "Complete the steps above first",
  });
}
