import "server-only";
import { and, eq, sql } from "drizzle-orm";
import { datasets, labDatasets } from "@/db/schema";
import { getDb } from "@/lib/db/client";
import { now } from "@/lib/clock";
import { loadLabPolicy } from "@/lib/credentialing/load-facts";
import { memberChecklist } from "@/lib/credentialing/member-access";
import { effectiveRequirements, requirementLabels } from "./dataset-requirements";

export type DatasetRef = { id: string; slug: string; version: string; title: string; duaName: string; duaVersion: string };

/** The dataset version if this lab holds a copy of it; other labs' datasets do not exist for us. */
export async function findLabDataset(opts: { labId: string; slug: string; version: string }): Promise<DatasetRef | null> {
  const [row] = await getDb()
    .select({ d: datasets, lab: { requiredTrainingTypes: labDatasets.requiredTrainingTypes, duaName: labDatasets.duaName, duaVersion: labDatasets.duaVersion } })
    .from(datasets)
    .innerJoin(labDatasets, and(eq(labDatasets.datasetId, datasets.id), eq(labDatasets.labId, opts.labId)))
    .where(and(eq(datasets.slug, opts.slug), eq(datasets.version, opts.version)))
    .limit(1);
  if (!row) return null;
  const { duaName, duaVersion } = effectiveRequirements(row.d, row.lab);
  return { id: row.d.id, slug: row.d.slug, version: row.d.version, title: row.d.title, duaName, duaVersion };
}

export type LabDatasetSummary = DatasetRef & {
  hasAccess: boolean;
  studies: number;
  images: number;
  lastImportAt: Date | null;
  /** What a member needs for this version (requirementLabels). */
  requires: string[];
};

/** The lab's datasets with whether this member may open each, and what has been imported. */
export async function listLabDatasets(opts: { labId: string; userId: string }): Promise<LabDatasetSummary[]> {
  const rows = await getDb().execute<{
    id: string; slug: string; version: string; title: string;
    studies: string | null; images: string | null; last_import_at: Date | null;
  }>(sql`
    select d.id, d.slug, d.version, d.title,
      (i.counts->>'studies') as studies, (i.counts->>'images') as images, i.finished_at as last_import_at
    from ${labDatasets} ld join ${datasets} d on d.id = ld.dataset_id
    left join lateral (select counts, finished_at from mimic_imports where dataset_id = d.id and status = 'succeeded' order by finished_at desc limit 1) i on true
    where ld.lab_id = ${opts.labId}
    order by d.slug, d.version`);
  // Access is decided by the one rule requireDatasetAccess uses (one load of the member's facts for
  // every dataset), not re-stated here in SQL; the DUA shown is the one the rule asks for.
  const [decisions, policy] = await Promise.all([memberChecklist(getDb(), { labId: opts.labId, userId: opts.userId, now: now() }), loadLabPolicy(getDb(), opts.labId)]);
  const checklist = new Map(decisions.map((c) => [c.dataset.id, c]));
  return rows.rows.map((r) => {
    const c = checklist.get(r.id);
    return {
      id: r.id, slug: r.slug, version: r.version, title: r.title, duaName: c?.dataset.duaName ?? "", duaVersion: c?.dataset.duaVersion ?? "",
      requires: c ? requirementLabels(c.dataset, policy) : [],
      hasAccess: c?.decision.access === true, studies: Number(r.studies ?? 0), images: Number(r.images ?? 0), lastImportAt: r.last_import_at ? new Date(r.last_import_at) : null,
    };
  });
}
