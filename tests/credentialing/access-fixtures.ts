import type { AttestationFact, DatasetRequirements, DuaFact, GrantFact, MemberAccessFacts, TrainingFact, VerificationFact } from "@/lib/credentialing/access-rule";

import { RESPONSIBLE_USE } from "@/lib/credentialing/responsible-use";

// Facts for one member who holds access to mimic-cxr 2.1.0 on NOW; each test case changes only
// what it is about, so every other step stays "done" and the case tests exactly one thing.

export const DAY = 86_400_000;
export const NOW = new Date("2025-06-01T12:00:00Z");
export const at = (iso: string) => new Date(iso.length === 10 ? `${iso}T00:00:00Z` : iso);
export const daysBefore = (days: number, from = NOW) => new Date(from.getTime() - days * DAY);
export const daysAfter = (days: number, from = NOW) => new Date(from.getTime() + days * DAY);

export const CITI = { type: "citi-data-specimens", name: "CITI Data or Specimens Only Research" };
export const GCP = { type: "gcp", name: "Good Clinical Practice" };
export const DUA_NAME = "PhysioNet Credentialed Health Data Use Agreement";

export function dataset(version: "2.0.0" | "2.1.0", overrides: Partial<DatasetRequirements> = {}): DatasetRequirements {
  return {
    id: `ds-mimic-cxr-${version}`,
    slug: "mimic-cxr",
    version,
    accessPolicy: "credentialed",
    requiredTrainings: [CITI],
    duaName: DUA_NAME,
    duaVersion: "1.5.0",
    ...overrides,
  };
}
export const CXR_210 = dataset("2.1.0");
export const CXR_200 = dataset("2.0.0");

export const ACCEPTED_AT = at("2025-01-10T09:00:00Z");

export function training(overrides: Partial<TrainingFact> = {}): TrainingFact {
  const status = overrides.status ?? "accepted";
  return {
    trainingType: CITI.type,
    kind: "report",
    status,
    submittedAt: at("2025-01-08T15:00:00Z"),
    acceptedAt: status === "accepted" ? ACCEPTED_AT : null,
    ...overrides,
  };
}

export function dua(target: DatasetRequirements, overrides: Partial<DuaFact> = {}): DuaFact {
  return {
    datasetId: target.id,
    datasetSlug: target.slug,
    datasetVersion: target.version,
    duaName: target.duaName,
    duaVersion: target.duaVersion,
    status: "accepted",
    signedOn: "2025-02-02",
    submittedAt: at("2025-02-02T10:00:00Z"),
    ...overrides,
  };
}

export function grant(target: DatasetRequirements, overrides: Partial<GrantFact> = {}): GrantFact {
  return { datasetId: target.id, status: "approved", reason: null, decidedAt: at("2025-02-03T10:00:00Z"), ...overrides };
}

export function verification(target: DatasetRequirements, overrides: Partial<VerificationFact> = {}): VerificationFact {
  return { datasetId: target.id, outcome: "confirmed", httpStatus: 200, checkedAt: daysBefore(10), ...overrides };
}

export function grantedFacts(overrides: Partial<MemberAccessFacts> = {}): MemberAccessFacts {
  return {
    physionetAccount: { username: "anasouza", since: at("2024-11-20T08:00:00Z") },
    trainings: [training()],
    credentialing: { stage: "final_review", decision: "accepted", applicationDate: "2025-01-20", decisionDate: "2025-02-01" },
    duaSignatures: [dua(CXR_210)],
    grants: [grant(CXR_210)],
    verifications: [],
    ...overrides,
  };
}

/** The responsible-use attestation of the text in force, unless overridden; a DUA re-confirmation with kind "dua". */
export function attestation(overrides: Partial<AttestationFact> = {}): AttestationFact {
  return { kind: "responsible_use", datasetId: null, textVersion: RESPONSIBLE_USE.version, attestedAt: at("2025-02-02T10:00:00Z"), ...overrides };
}
