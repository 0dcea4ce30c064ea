import "server-only";
import { sql } from "drizzle-orm";
import { dicomInstances } from "@/db/schema";
import { getDb } from "@/lib/db/client";
import { describeThrown } from "@/lib/dicom/errors";
import { eachLimited } from "@/lib/each-limited";
import { log } from "@/lib/log/logger";
import { firstText, toDicomJson } from "./dicom-json";
import { readStoredHeader } from "./read-header";

const BATCH = 500;
const LANES = 4;
// After a full check, a request looks only at files stored since the last check (an index range
// scan, not an anti-join over the whole copy). stored_at is the storing statement's transaction
// start (one short statement per batch, lib/downloads/claims.ts), so a minute back covers
// transactions still open at the last check; a full check runs again every hour and at each process
// start, whatever the window missed.
const WINDOW_MARGIN_MS = 60_000;
const FULL_CHECK_EVERY_MS = 60 * 60_000;
const checked = new Map<string, { since: Date; fullAt: number }>();

// One indexing run per lab copy per process: parallel requests wait for the same run instead of all
// reading the same headers. Other processes may index the same files; the upsert makes that harmless.
const running = new Map<string, Promise<void>>();

/**
 * Makes sure every DICOM file in this lab's copy of the dataset version has its header in the index
 * (dicom_instances), reading the ones that are new or were stored again with other bytes, so files
 * that arrive in lab storage are searchable on the next request.
 */
export function ensureIndexed(opts: { labId: string; datasetId: string }): Promise<void> {
  const key = `${opts.labId}/${opts.datasetId}`;
  let run = running.get(key);
  if (!run) {
    run = indexMissing(opts).finally(() => running.delete(key));
    running.set(key, run);
  }
  return run;
}

type Pending = { path: string; storage_key: string; size: string | number; sha256: string };

async function indexMissing(opts: { labId: string; datasetId: string }): Promise<void> {
  const key = `${opts.labId}/${opts.datasetId}`;
  const state = checked.get(key);
  const full = !state || Date.now() - state.fullAt > FULL_CHECK_EVERY_MS;
  const started = (await getDb().execute<{ now: Date }>(sql`select now() as now`)).rows[0]!.now;
  await indexPending(opts, full ? null : state.since);
  checked.set(key, { since: new Date(new Date(started).getTime() - WINDOW_MARGIN_MS), fullAt: full ? Date.now() : state.fullAt });
}

async function indexPending(opts: { labId: string; datasetId: string }, since: Date | null): Promise<void> {
  for (;;) {
    const r = await getDb().execute<Pending>(sql`
      select s.path, s.storage_key, s.size, s.sha256 from stored_files s
      left join dicom_instances d on d.lab_id = s.lab_id and d.dataset_id = s.dataset_id and d.path = s.path
      where s.lab_id = ${opts.labId} and s.dataset_id = ${opts.datasetId} and s.path like '%.dcm'
        ${since ? sql`and s.stored_at >= ${since}` : sql``}
        and (d.path is null or d.sha256 <> s.sha256)
      order by s.path limit ${BATCH}`);
    if (r.rows.length === 0) return;
    await eachLimited(r.rows.length, LANES, (i) => indexOne(opts, r.rows[i]!));
    if (r.rows.length < BATCH) return;
  }
}

async function indexOne(opts: { labId: string; datasetId: string }, file: Pending): Promise<void> {
  let row: Omit<typeof dicomInstances.$inferInsert, "labId" | "datasetId" | "path" | "sha256">;
  try {
    const header = await readStoredHeader({ storageKey: file.storage_key, size: Number(file.size) });
    if (!header) throw new Error("the file is listed but missing from lab storage");
    const attrs = toDicomJson(header.dataSet, { dictionary: header.dictionary, binary: "omit" });
    const studyUid = firstText(attrs, "0020000D");
    const seriesUid = firstText(attrs, "0020000E");
    const sopUid = firstText(attrs, "00080018") ?? header.dataSet.string("x00020003") ?? null;
    if (!studyUid || !seriesUid || !sopUid) throw new Error("the header has no Study, Series or SOP Instance UID");
    row = {
      studyUid,
      seriesUid,
      sopUid,
      patientId: firstText(attrs, "00100020"),
      studyDate: firstText(attrs, "00080020"),
      modality: firstText(attrs, "00080060"),
      transferSyntax: header.dataSet.string("x00020010") ?? null,
      attrs,
      error: null,
    };
  } catch (e) {
    const error = describeThrown(e).split("\n")[0]!.slice(0, 300);
    log().warn({ path: file.path, error }, "dicomweb: a stored DICOM file's header could not be indexed");
    row = { studyUid: null, seriesUid: null, sopUid: null, patientId: null, studyDate: null, modality: null, transferSyntax: null, attrs: {}, error };
  }
  const values = { labId: opts.labId, datasetId: opts.datasetId, path: file.path, sha256: file.sha256, ...row, indexedAt: new Date() };
  await getDb()
    .insert(dicomInstances)
    .values(values)
    .onConflictDoUpdate({ target: [dicomInstances.labId, dicomInstances.datasetId, dicomInstances.path], set: { ...row, sha256: file.sha256, indexedAt: values.indexedAt } })
    // The stored file was removed while its header was read: nothing to index.
    .catch((e: unknown) => {
      if ((e as { cause?: { code?: string }; code?: string }).cause?.code === "23503" || (e as { code?: string }).code === "23503") return;
      throw e;
    });
}
