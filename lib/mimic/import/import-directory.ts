import { randomBytes } from "node:crypto";
import path from "node:path";
import { and, desc, eq, sql } from "drizzle-orm";
import { drizzle } from "drizzle-orm/node-postgres";
import pg from "pg";
import * as schema from "@/db/schema";
import { mimicImports } from "@/db/schema";
import { recordAudit } from "@/lib/audit/record";
import { now } from "@/lib/clock";
import { getEnv } from "@/lib/env";
import { buildPartitions, lockForSwap, swapPartitions, type BuiltPartitions } from "./build-partitions";
import type { Project } from "./file-specs";
import { findBadRow } from "./find-bad-row";
import { ImportError } from "./import-error";
import { inspectDirectory } from "./inspect-directory";
import { loadCsv, loadImageFilenames, loadLocalImages, loadReports } from "./load-files";
import { dropUnusedViews, IMPORT_LOCK, recoverAbandonedImports } from "./recover";
import { analyzeStagingTables, createStagingTables } from "./staging";

export type ImportProgress = { phase: string; bytesDone: number; bytesTotal: number; rowsDone: number; startedAt: number };
/** Where an import's time went, in seconds: loading the files, building the rows, their indexes, statistics and totals, the swap. */
export type ImportPhases = { reading: number; rows: number; indexes: number; finishing: number; switching: number };
export type ImportResult = { importId: string; status: "succeeded" | "unchanged"; counts: Record<string, number>; seconds: number; phases?: ImportPhases };


type Options = {
  dir: string;
  dataset: { id: string; slug: string; version: string };
  actor?: { id: string; email: string; labId: string } | null;
  onProgress?: (p: ImportProgress) => void;
};

/**
 * Imports a MIMIC-CXR / MIMIC-CXR-JPG version directory into the dataset's explorer tables:
 * streams every file through COPY into session-private staging, builds new tables beside the
 * current ones, and swaps them in with one transaction. A failure at any point leaves the previous
 * import exactly as it was.
 */
export async function importMimicDirectory(opts: Options): Promise<ImportResult> {
  const project = opts.dataset.slug as Project;
  if (project !== "mimic-cxr" && project !== "mimic-cxr-jpg") throw new ImportError(`dataset ${opts.dataset.slug} is not MIMIC-CXR or MIMIC-CXR-JPG`);
  const dir = path.resolve(opts.dir);
  const started = performance.now();
  const progress: ImportProgress = { phase: "checking files", bytesDone: 0, bytesTotal: 0, rowsDone: 0, startedAt: Date.now() };
  const report = () => opts.onProgress?.({ ...progress });

  const client = new pg.Client({ connectionString: getEnv().DATABASE_URL });
  await client.connect();
  const db = drizzle(client, { schema });
  let importId: string | undefined;
  let tag: string | undefined;
  let locked = false;
  let side: pg.Client | null = null;
  let committed = false;
  let lastSaved = 0;
  let progressOpen = true;
  // Progress goes to the import's row from a second connection so the UI sees it mid-import.
  const progressPool = new pg.Pool({ connectionString: getEnv().DATABASE_URL, max: 1 });
  const saveProgress = async (force = false) => {
    report();
    if (!importId || !progressOpen || (!force && Date.now() - lastSaved < 500)) return;
    lastSaved = Date.now();
    await progressPool.query("UPDATE mimic_imports SET phase = $2, bytes_done = $3, bytes_total = $4, rows_done = $5 WHERE id = $1", [
      importId,
      progress.phase,
      progress.bytesDone,
      progress.bytesTotal,
      progress.rowsDone,
    ]);
  };
  const onBytes = (n: number) => {
    progress.bytesDone += n;
    void saveProgress().catch(() => {});
  };
  const onRows = (n: number) => {
    progress.rowsDone += n;
    void saveProgress().catch(() => {});
  };

  try {
    await client.query("SELECT pg_advisory_lock($1)", [IMPORT_LOCK]);
    locked = true;
    // Holding the lock, no other import is live: whatever a dead one left is cleaned up first.
    await recoverAbandonedImports(client);
    const plan = await inspectDirectory({ dir, project, version: opts.dataset.version });
    progress.bytesTotal = plan.bytesTotal;
    const [last] = await db
      .select({ fingerprint: mimicImports.fingerprint })
      .from(mimicImports)
      .where(and(eq(mimicImports.datasetId, opts.dataset.id), eq(mimicImports.status, "succeeded")))
      .orderBy(desc(mimicImports.finishedAt))
      .limit(1);
    const [row] = await db
      .insert(mimicImports)
      .values({ datasetId: opts.dataset.id, sourceDir: dir, status: last?.fingerprint === plan.fingerprint ? "unchanged" : "running", fingerprint: plan.fingerprint, startedBy: opts.actor?.id ?? null, startedAt: now(), bytesTotal: plan.bytesTotal })
      .returning({ id: mimicImports.id });
    importId = row!.id;
    if (last?.fingerprint === plan.fingerprint) {
      await db.update(mimicImports).set({ finishedAt: now(), phase: "unchanged" }).where(eq(mimicImports.id, importId));
      return { importId, status: "unchanged", counts: {}, seconds: (performance.now() - started) / 1000 };
    }

    const readingFrom = performance.now();
    await createStagingTables(client);
    const counts: Record<string, number> = {};
    for (const spec of plan.csv) {
      progress.phase = `reading ${spec.name}`;
      await saveProgress(true);
      counts[spec.kind] = (await loadCsv(client, { dir, spec, onBytes, onRows })).rows;
    }
    if (plan.reportsZip) {
      progress.phase = "reading mimic-cxr-reports.zip";
      await saveProgress(true);
      counts.reports = (await loadReports(client, { zipPath: path.join(dir, "mimic-cxr-reports.zip"), name: "mimic-cxr-reports.zip", onBytes, onRows })).rows;
    }
    if (plan.imageFilenames) counts.image_filenames = (await loadImageFilenames(client, { filePath: path.join(dir, "IMAGE_FILENAMES"), onBytes, onRows })).rows;
    progress.phase = "finding local images";
    await saveProgress(true);
    counts.local_images = (await loadLocalImages(client, { dir })).files;
    // Autovacuum never analyzes temporary tables; without statistics the joins below are planned
    // for a thousand rows instead of hundreds of thousands.
    await analyzeStagingTables(client);

    const reading = (performance.now() - readingFrom) / 1000;
    progress.phase = "building tables and indexes";
    await saveProgress(true);
    tag = `i${randomBytes(6).toString("hex")}`;
    const imageSource = counts.records ? "records" : counts.metadata ? "metadata" : "split";
    let built: BuiltPartitions;
    // Index builds run on this second connection while the main one fills the next table.
    side = new pg.Client({ connectionString: getEnv().DATABASE_URL });
    await side.connect();
    try {
      built = await buildPartitions(client, { datasetId: opts.dataset.id, tag, imageSource, side });
    } catch (e) {
      throw await findBadRow(client, e);
    }
    await side.end();
    side = null;
    const totals = await client.query<{ studies: string; images: string }>(
      `SELECT (SELECT count(*) FROM ${built.study}) AS studies, (SELECT count(*) FROM ${built.image}) AS images`,
    );
    counts.studies = Number(totals.rows[0]!.studies);
    counts.images = Number(totals.rows[0]!.images);

    const switchingFrom = performance.now();
    progress.phase = "switching to the new data";
    await saveProgress(true);
    progressOpen = false;
    const id = importId;
    const swapped = built;
    await retrySwap(() => db.transaction(async (tx) => {
      await lockForSwap(client, SWAP_LOCK_WAIT_MS);
      await swapPartitions(client, { datasetId: opts.dataset.id, next: swapped });
      await tx.update(mimicImports).set({ status: "succeeded", finishedAt: now(), phase: "done", counts, bytesDone: plan.bytesTotal, rowsDone: progress.rowsDone }).where(eq(mimicImports.id, id));
      await recordAudit(tx, {
        action: "dataset.import",
        labId: opts.actor?.labId ?? null,
        actor: opts.actor ?? null,
        target: { type: "dataset", id: opts.dataset.id },
        details: { slug: opts.dataset.slug, version: opts.dataset.version, dir, counts },
      });
    }));
    // From here the tables are the dataset's: a later throw must not drop them or fail the row.
    committed = true;
    // Compressed sizes are counted as read, so the bar can stop short of the total; done is done.
    progress.bytesDone = progress.bytesTotal;
    progress.phase = "done";
    report();
    const phases = { reading, rows: swapped.seconds.rows, indexes: swapped.seconds.indexes, finishing: swapped.seconds.finishing, switching: (performance.now() - switchingFrom) / 1000 };
    return { importId: id, status: "succeeded", counts, seconds: (performance.now() - started) / 1000, phases };
  } catch (e) {
    progressOpen = false;
    if (committed) throw e;
    const error = e instanceof ImportError ? e : new ImportError(e instanceof Error ? e.message : String(e));
    if (importId) {
      await progressPool
        .query("UPDATE mimic_imports SET status = 'failed', finished_at = $2, error = $3, phase = 'failed' WHERE id = $1", [importId, now(), error.message])
        .catch(() => {});
    }
    // Nothing of a failed import stays: its tables (built or half-built) and the view names it added.
    // Only while the lock is still held; otherwise the next import's start does it.
    if (locked && tag) {
      await client.query(`DROP TABLE IF EXISTS mimic_image_${tag}, mimic_study_${tag}, mimic_facet_${tag}`).catch(() => {});
      await dropUnusedViews(client).catch(() => {});
    }
    throw error;
  } finally {
    await side?.end().catch(() => {});
    await client.end().catch(() => {});
    await progressPool.end().catch(() => {});
  }
}

// One try at the swap waits this long for the tables' readers, then lets them (and the readers
// queued behind the swap) go on for a moment before the next try; all tries together at most
// a give-up time, after which the import fails with a message saying why.
const SWAP_LOCK_WAIT_MS = 2_000;
const SWAP_PAUSE_MS = 1_000;
// (LABGATE_IMPORT_SWAP_GIVE_UP_MS, 15 minutes unless set).
const swapGiveUpMs = () => Number(process.env.LABGATE_IMPORT_SWAP_GIVE_UP_MS ?? 15 * 60_000);

async function retrySwap(swap: () => Promise<void>): Promise<void> {
  const giveUpMs = swapGiveUpMs();
  const until = Date.now() + giveUpMs;
  for (;;) {
    try {
      return await swap();
    } catch (e) {
      const err = e as { code?: string; cause?: { code?: string } };
      if ((err.code ?? err.cause?.code) !== "55P03") throw e;
      if (Date.now() + SWAP_PAUSE_MS >= until) {
        throw new ImportError(
          `The new data is built, but the switch to it waited ${giveUpMs >= 120_000 ? `${Math.round(giveUpMs / 60_000)} minutes` : `${Math.round(giveUpMs / 1000)} seconds`} for readers of the explorer tables to finish (a cohort manifest or export still being downloaded). Nothing was changed: run the import again when they have finished.`,
        );
      }
      await new Promise((r) => setTimeout(r, SWAP_PAUSE_MS));
    }
  }
}

/** Looks a dataset version up by slug and version (the CLI's and UI's way of naming it). */
export async function findDataset(opts: { slug: string; version: string }) {
  const { getDb } = await import("@/lib/db/client");
  const rows = await getDb().execute<{ id: string; slug: string; version: string }>(
    sql`select id, slug, version from datasets where slug = ${opts.slug} and version = ${opts.version}`,
  );
  return rows.rows[0] ?? null;
}
