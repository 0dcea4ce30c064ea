import type { AccessStep, AccessStepId } from "./access-rule";
import { physionetLinks } from "./physionet-links";

// What each checklist step means, where a member does it and how long it usually takes, so the
// checklist and the help page explain the same steps the same way. Durations are what PhysioNet and
// CITI members typically report, not promises.

export type StepGuide = { meaning: string; where: { label: string; href: string }[]; takes: string };

export const STEP_GUIDE: Record<AccessStepId, StepGuide> = {
  "physionet-account": {
    meaning: "Your own account on PhysioNet, which hosts the datasets. labgate records its username so stewards can match you to PhysioNet's records.",
    where: [{ label: "Register on PhysioNet", href: physionetLinks.register }, { label: "Your PhysioNet profile", href: physionetLinks.profile }],
    takes: "a few minutes (email confirmation)",
  },
  training: {
    meaning: "The CITI course \"Data or Specimens Only Research\". Upload its Completion Report (it lists the modules), not the certificate; a steward checks it against CITI.",
    where: [{ label: "PhysioNet's CITI instructions", href: physionetLinks.citiCourse }, { label: "Training on your PhysioNet settings", href: physionetLinks.trainingSettings }],
    takes: "3–4 hours of course work; review by a steward within a few days",
  },
  credentialing: {
    meaning: "PhysioNet's check of your identity and research role, with a reference. Record the application's stage and PhysioNet's decision here.",
    where: [{ label: "Apply for credentialing", href: physionetLinks.credentialApplication }, { label: "Credentialing on your PhysioNet settings", href: physionetLinks.credentialingSettings }],
    takes: "usually 1–2 weeks at PhysioNet, longer when the reference is slow to answer",
  },
  dua: {
    meaning: "The data use agreement of this exact dataset version, signed on PhysioNet and recorded here; a steward accepts your signature.",
    // The version's own "sign the DUA" page is the step's link.
    where: [],
    takes: "a few minutes to sign; review by a steward within a few days",
  },
  "responsible-use": {
    meaning: "Where the lab requires it: your attestation that you will not send credentialed data to an online service (such as a hosted LLM API) unless it keeps none of it, trains on none of it and lets nobody review it, and that you prefer local models (PhysioNet's notice of September 2025). A new text, or the lab's re-confirmation period, asks you to attest again.",
    where: [],
    takes: "a minute to read and attest; no review",
  },
  verification: {
    meaning: "Optional evidence: labgate asks PhysioNet whether your account can open the files. Unless the lab's policy requires it, a missing check does not block access.",
    where: [],
    takes: "seconds (one click below)",
  },
  approval: {
    meaning: "A data steward of your lab confirms the steps above and approves your access to this version. You are notified when they do.",
    where: [],
    takes: "usually a few days after your last step is accepted",
  },
};

/** "3 of 6 done": steps done (or not blocking) out of the version's steps. */
export function checklistProgress(steps: readonly AccessStep[]): { done: number; total: number } {
  return { done: steps.filter((s) => s.status === "done").length, total: steps.length };
}
