import "server-only";
import { mkdir, rm, stat } from "node:fs/promises";
import { and, eq, Param, sql } from "drizzle-orm";
import { downloadJobs } from "@/db/schema";
import { now } from "@/lib/clock";
import { getDb, type Db } from "@/lib/db/client";
import { hasDatasetAccess } from "@/lib/datasets/dataset-access";
import { SHA256SUMS_FILE } from "@/lib/physionet/sha256-sums";
import { getStorage } from "@/lib/storage/get-storage";
import type { FileStorage } from "@/lib/storage/file-storage";
import { CohortRefusedError, cohortStudyIds } from "./cohort-studies";
import { CredentialUnreadableError } from "./credentials/cipher";
import { loadCredentials } from "./credentials/store";
import { estimateJobBytes, headSizes, readListingSizes } from "./estimate";
import { endJob } from "./finish";
import { loadWorkJob } from "./job-record";
import { fetchVersionFile, IMAGE_FILENAMES, manifestPaths, readImageFilenames, readManifest, SourceRefusedError } from "./manifest";
import { isSafeDatasetPath, studyIdOf } from "./paths";
import { sampleStudies } from "./sample";
import { matcherFor, unmatchedPaths } from "./selection";
import type { PhysionetSource } from "./source";
import { createConnectionRateProbe } from "./rate";
import type { WorkJob } from "./job-record";
import { openMirror } from "./mirror/client";
import { loadIdentityById, openKeys } from "./mirror/identities";
import { mirrorVersionReader } from "./mirror/version-reader";
import { prepareStagingDir, stagingRoot } from "./staging";
import { storageFreeBytes } from "./usage";

const INSERT_BATCH = 5_000;
const HEAD_SAMPLES_PER_KIND = 16;

/**
 * The worker's first step for a job: fetch SHA256SUMS.txt (and IMAGE_FILENAMES), apply the
 * selection, write the work list, estimate the size (listing + sampled HEADs) and the storage left,
 * then wait in "ready" for the member to start. Refusals end the job with a clear message.
 */
export async function prepareDownloadJob(opts: {
  jobId: string;
  source: PhysionetSource;
  storage?: FileStorage;
  /** Staging root (default: from the environment). */
  staging?: string;
  signal?: AbortSignal;
  /** For tests: every wget process started (never with the password in argv or environment). */
  onSpawn?: (info: { pid: number }) => void;
}): Promise<void> {
  const db = getDb();
  const job = await loadWorkJob(db, opts.jobId);
  if (!job || job.state !== "preparing") return;
  const fail = (message: string, state: "failed" | "stopped" = "failed") => endJob(db, { jobId: job.id, state, message, from: ["preparing"] });

  if (!(await hasDatasetAccess({ userId: job.userId, labId: job.labId, datasetId: job.datasetId }))) {
    return void (await fail(`Your access to ${job.title} ${job.version} ended before the download started.`, "stopped"));
  }
  // A cohort's studies are the ones the explorer counts for the job's owner now, from the same
  // versions; asked before anything is fetched so a refusal costs no request to PhysioNet.
  const sel = job.selection;
  let studies: Set<number> | null = null;
  if (sel.mode === "filter" && sel.studies.kind === "cohort") {
    try {
      studies = await cohortStudyIds(db, { user: { id: job.userId, labId: job.labId }, cohortId: sel.studies.cohortId });
    } catch (e) {
      if (e instanceof CohortRefusedError) return void (await fail(e.message, "stopped"));
      throw e;
    }
  }
  let reader: VersionReader;
  try {
    const opened = await openVersionReader(db, { job, source: opts.source, signal: opts.signal, onSpawn: opts.onSpawn });
    if (typeof opened === "string") return void (await fail(opened));
    reader = opened;
  } catch (e) {
    if (e instanceof CredentialUnreadableError) return void (await fail(e.message));
    throw e;
  }

  const staging = opts.staging ?? stagingRoot();
  const dir = prepareStagingDir(staging, job.id);
  await rm(dir, { recursive: true, force: true });
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const files = manifestPaths(dir);
  try {
    const probe = createConnectionRateProbe(Date.now());
    await reader.fetch({ filePath: SHA256SUMS_FILE, destination: files.sums, onProgress: (bytes) => probe.progress(bytes, Date.now()) });
    const connectionRate = probe.finish((await stat(files.sums)).size, Date.now());

    // Pass 1: study ids (for a sample) and IMAGE_FILENAMES' own checksum.
    let imageNamesSha: string | null = null;
    const allStudies = new Set<number>();
    for await (const entry of readManifest(files.sums)) {
      if (entry.path === IMAGE_FILENAMES) imageNamesSha = entry.sha256;
      const study = studyIdOf(entry.path);
      if (study !== null) allStudies.add(study);
    }
    let imageNames: Set<string> | null = null;
    if (imageNamesSha) {
      await reader.fetch({ filePath: IMAGE_FILENAMES, destination: files.imageNames, expectedSha256: imageNamesSha });
      imageNames = await readImageFilenames(files.imageNames);
    }
    if (sel.mode === "filter" && sel.studies.kind === "sample") studies = sampleStudies({ studyIds: allStudies, percent: sel.studies.percent, seed: sel.studies.seed });
    allStudies.clear();

    // The version folder's listing gives the exact size of every top-level file in one request.
    const topSizes = await reader.topSizes(files.listing);

    // Pass 2: the work list.
    const matchedListed = new Set<string>();
    const matcher = matcherFor({ selection: sel, studies, imageNames, onListedMatch: (p) => matchedListed.add(p) });
    let unsafe = 0;
    let batch: { path: string; sha256: string; category: string; size: number | null }[] = [];
    await db.execute(sql`delete from download_files where job_id = ${job.id}`);
    for await (const entry of readManifest(files.sums)) {
      const category = matcher(entry);
      if (!category) continue;
      if (!isSafeDatasetPath(entry.path)) {
        unsafe++;
        continue;
      }
      batch.push({ ...entry, category, size: entry.path.includes("/") ? null : (topSizes.get(entry.path) ?? null) });
      if (batch.length >= INSERT_BATCH) batch = await insertFiles(db, job.id, batch);
    }
    await insertFiles(db, job.id, batch);

    // Files the lab already holds with the same checksum are not fetched again.
    await db.execute(sql`
      update download_files f set state = 'skipped', size = s.size, verified_at = s.stored_at
      from stored_files s
      where f.job_id = ${job.id} and s.lab_id = ${job.labId} and s.dataset_id = ${job.datasetId} and s.path = f.path and s.sha256 = f.sha256`);

    const counts = await db.execute<{ total: string; skipped: string; skipped_bytes: string | null }>(sql`
      select count(*) as total, count(*) filter (where state = 'skipped') as skipped, sum(size) filter (where state = 'skipped') as skipped_bytes
      from download_files where job_id = ${job.id}`);
    const total = Number(counts.rows[0]?.total ?? 0);
    if (total === 0) return void (await fail(`The selection matches no file of ${job.slug} ${job.version}.`));

    await reader.fillSizes(db, job.id);
    const estimate = await estimateJobBytes(db, job.id);
    const notes: string[] = [];
    const missing = unmatchedPaths(sel, matchedListed);
    if (missing.length) notes.push(`${missing.length} listed ${missing.length === 1 ? "path matches" : "paths match"} nothing in ${SHA256SUMS_FILE}: ${missing.slice(0, 5).join(", ")}${missing.length > 5 ? ", …" : ""}`);
    if (unsafe) notes.push(`${unsafe} files with names labgate cannot store safely were left out`);
    const skipped = Number(counts.rows[0]?.skipped ?? 0);
    if (skipped) notes.push(`${skipped.toLocaleString("en-US")} files are already verified in lab storage and will not be fetched again`);
    const free = await storageFreeBytes(opts.storage ?? getStorage(), staging);
    await db
      .update(downloadJobs)
      .set({
        state: "ready",
        filesTotal: total,
        filesSkipped: skipped,
        bytesDone: Number(counts.rows[0]?.skipped_bytes ?? 0),
        bytesEstimate: estimate.bytes,
        estimateExact: estimate.exact,
        storageFreeAtPrepare: free,
        connectionRate,
        notice: notes.length ? `${notes.join(". ")}.` : null,
        error: null,
        updatedAt: now(),
      })
      .where(and(eq(downloadJobs.id, job.id), eq(downloadJobs.state, "preparing")));
  } catch (e) {
    if (e instanceof SourceRefusedError) return void (await fail(e.message));
    // Anything else (the database, the disk) is retried by pg-boss; the member sees that it is.
    await db
      .update(downloadJobs)
      .set({ error: "Preparing the file list failed; a worker will try again.", updatedAt: now() })
      .where(and(eq(downloadJobs.id, job.id), eq(downloadJobs.state, "preparing")))
      .catch(() => {});
    throw e;
  } finally {
    reader.close();
    await rm(dir, { recursive: true, force: true });
  }
}

/** How preparation reads a version: from PhysioNet with wget, or from the cloud mirror with the member's keys. */
type VersionReader = {
  fetch(o: { filePath: string; destination: string; expectedSha256?: string; onProgress?: (bytes: number) => void }): Promise<void>;
  /** Exact sizes of files known before the work list is written (PhysioNet's top-level listing). */
  topSizes(listingPath: string): Promise<Map<string, number>>;
  /** Sizes for the work list's files once it is written (sampled HEADs, or the mirror's listing). */
  fillSizes(db: Db, jobId: string): Promise<void>;
  close(): void;
};

/** The reader for the job's source, or the message its job fails with (no stored credentials). */
async function openVersionReader(db: Db, opts: { job: WorkJob; source: PhysionetSource; signal?: AbortSignal; onSpawn?: (info: { pid: number }) => void }): Promise<VersionReader | string> {
  const { job } = opts;
  if (job.source === "mirror") {
    const identity = job.cloudIdentityId ? await loadIdentityById(db, job.cloudIdentityId) : null;
    const keys = identity ? (() => {
      try {
        return openKeys(identity);
      } catch (e) {
        if (e instanceof CredentialUnreadableError) return null;
        throw e;
      }
    })() : null;
    if (!identity || !keys) return "Your cloud access keys are no longer stored; resume the download and enter them again.";
    const access = openMirror({ provider: identity.provider, slug: job.slug, version: job.version, keys });
    return mirrorVersionReader(access, job, opts.signal);
  }
  const credentials = await loadCredentials(db, job.userId);
  if (!credentials) return "Your PhysioNet password is no longer stored; create the download again.";
  return {
    fetch: (o) => fetchVersionFile({ source: opts.source, ref: job, credentials, signal: opts.signal, onSpawn: opts.onSpawn, ...o }),
    topSizes: async (listingPath) => {
      // The version folder's listing gives the exact size of every top-level file in one request.
      try {
        await fetchVersionFile({ source: opts.source, ref: job, filePath: "", destination: listingPath, credentials, signal: opts.signal, onSpawn: opts.onSpawn });
        return await readListingSizes(listingPath);
      } catch (e) {
        if (e instanceof SourceRefusedError && e.outcome !== "error") throw e;
        return new Map();
      }
    },
    fillSizes: (db2, jobId) => sampleSizes(db2, { jobId, source: opts.source, ref: job, credentials, signal: opts.signal, onSpawn: opts.onSpawn }),
    close: () => {},
  };
}

async function insertFiles(db: Db, jobId: string, rows: { path: string; sha256: string; category: string; size: number | null }[]): Promise<[]> {
  if (rows.length === 0) return [];
  // One statement per batch: each column travels as one array parameter.
  await db.execute(sql`
    insert into download_files (job_id, path, sha256, category, size)
    select ${jobId}, p, s, c::download_file_category, z
    from unnest(${new Param(rows.map((r) => r.path))}::text[], ${new Param(rows.map((r) => r.sha256))}::text[], ${new Param(rows.map((r) => r.category))}::text[], ${new Param(rows.map((r) => r.size))}::bigint[]) as t(p, s, c, z)
    on conflict (job_id, path) do nothing`);
  return [];
}

/** HEAD a seeded sample of each kind of file whose size is unknown, and keep the sizes found. */
async function sampleSizes(
  db: Db,
  opts: { jobId: string; source: PhysionetSource; ref: { slug: string; version: string }; credentials: { username: string; password: string }; signal?: AbortSignal; onSpawn?: (info: { pid: number }) => void },
): Promise<void> {
  const picked = await db.execute<{ path: string }>(sql`
    select path from (
      select path, row_number() over (partition by category order by md5(path)) as n
      from download_files where job_id = ${opts.jobId} and size is null and state = 'pending') t
    where n <= ${HEAD_SAMPLES_PER_KIND}`);
  const paths = picked.rows.map((r) => r.path);
  if (paths.length === 0) return;
  const sizes = await headSizes({ source: opts.source, ref: opts.ref, credentials: opts.credentials, paths, signal: opts.signal, onSpawn: opts.onSpawn });
  if (sizes.size === 0) return;
  await db.execute(sql`
    update download_files f set size = t.z from unnest(${new Param([...sizes.keys()])}::text[], ${new Param([...sizes.values()])}::bigint[]) as t(p, z)
    where f.job_id = ${opts.jobId} and f.path = t.p`);
}
