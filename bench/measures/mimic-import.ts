import { createReadStream } from "node:fs";
import { readdir } from "node:fs/promises";
import path from "node:path";
import { pipeline } from "node:stream/promises";
import { createGunzip } from "node:zlib";
import pg from "pg";
import { from as copyFrom } from "pg-copy-streams";
import { CSV_FILES } from "@/lib/mimic/import/file-specs";
import { findDataset, importMimicDirectory } from "@/lib/mimic/import/import-directory";
import { round, type Measure } from "../harness";
import { syntheticVersionDir } from "../support/synthetic-dir";

export const FULL_STUDIES = 227_835;

/**
 * Baseline: the same decompressed CSV rows COPYed into unindexed all-text tables, nothing else —
 * the least work that gets these bytes into PostgreSQL.
 */
async function rawCopy(databaseUrl: string, dir: string): Promise<number> {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    const present = new Set(await readdir(dir));
    const files = CSV_FILES.filter((f) => present.has(f.name));
    const t0 = performance.now();
    for (const [i, f] of files.entries()) {
      const table = `bench_raw_${i}`;
      await client.query(`drop table if exists ${table}`);
      await client.query(`create table ${table} (${f.header.map((_, j) => `c${j} text`).join(", ")})`);
      const source = createReadStream(path.join(dir, f.name));
      const copy = client.query(copyFrom(`copy ${table} from stdin with (format csv, header true)`));
      await (f.name.endsWith(".gz") ? pipeline(source, createGunzip(), copy) : pipeline(source, copy));
    }
    const ms = performance.now() - t0;
    for (const [i] of files.entries()) await client.query(`drop table if exists bench_raw_${i}`);
    return ms / 1000;
  } finally {
    await client.end();
  }
}

export const mimicImport: Measure = {
  name: "import.full",
  description: "full-scale synthetic MIMIC-CXR-JPG import (227,835 studies) vs raw COPY of the same rows",
  async run({ databaseUrl, log }) {
    const dir = await syntheticVersionDir({ project: "mimic-cxr-jpg", version: "2.0.0", studies: FULL_STUDIES, log });
    const copySeconds = await rawCopy(databaseUrl, dir);
    log(`raw COPY: ${round(copySeconds)} s`);
    const dataset = await findDataset({ slug: "mimic-cxr-jpg", version: "2.0.0" });
    if (!dataset) throw new Error("bench: reference dataset mimic-cxr-jpg 2.0.0 missing");
    const result = await importMimicDirectory({ dir, dataset });
    log(`import: ${round(result.seconds)} s ${JSON.stringify(result.phases)}, ${JSON.stringify(result.counts)}`);
    const phases = result.phases!;
    return {
      ratio: round(result.seconds / copySeconds),
      seconds: round(result.seconds),
      copy_seconds: round(copySeconds),
      // Where the time went; the index builds alone, set against the goal's 0.5 × COPY beyond the load.
      reading_seconds: round(phases.reading),
      rows_seconds: round(phases.rows),
      indexes_seconds: round(phases.indexes),
      finishing_seconds: round(phases.finishing),
      switching_seconds: round(phases.switching),
      indexes_vs_copy: round(phases.indexes / copySeconds),
      studies: result.counts.studies ?? 0,
      images: result.counts.images ?? 0,
    };
  },
};
