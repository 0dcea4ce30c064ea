import "server-only";
import { and, eq } from "drizzle-orm";
import { datasets, mimicCohorts } from "@/db/schema";
import type { DbOrTx } from "@/lib/db/client";
import { hasDatasetAccess } from "@/lib/datasets/dataset-access";
import { iterateStudies } from "@/lib/mimic/browse/iterate-studies";
import type { StudyFilters } from "@/lib/mimic/browse/study-filters";
import { cohortFilters } from "@/lib/mimic/cohorts/cohorts";
import { resolveJoinedSources } from "@/lib/mimic/pairing/joined-sources";

export type CohortRef = { id: string; name: string; datasetId: string };

/** A saved cohort of the lab (of any of its datasets: a JPG cohort can pick DICOMs of the same studies). */
export async function findLabCohort(db: DbOrTx, opts: { labId: string; cohortId: string }): Promise<CohortRef | null> {
  const [row] = await db
    .select({ id: mimicCohorts.id, name: mimicCohorts.name, datasetId: mimicCohorts.datasetId })
    .from(mimicCohorts)
    .where(and(eq(mimicCohorts.id, opts.cohortId), eq(mimicCohorts.labId, opts.labId)));
  return row ?? null;
}

/** Where a cohort's studies are read from for this member, or why they may not be read (a sentence naming the version). */
export type CohortSources =
  | { ok: true; filters: StudyFilters; labelsDatasetId: string; reportDatasetId: string }
  | { ok: false; message: string; datasetId: string; dataset: string };

/**
 * The sources the explorer reads this cohort from (decision 027), asked through the one access rule
 * for `user` now. A cohort of a paired version was counted over the partner's part (a MIMIC-CXR
 * cohort always over the JPG version's facet table and labels; a JPG cohort over the MIMIC-CXR report
 * text when it searches text). Without the partner the same query names a different set of studies,
 * so a download refuses and names the version instead of quietly selecting that other set.
 */
export async function resolveCohortSources(db: DbOrTx, opts: { user: { id: string; labId: string }; cohortId: string }): Promise<CohortSources> {
  const [row] = await db
    .select({ name: mimicCohorts.name, query: mimicCohorts.query, id: datasets.id, slug: datasets.slug, version: datasets.version, title: datasets.title })
    .from(mimicCohorts)
    .innerJoin(datasets, eq(datasets.id, mimicCohorts.datasetId))
    .where(and(eq(mimicCohorts.id, opts.cohortId), eq(mimicCohorts.labId, opts.user.labId)));
  if (!row) throw new Error("The saved cohort no longer exists.");
  const filters = cohortFilters(row.query);
  const own = `${row.title} ${row.version} (${row.slug})`;
  if (!(await hasDatasetAccess({ userId: opts.user.id, labId: opts.user.labId, datasetId: row.id }))) {
    return { ok: false, datasetId: row.id, dataset: `${row.slug}/${row.version}`, message: `Cohort “${row.name}” is saved on ${own}, and you do not hold access to that version. Complete its checklist on the Credentialing page, or choose another selection.` };
  }
  const sources = await resolveJoinedSources({ user: opts.user, dataset: row });
  const partner = sources.partner;
  const needsPartner = partner !== null && (sources.side === "cxr" || (sources.side === "jpg" && Boolean(filters.q)));
  if (partner && needsPartner && !partner.access) {
    const part = sources.side === "cxr" ? "labels and image metadata" : "report text";
    return {
      ok: false,
      datasetId: partner.id,
      dataset: `${partner.slug}/${partner.version}`,
      message: `Cohort “${row.name}” selects its studies by the ${part} of ${partner.title} ${partner.version} (${partner.slug}), the version your lab pairs with ${own}, and you do not hold access to it. Complete its checklist on the Credentialing page, or choose another selection.`,
    };
  }
  return { ok: true, filters, labelsDatasetId: sources.labelsDatasetId, reportDatasetId: sources.reportDatasetId };
}

/** Thrown when a cohort's studies may not be read for the job's owner; the message names the version. */
export class CohortRefusedError extends Error {}

/** The cohort's study ids as the explorer counts them for `user` (streamed in keyset batches). */
export async function cohortStudyIds(db: DbOrTx, opts: { user: { id: string; labId: string }; cohortId: string }): Promise<Set<number>> {
  const sources = await resolveCohortSources(db, opts);
  if (!sources.ok) throw new CohortRefusedError(sources.message);
  const ids = new Set<number>();
  for await (const study of iterateStudies({ datasetId: sources.labelsDatasetId, reportDatasetId: sources.reportDatasetId, filters: sources.filters })) ids.add(study.studyId);
  return ids;
}
