// PhysioNet's "Responsible use of credentialed data with online services" (notice of 2025-09-24,
// replacing the April 2023 one), as the text a member attests to. It is versioned like a DUA: the
// access rule asks for an attestation of exactly RESPONSIBLE_USE.version, so publishing a new text
// (a new version here, a reviewed code change) makes every member of a lab that requires it attest
// again. A lab decides whether it requires it (lab_access_policies.responsible_use_required).

export const RESPONSIBLE_USE = {
  name: "Responsible use of credentialed data with online services",
  version: "2025-09-24",
  /** PhysioNet publishes its notices on its news page. */
  source: "https://physionet.org/news/",
  points: [
    "I will not send credentialed data, or any part of it, to a third-party online service (such as a hosted large language model API, a chatbot or an online translation or annotation tool) unless that service guarantees that it retains none of the data, does not use it to train or improve its models, and lets no person review it.",
    "Where I can, I will use models that run locally, on infrastructure the lab controls.",
    "I understand that PhysioNet endorses no platform, and that sharing the data this way would break the data use agreement (\"I will not share access to the data with anyone else\").",
  ],
} as const;

export const responsibleUseLabel = `${RESPONSIBLE_USE.name} (${RESPONSIBLE_USE.version})`;
