import type { AccessInput, AccessStep, AttestationFact } from "./access-rule";
import { DAY_MS, day, latest, step } from "./access-step-kit";
import { RESPONSIBLE_USE, responsibleUseLabel } from "./responsible-use";

// What a member attests to in labgate itself — PhysioNet's responsible use of online services, and
// the periodic re-confirmation of a DUA — and when it falls due. An attestation names the exact text
// version it covers, so a new version needs a new one, as a DUA does.

/** Calendar months later in UTC; a day the target month lacks becomes its last day (31 Jan + 1 = 28/29 Feb). */
export function addMonths(d: Date, months: number): Date {
  const target = new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + months, 1, d.getUTCHours(), d.getUTCMinutes(), d.getUTCSeconds(), d.getUTCMilliseconds()));
  const lastDay = new Date(Date.UTC(target.getUTCFullYear(), target.getUTCMonth() + 1, 0)).getUTCDate();
  target.setUTCDate(Math.min(d.getUTCDate(), lastDay));
  return target;
}

type Covered = { kind: AttestationFact["kind"]; datasetId: string | null; textVersion: string };

function latestAttestation(input: AccessInput, c: Covered): AttestationFact | undefined {
  return latest(
    (input.facts.attestations ?? []).filter((a) => a.kind === c.kind && a.datasetId === c.datasetId && a.textVersion === c.textVersion),
    (a) => a.attestedAt,
  );
}

/**
 * A done step that the lab wants re-confirmed every N months: due N months after the newest of its
 * first signing and its re-confirmations; past that it is "expired" and blocks, as an expired training does.
 */
export function withReconfirmation(input: AccessInput, done: AccessStep, c: Covered & { firstConfirmed: Date; what: string }): AccessStep {
  const months = input.policy.reattestMonths ?? null;
  if (months === null) return done;
  const again = latestAttestation(input, c);
  const last = again && again.attestedAt.getTime() > c.firstConfirmed.getTime() ? again.attestedAt : c.firstConfirmed;
  const due = addMonths(last, months);
  const reconfirm = `Re-confirm ${c.what} on your labgate checklist`;
  if (due.getTime() < input.now.getTime()) {
    return step(done.id, "expired", { summary: `Your re-confirmation of ${c.what} was due on ${day(due)} (the lab asks for it every ${months} month${months === 1 ? "" : "s"})`, nextAction: reconfirm, link: done.link, since: last, expiresAt: due });
  }
  const soon = due.getTime() - input.now.getTime() <= input.policy.warningDays * DAY_MS;
  return { ...done, summary: `${done.summary}; last confirmed on ${day(last)}, re-confirm by ${day(due)}`, nextAction: soon ? `${reconfirm} before ${day(due)}` : done.nextAction, expiresAt: due };
}

export function responsibleUseStep(input: AccessInput): AccessStep {
  const current = latestAttestation(input, { kind: "responsible_use", datasetId: null, textVersion: RESPONSIBLE_USE.version });
  const attest = `Read the lab's ${RESPONSIBLE_USE.name} and attest to it on your labgate checklist (or when you record your DUA signature)`;
  if (!current) {
    const older = latest(
      (input.facts.attestations ?? []).filter((a) => a.kind === "responsible_use"),
      (a) => a.attestedAt,
    );
    const summary = older
      ? `You attested to version ${older.textVersion}; the lab now requires version ${RESPONSIBLE_USE.version}`
      : `No attestation of ${responsibleUseLabel} recorded`;
    return step("responsible-use", "missing", { summary, nextAction: attest, link: null });
  }
  const done = step("responsible-use", "done", { summary: `${responsibleUseLabel} attested on ${day(current.attestedAt)}`, since: current.attestedAt });
  return withReconfirmation(input, done, { kind: "responsible_use", datasetId: null, textVersion: RESPONSIBLE_USE.version, firstConfirmed: current.attestedAt, what: `the ${RESPONSIBLE_USE.name}` });
}
