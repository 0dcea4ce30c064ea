import "server-only";
import { and, eq, inArray } from "drizzle-orm";
import { z } from "zod";
import { datasetAccessPolicyEnum, datasets, labDatasets, trainingTypes } from "@/db/schema";
import { recordAudit } from "@/lib/audit/record";
import type { CurrentUser } from "@/lib/auth/current-user";
import { getDb } from "@/lib/db/client";
import { AppError } from "@/lib/http/errors";

// The dataset versions the lab holds. A version is global ("mimic-cxr 2.1.0" is the same for every
// lab); a steward adds one the lab uses (creating it if labgate does not know it yet) and sets how
// long the lab keeps its copy.

export const newDatasetSchema = z.object({
  slug: z.string({ error: "Enter the PhysioNet project slug" }).trim().toLowerCase().regex(/^[a-z0-9][a-z0-9-]{0,99}$/, "The slug is the project's name in its PhysioNet URL, like mimic-cxr"),
  version: z.string({ error: "Enter the version" }).trim().regex(/^[0-9]+(\.[0-9]+){0,3}$/, "The version looks like 2.1.0"),
  title: z.string({ error: "Enter the title" }).trim().min(1, "Enter the title").max(300, "The title is too long"),
  accessPolicy: z.enum(datasetAccessPolicyEnum.enumValues, { error: "Choose PhysioNet's access policy for this project" }),
  requiredTrainingTypes: z.array(z.string()).max(10).default([]),
  duaName: z.string().trim().max(200).default(""),
  duaVersion: z.string().trim().max(20).default(""),
  retentionDays: z.number().int("Retention is a whole number of days").min(1, "Retention must be at least 1 day").max(36_500, "Retention must be at most 100 years").nullable().default(null),
});
export type NewDataset = z.infer<typeof newDatasetSchema>;

export async function listLabDatasetSettings(labId: string) {
  return getDb()
    .select({ id: datasets.id, slug: datasets.slug, version: datasets.version, title: datasets.title, accessPolicy: datasets.accessPolicy, requiredTrainingTypes: datasets.requiredTrainingTypes, duaName: datasets.duaName, duaVersion: datasets.duaVersion, retentionDays: labDatasets.retentionDays, addedAt: labDatasets.addedAt })
    .from(labDatasets)
    .innerJoin(datasets, eq(datasets.id, labDatasets.datasetId))
    .where(eq(labDatasets.labId, labId))
    .orderBy(datasets.slug, datasets.version);
}

export async function addLabDataset(opts: { actor: CurrentUser; input: NewDataset; ip: string | null }): Promise<{ id: string; created: boolean }> {
  const { actor, input } = opts;
  if (input.accessPolicy !== "open" && (!input.duaName || !input.duaVersion)) {
    throw new AppError("bad_request", "Name the data use agreement and its version (PhysioNet shows them on the project page)", { duaName: ["Required unless the project is open access"] });
  }
  return getDb().transaction(async (tx) => {
    if (input.requiredTrainingTypes.length > 0) {
      const known = await tx.select({ slug: trainingTypes.slug }).from(trainingTypes).where(inArray(trainingTypes.slug, input.requiredTrainingTypes));
      if (known.length !== new Set(input.requiredTrainingTypes).size) throw new AppError("bad_request", "Choose training types labgate knows", { requiredTrainingTypes: ["Unknown training type"] });
    }
    let [existing] = await tx.select().from(datasets).where(and(eq(datasets.slug, input.slug), eq(datasets.version, input.version))).limit(1);
    const created = !existing;
    if (!existing) {
      [existing] = await tx
        .insert(datasets)
        .values({ slug: input.slug, version: input.version, title: input.title, accessPolicy: input.accessPolicy, requiredTrainingTypes: input.requiredTrainingTypes, duaName: input.duaName, duaVersion: input.duaVersion, createdBy: actor.id })
        .returning();
    }
    const [held] = await tx.select().from(labDatasets).where(and(eq(labDatasets.labId, actor.labId), eq(labDatasets.datasetId, existing!.id))).limit(1);
    if (held) throw new AppError("conflict", `Your lab already holds ${input.slug} ${input.version}`);
    await tx.insert(labDatasets).values({ labId: actor.labId, datasetId: existing!.id, retentionDays: input.retentionDays, addedBy: actor.id });
    await recordAudit(tx, {
      action: "dataset.add",
      labId: actor.labId,
      actor,
      target: { type: "dataset", id: existing!.id },
      ip: opts.ip,
      details: { dataset: `${input.slug}/${input.version}`, created, retentionDays: input.retentionDays },
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
