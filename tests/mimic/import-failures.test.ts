// The importer at its edges: the README's `npm run import -- <dir>` run as written, a zip bomb and an
// oversized report refused without the memory to hold them, a failed import that leaves nothing
// behind, and an import process killed with SIGKILL whose "running" row is recovered.
import { spawn, type ChildProcess } from "node:child_process";
import { once } from "node:events";
import { createWriteStream, mkdirSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { createDeflateRaw, gunzipSync, gzipSync } from "node:zlib";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { getDb } from "@/lib/db/client";
import { createLab, createUser } from "@/lib/factories";
import { findDataset, importMimicDirectory } from "@/lib/mimic/import/import-directory";
import { latestImport, startImport } from "@/lib/mimic/import-jobs/import-jobs";
import { MAX_REPORT_BYTES } from "@/lib/mimic/import/load-files";
import { ABANDONED_MESSAGE, recoverAbandonedImportsIfIdle } from "@/lib/mimic/import/recover";
import { isolatedDatabaseForFile } from "../support/isolated-database";
import { miniCxrFiles, miniJpgFiles, miniStudies, writeMini, type MiniFiles } from "./mini-mimic";

// Its own database: the kill test holds a table lock every import needs, and the checks below look
// at every leftover table and view name.
const db = isolatedDatabaseForFile();
let pool: pg.Pool;
let root: string;
beforeAll(() => {
  pool = new pg.Pool({ connectionString: db.url(), max: 3 });
  root = mkdtempSync(path.join(tmpdir(), "labgate-import-failures-"));
});
afterAll(async () => {
  await pool.end();
  rmSync(root, { recursive: true, force: true });
});

async function dataset(slug: string, version: string) {
  const d = await findDataset({ slug, version });
  if (!d) throw new Error(`reference dataset ${slug} ${version} missing`);
  return d;
}
const q = async <T extends pg.QueryResultRow>(text: string, values: unknown[] = []) => (await pool.query<T>(text, values)).rows;
const studyCount = async (datasetId: string) => Number((await q<{ n: string }>("select count(*) as n from mimic_study where dataset_id = $1", [datasetId]))[0]!.n);
const leftoverTables = async () => (await q<{ relname: string }>("select relname from pg_class where relkind = 'r' and relname ~ '^mimic_(image|study|facet)_i[0-9a-f]{12}$' and not relispartition")).map((r) => r.relname);
const viewNames = async () => (await q<{ code: number; name: string }>("select code, name from mimic_view order by code")).map((r) => r.name);
const importRow = async (id: string) => (await q<{ status: string; error: string | null }>("select status, error from mimic_imports where id = $1", [id]))[0]!;

/** The JPG mini files with one image's view position renamed (a name the lab has not seen). */
function jpgWithView(view: string, change: MiniFiles = {}): MiniFiles {
  const files = miniJpgFiles();
  const meta = gunzipSync(files["mimic-cxr-2.0.0-metadata.csv.gz"]!).toString("utf8").replace(",LATERAL,", `,${view},`);
  return { ...files, "mimic-cxr-2.0.0-metadata.csv.gz": gzipSync(meta), ...change };
}

/** `npm run import -- <dir>` exactly as the README shows it, in its own process group (so kill -9 reaches node). */
function npmImport(dir: string): { child: ChildProcess; done: Promise<{ code: number | null; signal: string | null; out: string }> } {
  const child = spawn("npm", ["run", "import", "--", dir], { env: { ...process.env, DATABASE_URL: db.url() }, detached: true });
  let out = "";
  child.stdout!.on("data", (d) => (out += String(d)));
  child.stderr!.on("data", (d) => (out += String(d)));
  const done = once(child, "exit").then(([code, signal]) => ({ code: code as number | null, signal: signal as string | null, out }));
  return { child, done };
}

/** `bytes` zero bytes deflated as a stream (never in memory): 1 GiB makes ~1 MB. */
async function deflatedZeros(file: string, bytes: number): Promise<Buffer> {
  const zeros = Buffer.alloc(1 << 20);
  await pipeline(
    Readable.from((function* () {
      for (let left = bytes; left > 0; left -= zeros.length) yield left >= zeros.length ? zeros : zeros.subarray(0, left);
    })()),
    createDeflateRaw(),
    createWriteStream(file),
  );
  return readFileSync(file);
}

/** A zip with one report entry of `compressed` whose sizes say `declared` bytes (a bomb lies). */
function oneEntryZip(compressed: Buffer, declared: number): Buffer {
  const name = Buffer.from("files/p10/p10000032/s50414267.txt");
  const local = Buffer.alloc(30);
  local.writeUInt32LE(0x04034b50, 0);
  local.writeUInt16LE(20, 4);
  local.writeUInt16LE(8, 8);
  local.writeUInt32LE(compressed.length, 18);
  local.writeUInt32LE(declared, 22);
  local.writeUInt16LE(name.length, 26);
  const central = Buffer.alloc(46);
  central.writeUInt32LE(0x02014b50, 0);
  central.writeUInt16LE(20, 4);
  central.writeUInt16LE(20, 6);
  central.writeUInt16LE(8, 10);
  central.writeUInt32LE(compressed.length, 20);
  central.writeUInt32LE(declared, 24);
  central.writeUInt16LE(name.length, 28);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(1, 8);
  end.writeUInt16LE(1, 10);
  end.writeUInt32LE(46 + name.length, 12);
  end.writeUInt32LE(30 + name.length + compressed.length, 16);
  return Buffer.concat([local, name, compressed, central, name, end]);
}

describe("npm run import", { timeout: 180_000 }, () => {
  it("imports a MIMIC-CXR version directory with the README's command", async () => {
    expect(readFileSync("README.md", "utf8")).toContain("`npm run import -- <dir>`");
    const ds = await dataset("mimic-cxr", "2.0.0");
    const dir = writeMini(path.join(root, "cli", "mimic-cxr", "2.0.0"), await miniCxrFiles());
    const { done } = npmImport(dir);
    const r = await done;
    expect(r.out).toMatch(/labgate import: mimic-cxr 2\.0\.0 imported in [\d.]+ s .*reports 12/);
    expect(r.code).toBe(0);
    expect(await studyCount(ds.id)).toBe(12);
    const report = await q<{ report: string }>("select report from mimic_study where dataset_id = $1 and study_id = $2", [ds.id, miniStudies()[1]!.study]);
    expect(report[0]!.report).toBe(miniStudies()[1]!.report);
  });
});

describe("an import that fails", { timeout: 120_000 }, () => {
  it("refuses a 1 GiB zip bomb entry and a report over 1 MiB without holding them, marks the import failed, and the next import runs", async () => {
    const ds = await dataset("mimic-cxr", "2.1.0");
    const base = await miniCxrFiles();
    delete base["mimic-cxr-reports.zip"];
    const rss = process.memoryUsage().rss;
    const gib = await deflatedZeros(path.join(root, "gib.deflate"), 1 << 30);
    const overMib = await deflatedZeros(path.join(root, "mib.deflate"), MAX_REPORT_BYTES + 1);
    const cases: [string, Buffer, RegExp][] = [
      // The central directory lies (1,000 bytes): inflation stops at the bound.
      ["lying bomb", oneEntryZip(gib, 1000), /mimic-cxr-reports\.zip: files\/p10\/p10000032\/s50414267\.txt inflates past 1,048,576 bytes \(its directory says 1,000\), more than the 1,048,576 bytes an entry may have; refused/],
      // An honest 1 GiB entry: refused from its size before anything is inflated.
      ["honest bomb", oneEntryZip(gib, 1 << 30), /s50414267\.txt is 1,073,741,824 bytes, more than the 1,048,576 bytes an entry may have; refused/],
      ["report of 1 MiB + 1", oneEntryZip(overMib, MAX_REPORT_BYTES + 1), /s50414267\.txt is 1,048,577 bytes, more than the 1,048,576 bytes/],
    ];
    for (const [name, zip, message] of cases) {
      const dir = writeMini(path.join(root, `bomb-${name.replace(/\W/g, "-")}`), { ...base, "mimic-cxr-reports.zip": zip }, { sums: false });
      await expect(importMimicDirectory({ dir, dataset: ds }), name).rejects.toThrow(message);
      const [row] = await q<{ status: string; error: string }>("select status, error from mimic_imports where dataset_id = $1 order by started_at desc limit 1", [ds.id]);
      expect(row, name).toMatchObject({ status: "failed", error: expect.stringMatching(message) });
    }
    // Before: ERR_STRING_TOO_LONG after ~2.2 GB of RSS. A bomb never gets past 1 MiB of output here.
    expect(process.memoryUsage().rss - rss).toBeLessThan(256 << 20);
    // The lock was let go and nothing blocks the next import of the dataset.
    const good = writeMini(path.join(root, "after-bomb"), await miniCxrFiles(), { sums: false });
    expect((await importMimicDirectory({ dir: good, dataset: ds })).status).toBe("succeeded");
  });

  it("leaves no tables and no view names behind, and the previous data as it was", async () => {
    const ds = await dataset("mimic-cxr-jpg", "2.0.0");
    const first = writeMini(path.join(root, "views-good"), jpgWithView("GOOD-VIEW"), { sums: false });
    expect((await importMimicDirectory({ dir: first, dataset: ds })).status).toBe("succeeded");
    const views = await viewNames();
    expect(views).toContain("GOOD-VIEW");
    // A bad label value fails the build after the new view name was added and the tables were made.
    const negbio = gunzipSync(miniJpgFiles()["mimic-cxr-2.0.0-negbio.csv.gz"]!).toString("utf8").split("\n");
    negbio[2] = negbio[2]!.replace(/^(\d+,\d+,)[^,]*/, "$12.0");
    const bad = writeMini(path.join(root, "views-bad"), jpgWithView("FAILED-VIEW", { "mimic-cxr-2.0.0-negbio.csv.gz": gzipSync(negbio.join("\n")) }), { sums: false });
    await expect(importMimicDirectory({ dir: bad, dataset: ds })).rejects.toThrow(/negbio\.csv\.gz line 3: Atelectasis is "2\.0"/);
    expect(await viewNames()).toEqual(views);
    expect(await leftoverTables()).toEqual([]);
    expect(await studyCount(ds.id)).toBe(12);
    // The next new name takes the next code: failed imports do not use codes up (they are bit positions).
    const next = writeMini(path.join(root, "views-next"), jpgWithView("NEXT-VIEW"), { sums: false });
    expect((await importMimicDirectory({ dir: next, dataset: ds })).status).toBe("succeeded");
    const codes = await q<{ code: number; name: string }>("select code, name from mimic_view order by code");
    expect(codes.map((c) => c.code)).toEqual(codes.map((_, i) => i + 1));
    expect(codes.at(-1)!.name).toBe("NEXT-VIEW");
  });
});

describe("an import whose switch meets a reader that does not let go", { timeout: 120_000 }, () => {
  it("lets other readers through while it waits, switches once the reader is done, and gives up with a clear message when it never is", async () => {
    const ds = await dataset("mimic-cxr-jpg", "2.0.0");
    const first = writeMini(path.join(root, "swap-first"), jpgWithView("SWAP-FIRST"), { sums: false });
    expect((await importMimicDirectory({ dir: first, dataset: ds })).status).toBe("succeeded");
    // A reader holding the explorer's tables, as a cohort manifest's one COPY does while its client reads.
    const reader = new pg.Client({ connectionString: db.url() });
    await reader.connect();
    const hold = async () => {
      await reader.query("begin");
      await reader.query("select count(*) from mimic_image where dataset_id = $1", [ds.id]);
    };
    try {
      await hold();
      const phases: string[] = [];
      let settled = false;
      const next = writeMini(path.join(root, "swap-next"), jpgWithView("SWAP-NEXT"), { sums: false });
      const importing = importMimicDirectory({ dir: next, dataset: ds, onProgress: (p) => phases.push(p.phase) }).finally(() => (settled = true));
      while (!phases.includes("switching to the new data")) await new Promise((r) => setTimeout(r, 50));
      // The swap's lock requests come and go; the explorer's other readers are served in between
      // (with an unbounded wait they would queue behind the swap until the first reader let go).
      for (let i = 0; i < 4; i++) {
        expect(await studyCount(ds.id)).toBe(12);
        await new Promise((r) => setTimeout(r, 700));
      }
      expect(settled).toBe(false);
      await reader.query("commit");
      expect((await importing).status).toBe("succeeded");
      expect(await viewNames()).toContain("SWAP-NEXT");

      // A reader that never lets go: the import gives up, says why, and changes nothing.
      process.env.LABGATE_IMPORT_SWAP_GIVE_UP_MS = "4000";
      await hold();
      const never = writeMini(path.join(root, "swap-never"), jpgWithView("SWAP-NEVER"), { sums: false });
      const message = /the switch to it waited 4 seconds for readers of the explorer tables to finish .*Nothing was changed/;
      await expect(importMimicDirectory({ dir: never, dataset: ds })).rejects.toThrow(message);
      const [row] = await q<{ status: string; error: string }>("select status, error from mimic_imports where dataset_id = $1 order by started_at desc limit 1", [ds.id]);
      expect(row).toMatchObject({ status: "failed", error: expect.stringMatching(message) });
      await reader.query("rollback");
      expect(await viewNames()).not.toContain("SWAP-NEVER");
      expect(await leftoverTables()).toEqual([]);
      expect(await studyCount(ds.id)).toBe(12);
    } finally {
      delete process.env.LABGATE_IMPORT_SWAP_GIVE_UP_MS;
      await reader.end();
    }
  });
});

describe("an import process killed with SIGKILL", { timeout: 180_000 }, () => {
  it("keeps its row running while its session lives, then is marked failed and its tables and view names dropped", async () => {
    const ds = await dataset("mimic-cxr-jpg", "2.1.0");
    const before = writeMini(path.join(root, "kill-before", "mimic-cxr-jpg", "2.1.0"), miniJpgFiles(), { sums: false });
    expect((await importMimicDirectory({ dir: before, dataset: ds })).status).toBe("succeeded");
    const views = await viewNames();
    const dir = writeMini(path.join(root, "kill", "mimic-cxr-jpg", "2.1.0"), jpgWithView("KILLED-VIEW"), { sums: false });
    mkdirSync(dir, { recursive: true });

    // The swap waits for this lock, so the import is caught after it built its tables and named its views.
    const holder = await pool.connect();
    let run: ReturnType<typeof npmImport> | undefined;
    try {
      await holder.query("BEGIN");
      await holder.query("LOCK TABLE mimic_facet_totals IN ACCESS EXCLUSIVE MODE");
      run = npmImport(dir);
      let id: string | undefined;
      for (let i = 0; i < 600 && !id; i++) {
        const waiting = await q<{ id: string }>(
          `select i.id from mimic_imports i where i.dataset_id = $1 and i.status = 'running' and i.phase = 'switching to the new data'
             and exists (select 1 from pg_stat_activity a where a.datname = current_database() and a.wait_event_type = 'Lock' and a.query like 'DELETE FROM mimic_facet_totals%')`,
          [ds.id],
        );
        id = waiting[0]?.id;
        if (!id) await new Promise((r) => setTimeout(r, 100));
      }
      expect(id, "the import never reached its swap").toBeDefined();
      expect(await viewNames()).toContain("KILLED-VIEW");
      process.kill(-run.child.pid!, "SIGKILL");
      expect((await run.done).signal).toBe("SIGKILL");

      // Its session still holds the import lock (PostgreSQL notices the dead client once the lock
      // wait ends): recovery must not touch it yet.
      expect(await recoverAbandonedImportsIfIdle(db.url())).toBeNull();
      expect((await importRow(id!)).status).toBe("running");
      await holder.query("COMMIT");

      let recovered: { imports: string[] } | null = null;
      for (let i = 0; i < 100 && !recovered; i++) {
        recovered = await recoverAbandonedImportsIfIdle(db.url());
        if (!recovered) await new Promise((r) => setTimeout(r, 100));
      }
      expect(recovered?.imports).toEqual([id]);
      expect(await importRow(id!)).toEqual({ status: "failed", error: ABANDONED_MESSAGE });
      expect(await leftoverTables()).toEqual([]);
      expect(await viewNames()).toEqual(views);
      expect(await studyCount(ds.id)).toBe(12);
    } finally {
      await holder.query("ROLLBACK").catch(() => {});
      holder.release();
      if (run && run.child.exitCode === null && run.child.signalCode === null) process.kill(-run.child.pid!, "SIGKILL");
    }
    // And the next import of the dataset runs.
    expect((await importMimicDirectory({ dir, dataset: ds })).status).toBe("succeeded");
    expect(await viewNames()).toContain("KILLED-VIEW");
  });
});

describe("a web import after a dead one", { timeout: 120_000 }, () => {
  it("is not refused by the row the dead import left running: that row becomes failed and the new import runs", async () => {
    const ds = await dataset("mimic-cxr", "2.0.0");
    const lab = await createLab(getDb());
    const steward = await createUser(getDb(), { labId: lab.id, role: "steward" });
    // What a crashed process leaves: a running row and no session holding the import lock.
    const [dead] = await q<{ id: string }>("insert into mimic_imports (dataset_id, source_dir, status, phase) values ($1, '/gone', 'running', 'reading mimic-cxr-reports.zip') returning id", [ds.id]);
    const dir = writeMini(path.join(root, "web"), await miniCxrFiles(miniStudies().slice(0, 5)), { sums: false });
    await startImport({ user: { id: steward.id, email: steward.email, name: steward.name, role: "steward", labId: lab.id }, dataset: { ...ds, title: "MIMIC-CXR", duaName: "PhysioNet", duaVersion: "1.5.0" }, dir });
    expect(await importRow(dead!.id)).toEqual({ status: "failed", error: ABANDONED_MESSAGE });
    let latest = await latestImport(ds.id);
    for (let i = 0; i < 300 && latest?.status === "running"; i++) {
      await new Promise((r) => setTimeout(r, 100));
      latest = await latestImport(ds.id);
    }
    expect(latest).toMatchObject({ status: "succeeded", counts: expect.objectContaining({ reports: 5 }) });
  });
});
