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
