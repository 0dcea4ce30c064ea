import { spawn } from "node:child_process";
import { createHash } from "node:crypto";
import { readFile } from "node:fs/promises";
import { Writable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { sql } from "drizzle-orm";
import pg from "pg";
import { to as copyTo } from "pg-copy-streams";
import { labDatasets, mimicCohorts } from "@/db/schema";
import { createApiToken } from "@/lib/api-tokens/create-token";
import { manifestCellsSql } from "@/lib/api/cohort-manifest";
import { MANIFEST_COLUMNS } from "@/lib/api/schemas";
import { getDb } from "@/lib/db/client";
import { createLab, createUser, credentialMember } from "@/lib/factories";
import { findDataset, importMimicDirectory } from "@/lib/mimic/import/import-directory";
import { LABELS } from "@/lib/mimic/import/file-specs";
import { ensureAppRole } from "@/scripts/lib/app-role";
import { round, type Measure } from "../harness";
import { syntheticVersionDir } from "../support/synthetic-dir";
import { FULL_STUDIES } from "./mimic-import";

const ROUNDS = Number(process.env.BENCH_MANIFEST_ROUNDS ?? 3);
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

async function kib(pid: number, field: "VmHWM" | "VmRSS"): Promise<number> {
  return Number(new RegExp(`${field}:\\s+(\\d+) kB`).exec(await readFile(`/proc/${pid}/status`, "utf8"))?.[1] ?? 0);
}

/** Counts bytes and lines of a stream, and hashes it, without keeping it. */
function counter() {
  let bytes = 0;
  let lines = 0;
  const hash = createHash("sha256");
  const sink = new Writable({
    write(chunk: Buffer, _enc, done) {
      bytes += chunk.length;
      hash.update(chunk);
      for (let i = chunk.indexOf(10); i !== -1; i = chunk.indexOf(10, i + 1)) lines++;
      done();
    },
  });
  return { sink, result: () => ({ bytes, lines }), sha256: () => hash.digest("hex") };
}

/**
 * The full-scale cohort manifest (every image of MIMIC-CXR-JPG's 227,835 studies, 377k rows, each
 * with the lab's size and SHA-256: the whole version is in lab storage) streamed by the /api/v1
 * route with a personal access token over loopback HTTP, vs PostgreSQL's own `COPY (SELECT …) TO
 * STDOUT` of the same rows and bytes (CSV read by the same process; the SHA-256s are compared every
 * round), and for the record the same rows unformatted. Medians of interleaved rounds; the serving
 * process's resident memory sampled while it streams.
 */
export const apiManifest: Measure = {
  name: "api.manifest",
  description: "full-scale cohort manifest (377k rows) streamed over HTTP with a token (the /api/v1 route handler under node:http) vs COPY (SELECT …) TO STDOUT of the same rows and bytes (checked); serving process RSS",
  async run({ databaseUrl, log }) {
    const dir = await syntheticVersionDir({ project: "mimic-cxr-jpg", version: "2.0.0", studies: FULL_STUDIES, log });
    const dataset = await findDataset({ slug: "mimic-cxr-jpg", version: "2.0.0" });
    if (!dataset) throw new Error("bench: reference dataset mimic-cxr-jpg 2.0.0 missing");
    await importMimicDirectory({ dir, dataset }); // a no-op when import.full already loaded it
    const db = getDb();
    const lab = await createLab(db);
    await db.insert(labDatasets).values({ labId: lab.id, datasetId: dataset.id });
    const steward = await createUser(db, { labId: lab.id, role: "steward" });
    const member = await createUser(db, { labId: lab.id, role: "member" });
    await credentialMember(db, { labId: lab.id, userId: member.id, stewardId: steward.id, datasetIds: [dataset.id] });
    // After a full download: every image verified in this lab's storage.
    await db.execute(sql`
      insert into stored_files (lab_id, dataset_id, path, storage_key, size, sha256, stored_at)
      select ${lab.id}, dataset_id, path, 'downloads/mimic-cxr-jpg/2.0.0/' || path, 500000 + length(path), encode(sha256(convert_to(path, 'UTF8')), 'hex'), now()
      from mimic_image where dataset_id = ${dataset.id}`);
    const [cohort] = await db.insert(mimicCohorts).values({ labId: lab.id, datasetId: dataset.id, name: "everything", query: "", studyCount: FULL_STUDIES, createdBy: member.id }).returning({ id: mimicCohorts.id });
    const actor = { id: member.id, email: member.email, name: member.name, role: "member" as const, labId: lab.id };
    const { token } = await createApiToken({ actor, input: { name: "bench", expiresInDays: 1, datasetIds: [] }, ip: null });

    const appUrl = await ensureAppRole(databaseUrl);
    const server = spawn(process.execPath, ["--import", "./bench/support/server-only-hook.mjs", "--import", "tsx", "bench/support/manifest-server.ts"], {
      env: { ...process.env, DATABASE_URL: appUrl, LABGATE_LOG_LEVEL: "warn" },
      stdio: ["ignore", "pipe", "inherit"],
    });
    const port = await new Promise<number>((resolve, reject) => {
      let out = "";
      server.stdout!.on("data", (c: Buffer) => {
        out += c.toString();
        const m = /listening (\d+)/.exec(out);
        if (m) resolve(Number(m[1]));
      });
      server.once("exit", (code) => reject(new Error(`bench: the manifest server exited (${code}): ${out}`)));
    });
    const url = `http://127.0.0.1:${port}/api/v1/datasets/mimic-cxr-jpg/2.0.0/cohorts/${cohort!.id}/manifest`;
    // The baseline writes the same bytes (checked below) from the plainest query: every image of the
    // version joined to its study and the lab's stored file, no cohort filter, no access rule, no HTTP.
    // Its cells are the route's own expressions (the safe-CSV rule, labels as 1.0/0.0/-1.0), named
    // as the manifest's columns so COPY's HEADER is the route's header line.
    const from = `from mimic_image i
        join mimic_study d on d.dataset_id = i.dataset_id and d.study_id = i.study_id
        left join stored_files f on f.lab_id = '${lab.id}' and f.dataset_id = i.dataset_id and f.path = i.path
        where i.dataset_id = '${dataset.id}'
        order by i.study_id, i.dicom_id`;
    const cells = manifestCellsSql().map((c, i) => `${c} as "${MANIFEST_COLUMNS[i]}"`);
    const copySql = `select ${cells.join(", ")} ${from}`;
    // For the record, the same rows with the values as stored (labels 1/0/-1, no safe-CSV rule):
    // what the baseline was before it had to write the manifest's bytes.
    const labels = (col: string) => LABELS.map((_, i) => `${col}[${i + 1}]`);
    const unformattedSql = `select i.path, f.size, f.sha256, (f.sha256 is not null)::int, i.dicom_id, i.subject_id, i.study_id, to_char(d.study_date, 'YYYY-MM-DD'), i.split, i.view_position,
          ${[...labels("d.chexpert"), ...labels("d.negbio")].join(", ")} ${from}`;
    const client = new pg.Client({ connectionString: databaseUrl });
    await client.connect();
    const t = { http: [] as number[], copy: [] as number[], unformatted: [] as number[] };
    const rows = { http: 0, copy: 0 };
    const bytes = { http: 0, copy: 0, unformatted: 0 };
    let peakRssKib = 0;
    try {
      const idleKib = await kib(server.pid!, "VmRSS");
      for (let r = 1; r <= ROUNDS; r++) {
        // COPY: the database writing the same rows as CSV, nothing else.
        const c = counter();
        let t0 = performance.now();
        await pipeline(client.query(copyTo(`COPY (${copySql}) TO STDOUT WITH (FORMAT csv, HEADER)`)), c.sink);
        t.copy.push((performance.now() - t0) / 1000);
        rows.copy = c.result().lines - 1;
        bytes.copy = c.result().bytes;
        const copySha = c.sha256();

        const h = counter();
        const sampler = setInterval(() => void kib(server.pid!, "VmRSS").then((k) => (peakRssKib = Math.max(peakRssKib, k))).catch(() => {}), 50);
        t0 = performance.now();
        const res = await fetch(url, { headers: { authorization: `Bearer ${token}` } });
        if (res.status !== 200 || !res.body) throw new Error(`bench: the manifest answered ${res.status}: ${await res.text()}`);
        await pipeline(res.body as unknown as NodeJS.ReadableStream, h.sink);
        t.http.push((performance.now() - t0) / 1000);
        clearInterval(sampler);
        rows.http = h.result().lines - 1;
        bytes.http = h.result().bytes;
        if (h.sha256() !== copySha) throw new Error(`bench: the manifest's bytes differ from the baseline COPY's (${bytes.http} vs ${bytes.copy} bytes)`);

        const u = counter();
        t0 = performance.now();
        await pipeline(client.query(copyTo(`COPY (${unformattedSql}) TO STDOUT WITH (FORMAT csv, HEADER)`)), u.sink);
        t.unformatted.push((performance.now() - t0) / 1000);
        bytes.unformatted = u.result().bytes;
        log(`round ${r}: HTTP ${round(t.http.at(-1)!)} s (${rows.http} rows, ${round(bytes.http / 1048576)} MiB), COPY ${round(t.copy.at(-1)!)} s (${rows.copy} rows, ${round(bytes.copy / 1048576)} MiB, same bytes), unformatted COPY ${round(t.unformatted.at(-1)!)} s, server RSS peak so far ${round(peakRssKib / 1024)} MiB`);
      }
      if (rows.http !== rows.copy) throw new Error(`bench: the manifest has ${rows.http} rows, COPY ${rows.copy}`);
      const hwm = await kib(server.pid!, "VmHWM");
      return {
        ratio: round(median(t.http) / median(t.copy)),
        seconds: round(median(t.http)),
        copy_seconds: round(median(t.copy)),
        rows: rows.http,
        mib: round(bytes.http / 1048576),
        copy_mib: round(bytes.copy / 1048576),
        ratio_vs_unformatted: round(median(t.http) / median(t.unformatted)),
        unformatted_copy_seconds: round(median(t.unformatted)),
        unformatted_mib: round(bytes.unformatted / 1048576),
        rss_peak_mb: round(peakRssKib / 1024),
        rss_hwm_mb: round(hwm / 1024),
        rss_idle_mb: round(idleKib / 1024),
        rounds: ROUNDS,
      };
    } finally {
      await client.end();
      server.kill("SIGTERM");
    }
  },
};
