import "server-only";
import { and, desc, eq, inArray, isNotNull, or, sql } from "drizzle-orm";
import { z } from "zod";
import { cloudIdentities, datasets, downloadFiles, downloadJobs, downloadLanes, users } from "@/db/schema";
import type { CurrentUser } from "@/lib/auth/current-user";
import { roleAtLeast } from "@/lib/auth/roles";
import { getDb } from "@/lib/db/client";
import { hasDatasetAccess } from "@/lib/datasets/dataset-access";
import type { JobState } from "./job-record";
import { startEstimateSeconds } from "./rate";
import { sourceEstimates, type SourceEstimate } from "./source-estimates";

export type JobSummary = {
  id: string;
  dataset: { slug: string; version: string; title: string };
  description: string;
  state: JobState;
  owner: { id: string; name: string };
  filesTotal: number;
  filesDone: number;
  filesSkipped: number;
  filesFailed: number;
  bytesEstimate: number;
  estimateExact: boolean;
  bytesDone: number;
  createdAt: string;
  startedAt: string | null;
  finishedAt: string | null;
  error: string | null;
};

export type FileProblem = { path: string; state: "pending" | "active" | "failed"; attempts: number; error: string };
export type LaneStatus = { lane: number; worker: string; currentPath: string | null; bytesInFlight: number };

export type JobProgress = JobSummary & {
  concurrency: number;
  bytesReceived: number;
  storageFreeAtPrepare: number | null;
  /** One connection's measured rate (bytes/s), and the time the rest should take at that rate × the job's lanes. */
  connectionRate: number | null;
  startEstimateSeconds: number | null;
  /** Where the bytes come from, and whose cloud identity fetches them from the mirror. */
  source: "physionet" | "mirror";
  cloudIdentity: string | null;
  /** Expected time (and egress cost) from each source the member could use (decision 032). */
  sourceEstimates: SourceEstimate[];
  notice: string | null;
  lanes: LaneStatus[];
  problems: FileProblem[];
  updatedAt: string;
  canControl: boolean;
  isOwner: boolean;
  /** File paths name the dataset's subjects and studies: shown only to a viewer who holds access to it now. */
  pathsHidden: boolean;
};

const summaryColumns = {
  id: downloadJobs.id,
  slug: datasets.slug,
  version: datasets.version,
  title: datasets.title,
  description: downloadJobs.description,
  state: downloadJobs.state,
  ownerId: downloadJobs.userId,
  ownerName: users.name,
  filesTotal: downloadJobs.filesTotal,
  filesDone: downloadJobs.filesDone,
  filesSkipped: downloadJobs.filesSkipped,
  filesFailed: downloadJobs.filesFailed,
  bytesEstimate: downloadJobs.bytesEstimate,
  estimateExact: downloadJobs.estimateExact,
  bytesDone: downloadJobs.bytesDone,
  createdAt: downloadJobs.createdAt,
  startedAt: downloadJobs.startedAt,
  finishedAt: downloadJobs.finishedAt,
  error: downloadJobs.error,
};

type SummaryRow = { [K in keyof typeof summaryColumns]: unknown } & Record<string, unknown>;

function toSummary(r: SummaryRow): JobSummary {
  return {
    id: r.id as string,
    dataset: { slug: r.slug as string, version: r.version as string, title: r.title as string },
    description: r.description as string,
    state: r.state as JobState,
    owner: { id: r.ownerId as string, name: r.ownerName as string },
    filesTotal: r.filesTotal as number,
    filesDone: r.filesDone as number,
    filesSkipped: r.filesSkipped as number,
    filesFailed: r.filesFailed as number,
    bytesEstimate: r.bytesEstimate as number,
    estimateExact: r.estimateExact as boolean,
    bytesDone: r.bytesDone as number,
    createdAt: (r.createdAt as Date).toISOString(),
    startedAt: r.startedAt ? (r.startedAt as Date).toISOString() : null,
    finishedAt: r.finishedAt ? (r.finishedAt as Date).toISOString() : null,
    error: r.error as string | null,
  };
}

/** The member's own downloads; a steward sees the whole lab's history. */
export async function listDownloadJobs(opts: { user: CurrentUser; limit?: number }): Promise<JobSummary[]> {
  const scope = roleAtLeast(opts.user.role, "steward") ? eq(downloadJobs.labId, opts.user.labId) : and(eq(downloadJobs.labId, opts.user.labId), eq(downloadJobs.userId, opts.user.id));
  const rows = await getDb()
    .select(summaryColumns)
    .from(downloadJobs)
    .innerJoin(datasets, eq(datasets.id, downloadJobs.datasetId))
    .innerJoin(users, eq(users.id, downloadJobs.userId))
    .where(scope)
    .orderBy(desc(downloadJobs.createdAt))
    .limit(opts.limit ?? 200);
  return rows.map(toSummary);
}

/** One job with its live progress, or null if it is not this user's to see (or does not exist). */
export async function getJobProgress(opts: { user: CurrentUser; jobId: string }): Promise<JobProgress | null> {
  if (!z.uuid().safeParse(opts.jobId).success) return null;
  const db = getDb();
  const steward = roleAtLeast(opts.user.role, "steward");
  const [row] = await db
    .select({ ...summaryColumns, datasetId: downloadJobs.datasetId, concurrency: downloadJobs.concurrency, bytesReceived: downloadJobs.bytesReceived, storageFreeAtPrepare: downloadJobs.storageFreeAtPrepare, connectionRate: downloadJobs.connectionRate, notice: downloadJobs.notice, updatedAt: downloadJobs.updatedAt, source: downloadJobs.source, cloudIdentityId: downloadJobs.cloudIdentityId, labId: downloadJobs.labId, cloudProvider: cloudIdentities.provider, cloudIdentity: cloudIdentities.identity })
    .from(downloadJobs)
    .innerJoin(datasets, eq(datasets.id, downloadJobs.datasetId))
    .innerJoin(users, eq(users.id, downloadJobs.userId))
    .leftJoin(cloudIdentities, eq(cloudIdentities.id, downloadJobs.cloudIdentityId))
    .where(and(eq(downloadJobs.id, opts.jobId), eq(downloadJobs.labId, opts.user.labId), steward ? undefined : eq(downloadJobs.userId, opts.user.id)));
  if (!row) return null;
  const bytesLeft = Number(row.bytesEstimate) - Number(row.bytesDone);
  const [lanes, problems, pathsVisible, estimates] = await Promise.all([
    db.select({ lane: downloadLanes.lane, worker: downloadLanes.worker, currentPath: downloadLanes.currentPath, bytesInFlight: downloadLanes.bytesInFlight }).from(downloadLanes).where(eq(downloadLanes.jobId, opts.jobId)).orderBy(downloadLanes.lane),
    db
      .select({ path: downloadFiles.path, state: downloadFiles.state, attempts: downloadFiles.attempts, error: downloadFiles.error })
      .from(downloadFiles)
      .where(and(eq(downloadFiles.jobId, opts.jobId), isNotNull(downloadFiles.error), or(eq(downloadFiles.state, "failed"), inArray(downloadFiles.state, ["pending", "active"]))))
      .orderBy(sql`${downloadFiles.state} = 'failed' desc`, downloadFiles.path)
      .limit(50),
    hasDatasetAccess({ userId: opts.user.id, labId: opts.user.labId, datasetId: row.datasetId }),
    sourceEstimates(db, { id: row.id, labId: row.labId, userId: row.ownerId, datasetId: row.datasetId, slug: row.slug, version: row.version, source: row.source, cloudIdentityId: row.cloudIdentityId, connectionRate: row.connectionRate, concurrency: row.concurrency, bytesLeft }),
  ]);
  const isOwner = row.ownerId === opts.user.id;
  return {
    ...toSummary(row),
    concurrency: row.concurrency,
    bytesReceived: row.bytesReceived,
    storageFreeAtPrepare: row.storageFreeAtPrepare,
    connectionRate: row.connectionRate,
    startEstimateSeconds: startEstimateSeconds({ bytesLeft: Number(row.bytesEstimate) - Number(row.bytesDone), connectionRate: row.connectionRate, lanes: row.concurrency }),
    source: row.source,
    cloudIdentity: row.cloudProvider && row.cloudIdentity ? `${row.cloudProvider === "aws" ? "AWS" : "Google"} ${row.cloudIdentity}` : null,
    sourceEstimates: estimates,
    notice: row.notice,
    updatedAt: row.updatedAt.toISOString(),
    lanes: lanes.map((l) => ({ ...l, currentPath: pathsVisible ? l.currentPath : null, bytesInFlight: Number(l.bytesInFlight) })),
    problems: problems.map((p) => ({ path: pathsVisible ? p.path : "", state: p.state as FileProblem["state"], attempts: p.attempts, error: p.error ?? "" })),
    pathsHidden: !pathsVisible,
    isOwner,
    canControl: isOwner || steward,
  };
}
