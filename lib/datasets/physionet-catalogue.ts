// PhysioNet projects whose access policy labgate fixes in code, so no steward can set it. A lab
// cannot make a credentialed project open by typing "open": the policy, the required training and
// the DUA of a project listed here come from this list, and a project not listed here is treated as
// credentialed. "open" exists only for the open projects listed below. Adding a project or a new
// version is a code change, reviewed like any other (docs/decisions/016-separation-of-duties.md).
// Facts from PhysioNet's project pages (shared/design/physionet.md, shared/design/mimic-cxr.md).

export type CatalogueAccess = "open" | "credentialed" | "restricted";

export type CatalogueProject = {
  slug: string;
  title: string;
  access: CatalogueAccess;
  /** Training types (training_types.slug) every member must hold; empty when none is required. */
  requiredTrainingTypes: readonly string[];
  /** The agreement each member signs per version; empty for open projects. */
  duaName: string;
  duaVersion: string;
  /** The versions PhysioNet publishes; any other version of this project is refused. */
  versions: readonly string[];
};

/** The course PhysioNet requires for MIMIC: CITI "Data or Specimens Only Research". */
export const CITI_TRAINING = "citi-data-or-specimens";
export const CREDENTIALED_DUA = { duaName: "PhysioNet Credentialed Health Data Use Agreement", duaVersion: "1.5.0" } as const;

const credentialed = (slug: string, title: string, versions: readonly string[]): CatalogueProject => ({
  slug, title, access: "credentialed", requiredTrainingTypes: [CITI_TRAINING], ...CREDENTIALED_DUA, versions,
});
const open = (slug: string, title: string, versions: readonly string[]): CatalogueProject => ({
  slug, title, access: "open", requiredTrainingTypes: [], duaName: "", duaVersion: "", versions,
});

export const PHYSIONET_CATALOGUE: readonly CatalogueProject[] = [
  credentialed("mimic-cxr", "MIMIC-CXR Database", ["2.0.0", "2.1.0"]),
  credentialed("mimic-cxr-jpg", "MIMIC-CXR-JPG - chest radiographs with structured labels", ["2.0.0", "2.1.0"]),
  credentialed("mimiciv", "MIMIC-IV", ["0.4", "1.0", "2.0", "2.1", "2.2", "3.0", "3.1"]),
  credentialed("mimic-iv-note", "MIMIC-IV-Note: Deidentified free-text clinical notes", ["2.2"]),
  credentialed("mimic-iv-ed", "MIMIC-IV-ED", ["1.0", "2.0", "2.2"]),
  credentialed("eicu-crd", "eICU Collaborative Research Database", ["2.0"]),
  credentialed("mimiciii", "MIMIC-III Clinical Database", ["1.3", "1.4"]),
  // Open projects: PhysioNet publishes them to anyone; labs use the demos to try labgate.
  open("mimic-iv-demo", "MIMIC-IV Clinical Database Demo", ["1.0", "2.2"]),
  open("mimiciii-demo", "MIMIC-III Clinical Database Demo", ["1.4"]),
  open("mitdb", "MIT-BIH Arrhythmia Database", ["1.0.0"]),
  open("ptb-xl", "PTB-XL, a large publicly available electrocardiography dataset", ["1.0.0", "1.0.1", "1.0.2", "1.0.3"]),
];

const BY_SLUG = new Map(PHYSIONET_CATALOGUE.map((p) => [p.slug, p]));

export function findCatalogueProject(slug: string): CatalogueProject | null {
  return BY_SLUG.get(slug) ?? null;
}

/** Slugs labgate treats as open: exactly the catalogue's open projects, never a steward's choice. */
export const OPEN_SLUGS: readonly string[] = PHYSIONET_CATALOGUE.filter((p) => p.access === "open").map((p) => p.slug);

/** Which cloud a member's identity and keys belong to (decision 032). */
export type MirrorProvider = "aws" | "gcs";
export type MirrorLocation = { provider: MirrorProvider; bucket: string; prefix: string; requesterPays: boolean };

/**
 * Where PhysioNet mirrors a credentialed project version, from this catalogue and never from user
 * input: Google Cloud Storage buckets `<slug>-<version>.physionet.org` (requester pays, read through
 * a Google group per bucket), and on AWS the per-version access point PhysioNet adds verified AWS
 * identities to (`<slug>-<version with dashes>`). Keys are the version folder's relative paths.
 * Open projects and versions the catalogue does not list have no mirror here.
 */
export function mirrorLocation(slug: string, version: string, provider: MirrorProvider): MirrorLocation | null {
  const project = findCatalogueProject(slug);
  if (!project || project.access === "open" || !project.versions.includes(version)) return null;
  if (provider === "gcs") return { provider, bucket: `${slug}-${version}.physionet.org`, prefix: "", requesterPays: true };
  return { provider, bucket: `${slug}-${version.replace(/\./g, "-")}`, prefix: "", requesterPays: false };
}
