import { spawn } from "node:child_process";
import { once } from "node:events";
import { createReadStream, createWriteStream, existsSync, renameSync } from "node:fs";
import path from "node:path";
import { pipeline } from "node:stream/promises";
import pg from "pg";
import { from as copyFrom } from "pg-copy-streams";
import { findDataset, importMimicDirectory } from "@/lib/mimic/import/import-directory";
import { MAX_REPORT_BYTES } from "@/lib/mimic/import/load-files";
import { readZipEntries } from "@/lib/mimic/import/zip-entries";
import { round, type Measure } from "../harness";
import { syntheticVersionDir } from "../support/synthetic-dir";
import { FULL_STUDIES } from "./mimic-import";

/** `unzip -p <zip> > /dev/null`: Info-ZIP reading and inflating every entry, nothing else. */
async function unzipSeconds(zip: string): Promise<number> {
  const t0 = performance.now();
  const child = spawn("unzip", ["-p", zip], { stdio: ["ignore", "ignore", "inherit"] });
  const [code] = (await once(child, "exit")) as [number | null];
  if (code !== 0) throw new Error(`bench: unzip -p exited with ${code}`);
  return (performance.now() - t0) / 1000;
}

/** The reports as the CSV rows a COPY takes (made once, untimed: the baseline's COPY input). */
async function reportsCsv(zip: string): Promise<string> {
  const file = `${zip}.copy.csv`;
  if (existsSync(file)) return file;
  const out = createWriteStream(`${file}.part`);
  for await (const { entry, data } of readZipEntries({ path: zip, name: "mimic-cxr-reports.zip", maxBytes: MAX_REPORT_BYTES, want: (n) => n.endsWith(".txt") })) {
    const m = /p(\d+)\/s(\d+)\.txt$/.exec(entry.name)!;
    if (!out.write(`${m[2]},${m[1]},${entry.name},"${data.toString("utf8").replace(/"/g, '""')}"\n`)) await once(out, "drain");
  }
  out.end();
  await once(out, "finish");
  renameSync(`${file}.part`, file);
  return file;
}

/** COPY of the same report text into an unindexed temporary table, as the import's staging is. */
async function copySeconds(databaseUrl: string, csv: string): Promise<number> {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    await client.query("CREATE TEMP TABLE bench_reports (study_id integer, subject_id integer, path text, report text)");
    const t0 = performance.now();
    await pipeline(createReadStream(csv, { highWaterMark: 1 << 20 }), client.query(copyFrom("COPY bench_reports FROM STDIN WITH (FORMAT csv)")));
    return (performance.now() - t0) / 1000;
  } finally {
    await client.end();
  }
}

export const mimicImportReports: Measure = {
  name: "import.reports",
  description:
    "full-scale synthetic MIMIC-CXR directory (227,835 reports in mimic-cxr-reports.zip + record and study lists): the import's reading of every file into staging vs `unzip -p … > /dev/null` plus a COPY of the same report text",
  async run({ databaseUrl, log }) {
    const dir = await syntheticVersionDir({ project: "mimic-cxr", version: "2.0.0", studies: FULL_STUDIES, log });
    const zip = path.join(dir, "mimic-cxr-reports.zip");
    const csv = await reportsCsv(zip);
    const unzip = await unzipSeconds(zip);
    const copy = await copySeconds(databaseUrl, csv);
    const baseline = unzip + copy;
    log(`baseline: unzip -p ${round(unzip)} s + COPY ${round(copy)} s`);
    const dataset = await findDataset({ slug: "mimic-cxr", version: "2.0.0" });
    if (!dataset) throw new Error("bench: reference dataset mimic-cxr 2.0.0 missing");
    const result = await importMimicDirectory({ dir, dataset });
    log(`import: ${round(result.seconds)} s ${JSON.stringify(result.phases)}, ${JSON.stringify(result.counts)}`);
    const phases = result.phases!;
    return {
      ratio: round(phases.reading / baseline),
      reading_seconds: round(phases.reading),
      baseline_seconds: round(baseline),
      unzip_seconds: round(unzip),
      copy_seconds: round(copy),
      // The rest of the import (typed rows, the report search index, the swap), for scale; not in the ratio.
      import_seconds: round(result.seconds),
      reports: result.counts.reports ?? 0,
      records: result.counts.records ?? 0,
    };
  },
};
