import { CITI_TRAINING, CREDENTIALED_DUA, findCatalogueProject } from "./physionet-catalogue";

// What a dataset version requires of a member, decided in one place: the catalogue's word for a
// PhysioNet project it lists, otherwise "credentialed" with the lab's own choice of training and DUA
// (kept on the lab's lab_datasets row, so one lab's choice never reaches another lab). The shared
// datasets row is only a fallback for a lab row written before those columns existed.

export type RequirementsPolicy = "open" | "restricted" | "credentialed" | "contributor_review";

export type StoredDatasetRequirements = {
  slug: string;
  accessPolicy: RequirementsPolicy;
  requiredTrainingTypes: readonly string[];
  duaName: string;
  duaVersion: string;
};

/** The lab's own choices for a project outside the catalogue; null columns fall back. */
export type LabDatasetRequirements = {
  requiredTrainingTypes: readonly string[] | null;
  duaName: string | null;
  duaVersion: string | null;
};

export type EffectiveRequirements = {
  accessPolicy: RequirementsPolicy;
  requiredTrainingTypes: string[];
  duaName: string;
  duaVersion: string;
  /** True when the catalogue, not a steward, fixed these requirements. */
  fromCatalogue: boolean;
};

export function effectiveRequirements(stored: StoredDatasetRequirements, lab?: LabDatasetRequirements | null): EffectiveRequirements {
  const project = findCatalogueProject(stored.slug);
  if (project) {
    return { accessPolicy: project.access, requiredTrainingTypes: [...project.requiredTrainingTypes], duaName: project.duaName, duaVersion: project.duaVersion, fromCatalogue: true };
  }
  // A shared row that says "open" for a project the catalogue does not list was a steward's word,
  // not PhysioNet's: it gets the strictest requirements instead.
  const untrusted = stored.accessPolicy === "open";
  const trainings = lab?.requiredTrainingTypes ?? (untrusted ? [CITI_TRAINING] : stored.requiredTrainingTypes);
  const duaName = lab?.duaName || (untrusted ? "" : stored.duaName);
  const duaVersion = lab?.duaVersion || (untrusted ? "" : stored.duaVersion);
  const dua = duaName && duaVersion ? { duaName, duaVersion } : CREDENTIALED_DUA;
  return { accessPolicy: "credentialed", requiredTrainingTypes: [...trainings], ...dua, fromCatalogue: false };
}

/**
 * What a member needs for one dataset version, as the dataset list says it. Credentialing and
 * training are separate facts on PhysioNet: a project may require credentialing and no training
 * (or, "restricted", a DUA alone), so each is named, or named as not required.
 */
export function requirementLabels(
  d: { accessPolicy: RequirementsPolicy; requiredTrainings: readonly { name: string }[]; duaName: string; duaVersion: string },
  lab: { responsibleUseRequired?: boolean; reattestMonths?: number | null },
): string[] {
  if (d.accessPolicy === "open") return ["Nothing: open access"];
  const out = [d.accessPolicy === "restricted" ? "No PhysioNet credentialing" : "PhysioNet credentialing"];
  out.push(...(d.requiredTrainings.length > 0 ? d.requiredTrainings.map((t) => `Training: ${t.name}`) : ["No training"]));
  out.push(`DUA: ${d.duaName} ${d.duaVersion}`);
  if (lab.responsibleUseRequired) out.push("Responsible use of online services (attested in labgate)");
  if (lab.reattestMonths) out.push(`Re-confirmed every ${lab.reattestMonths} month${lab.reattestMonths === 1 ? "" : "s"}`);
  return out;
}
