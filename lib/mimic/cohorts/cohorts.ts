import "server-only";
import { and, desc, eq } from "drizzle-orm";
import { z } from "zod";
import { mimicCohorts, users } from "@/db/schema";
import { recordAudit } from "@/lib/audit/record";
import type { CurrentUser } from "@/lib/auth/current-user";
import { getDb } from "@/lib/db/client";
import { AppError } from "@/lib/http/errors";
import { countStudies } from "../browse/list-studies";
import { parseStudyFilters, studyFiltersToSearch, type StudyFilters } from "../browse/study-filters";
import { OFFICIAL_SPLIT, splitSpecSchema, storedSplitSpec, type SplitSpec } from "./split-spec";

export const saveCohortSchema = z.object({
  name: z.string().trim().min(1, "Give the cohort a name").max(120, "Keep the name under 120 characters"),
  // The explorer's URL query, e.g. "label=Edema:positive&view=PA".
  query: z.string().max(4000),
  // How the export splits the cohort (decision 034); the official split when left out.
  split: splitSpecSchema.default(OFFICIAL_SPLIT),
});

export type Cohort = { id: string; name: string; query: string; split: SplitSpec; studyCount: number; createdAt: Date; createdByName: string | null };

/** The filters a cohort stands for, without paging or sorting (a cohort is a set of studies). */
export function cohortFilters(query: string): StudyFilters {
  const parsed = parseStudyFilters(new URLSearchParams(query));
  if (!parsed.ok) throw new AppError("bad_request", `This filter cannot be saved: ${parsed.errors.join("; ")}`);
  return { ...parsed.filters, page: 1, sort: "study_id", dir: "asc" };
}

export async function saveCohort(opts: { user: CurrentUser; datasetId: string; name: string; query: string; split?: SplitSpec; labelsDatasetId?: string; reportDatasetId?: string }): Promise<Cohort> {
  const split = opts.split ?? OFFICIAL_SPLIT;
  const filters = cohortFilters(opts.query);
  const query = studyFiltersToSearch({ ...filters, page: 1, sort: "date", dir: "desc", pageSize: 50 });
  // Counted as the explorer counted it: over the paired version's labels and report text where joined.
  const total = await countStudies({ datasetId: opts.labelsDatasetId ?? opts.datasetId, reportDatasetId: opts.reportDatasetId, filters });
  // An empty cohort is a filter mistake, not a set a paper can cite; the explorer offers no button for it.
  if (total === 0) throw new AppError("bad_request", "These filters match no study, so there is no cohort to save: drop a filter first.");
  return getDb().transaction(async (tx) => {
    const [row] = await tx
      .insert(mimicCohorts)
      .values({ labId: opts.user.labId, datasetId: opts.datasetId, name: opts.name, query, split, studyCount: total, createdBy: opts.user.id })
      .returning();
    await recordAudit(tx, {
      action: "cohort.save",
      labId: opts.user.labId,
      actor: opts.user,
      target: { type: "cohort", id: row!.id },
      details: { datasetId: opts.datasetId, name: opts.name, query, split, studies: total },
    });
    return { id: row!.id, name: row!.name, query: row!.query, split, studyCount: row!.studyCount, createdAt: row!.createdAt, createdByName: opts.user.name };
  });
}

const cohortColumns = {
  id: mimicCohorts.id,
  name: mimicCohorts.name,
  query: mimicCohorts.query,
  split: mimicCohorts.split,
  studyCount: mimicCohorts.studyCount,
  createdAt: mimicCohorts.createdAt,
  createdByName: users.name,
};

const withSpec = <T extends { split: unknown }>(row: T) => ({ ...row, split: storedSplitSpec(row.split) });

export async function listCohorts(opts: { labId: string; datasetId: string }): Promise<Cohort[]> {
  const rows = await getDb()
    .select(cohortColumns)
    .from(mimicCohorts)
    .leftJoin(users, eq(users.id, mimicCohorts.createdBy))
    .where(and(eq(mimicCohorts.labId, opts.labId), eq(mimicCohorts.datasetId, opts.datasetId)))
    .orderBy(desc(mimicCohorts.createdAt));
  return rows.map(withSpec);
}

export async function getCohort(opts: { labId: string; datasetId: string; cohortId: string }): Promise<Cohort | null> {
  if (!z.uuid().safeParse(opts.cohortId).success) return null;
  const [row] = await getDb()
    .select(cohortColumns)
    .from(mimicCohorts)
    .leftJoin(users, eq(users.id, mimicCohorts.createdBy))
    .where(and(eq(mimicCohorts.id, opts.cohortId), eq(mimicCohorts.labId, opts.labId), eq(mimicCohorts.datasetId, opts.datasetId)));
  return row ? withSpec(row) : null;
}
