import "server-only";
import { and, eq, inArray } from "drizzle-orm";
import { z } from "zod";
import { datasetAccessPolicyEnum, datasets, labDatasets, trainingTypes } from "@/db/schema";
import { recordAudit } from "@/lib/audit/record";
import type { CurrentUser } from "@/lib/auth/current-user";
import { getDb } from "@/lib/db/client";
import { loadLabDatasetRequirements } from "@/lib/credentialing/load-facts";
import { effectiveRequirements } from "@/lib/datasets/dataset-requirements";
import { findCatalogueProject } from "@/lib/datasets/physionet-catalogue";
import { AppError } from "@/lib/http/errors";

// The dataset versions the lab holds. A version is global ("mimic-cxr 2.1.0" is the same for every
// lab); a steward adds one the lab uses and sets how long the lab keeps its copy. What a version
// requires of members is not the steward's to choose for a PhysioNet project labgate's catalogue
// lists (lib/datasets/physionet-catalogue.ts); for any other project it is credentialed, with the
// training and DUA the steward names kept on this lab's own row, never on the shared one.

export const newDatasetSchema = z.object({
  slug: z.string({ error: "Enter the PhysioNet project slug" }).trim().toLowerCase().regex(/^[a-z0-9][a-z0-9-]{0,99}$/, "The slug is the project's name in its PhysioNet URL, like mimic-cxr"),
  version: z.string({ error: "Enter the version" }).trim().regex(/^[0-9]+(\.[0-9]+){0,3}$/, "The version looks like 2.1.0"),
  title: z.string({ error: "Enter the title" }).trim().max(300, "The title is too long").default(""),
  // Accepted only to refuse a policy that is not the project's: PhysioNet's list decides it.
  accessPolicy: z.enum(datasetAccessPolicyEnum.enumValues, { error: "Choose PhysioNet's access policy for this project" }).optional(),
  requiredTrainingTypes: z.array(z.string()).max(10).default([]),
  duaName: z.string().trim().max(200).default(""),
  duaVersion: z.string().trim().max(20).default(""),
  retentionDays: z.number().int("Retention is a whole number of days").min(1, "Retention must be at least 1 day").max(36_500, "Retention must be at most 100 years").nullable().default(null),
});
export type NewDataset = z.input<typeof newDatasetSchema>;

export async function listLabDatasetSettings(labId: string) {
  const db = getDb();
  const [required, held] = await Promise.all([
    loadLabDatasetRequirements(db, { labId }),
    db
      .select({ id: datasets.id, title: datasets.title, retentionDays: labDatasets.retentionDays, addedAt: labDatasets.addedAt })
      .from(labDatasets)
      .innerJoin(datasets, eq(datasets.id, labDatasets.datasetId))
      .where(eq(labDatasets.labId, labId)),
  ]);
  const byId = new Map(held.map((h) => [h.id, h]));
  return required.map((r) => ({
    id: r.id, slug: r.slug, version: r.version, title: byId.get(r.id)?.title ?? "", accessPolicy: r.accessPolicy, fixedByCatalogue: findCatalogueProject(r.slug) !== null,
    requiredTrainingTypes: r.requiredTrainings.map((t) => t.type), duaName: r.duaName, duaVersion: r.duaVersion,
    retentionDays: byId.get(r.id)?.retentionDays ?? null, addedAt: byId.get(r.id)?.addedAt ?? null,
  }));
}

type Planned = { title: string; labRequirements: { requiredTrainingTypes: string[] | null; duaName: string | null; duaVersion: string | null } };

/** Checks the steward's input against the catalogue; returns what to store, or refuses with a field error. */
function planDataset(input: z.output<typeof newDatasetSchema>): Planned {
  const project = findCatalogueProject(input.slug);
  if (project) {
    if (input.accessPolicy !== undefined && input.accessPolicy !== project.access) {
      throw new AppError("bad_request", `${project.slug} is ${project.access === "open" ? "an open" : `a ${project.access}`} PhysioNet project: its access policy is fixed by PhysioNet, not chosen in labgate`, { accessPolicy: [`Fixed: ${project.access}`] });
    }
    if (!project.versions.includes(input.version)) {
      throw new AppError("bad_request", `PhysioNet publishes ${project.slug} ${project.versions.join(", ")}; there is no version ${input.version}`, { version: [`Choose one of ${project.versions.join(", ")}`] });
    }
    return { title: project.title, labRequirements: { requiredTrainingTypes: null, duaName: null, duaVersion: null } };
  }
  if (input.accessPolicy !== undefined && input.accessPolicy !== "credentialed") {
    throw new AppError(
      "bad_request",
      `labgate's PhysioNet catalogue does not list ${input.slug}, so it is treated as credentialed; ${input.accessPolicy === "open" ? "open access exists only for the open projects the catalogue lists" : "only the catalogue can set another policy"}`,
      { accessPolicy: ["Fixed: credentialed"] },
    );
  }
  if (!input.title) throw new AppError("bad_request", "Enter the title", { title: ["Enter the title"] });
  if (!input.duaName || !input.duaVersion) {
    throw new AppError("bad_request", "Name the data use agreement and its version (PhysioNet shows them on the project page)", { duaName: ["Required: the project is treated as credentialed"] });
  }
  return { title: input.title, labRequirements: { requiredTrainingTypes: input.requiredTrainingTypes, duaName: input.duaName, duaVersion: input.duaVersion } };
}

export async function addLabDataset(opts: { actor: CurrentUser; input: NewDataset; ip: string | null }): Promise<{ id: string; created: boolean }> {
  const { actor } = opts;
  const input = newDatasetSchema.parse(opts.input);
  const plan = planDataset(input);
  return getDb().transaction(async (tx) => {
    if (input.requiredTrainingTypes.length > 0) {
      const known = await tx.select({ slug: trainingTypes.slug }).from(trainingTypes).where(inArray(trainingTypes.slug, input.requiredTrainingTypes));
      if (known.length !== new Set(input.requiredTrainingTypes).size) throw new AppError("bad_request", "Choose training types labgate knows", { requiredTrainingTypes: ["Unknown training type"] });
    }
    // The shared row holds only what no lab chose: the catalogue's requirements, or the strictest ones.
    const shared = effectiveRequirements({ slug: input.slug, accessPolicy: "open", requiredTrainingTypes: [], duaName: "", duaVersion: "" });
    const inserted = await tx
      .insert(datasets)
      .values({ slug: input.slug, version: input.version, title: plan.title, accessPolicy: shared.accessPolicy, requiredTrainingTypes: shared.requiredTrainingTypes, duaName: shared.duaName, duaVersion: shared.duaVersion, createdBy: actor.id })
      .onConflictDoNothing({ target: [datasets.slug, datasets.version] })
      .returning({ id: datasets.id });
    const created = inserted.length > 0;
    const [existing] = created ? inserted : await tx.select({ id: datasets.id }).from(datasets).where(and(eq(datasets.slug, input.slug), eq(datasets.version, input.version))).limit(1);
    const held = await tx
      .insert(labDatasets)
      .values({ labId: actor.labId, datasetId: existing!.id, retentionDays: input.retentionDays, addedBy: actor.id, ...plan.labRequirements })
      .onConflictDoNothing()
      .returning({ datasetId: labDatasets.datasetId });
    if (held.length === 0) throw new AppError("conflict", `Your lab already holds ${input.slug} ${input.version}`);
    await recordAudit(tx, {
      action: "dataset.add",
      labId: actor.labId,
      actor,
      target: { type: "dataset", id: existing!.id },
      ip: opts.ip,
      details: { dataset: `${input.slug}/${input.version}`, created, retentionDays: input.retentionDays, ...(plan.labRequirements.duaName ? { labRequirements: plan.labRequirements } : { catalogue: true }) },
    });
    return { id: existing!.id, created };
  });
}

export async function setRetention(opts: { actor: CurrentUser; datasetId: string; retentionDays: number | null; ip: string | null }) {
  const { actor } = opts;
  return getDb().transaction(async (tx) => {
    const [held] = await tx.select().from(labDatasets).where(and(eq(labDatasets.labId, actor.labId), eq(labDatasets.datasetId, opts.datasetId))).for("update").limit(1);
    if (!held) throw new AppError("not_found", "Your lab holds no such dataset version");
    await tx.update(labDatasets).set({ retentionDays: opts.retentionDays }).where(and(eq(labDatasets.labId, actor.labId), eq(labDatasets.datasetId, opts.datasetId)));
    await recordAudit(tx, { action: "dataset.retention", labId: actor.labId, actor, target: { type: "dataset", id: opts.datasetId }, ip: opts.ip, details: { from: held.retentionDays, to: opts.retentionDays } });
    return { ok: true };
  });
}
