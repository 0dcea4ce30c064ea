/**
 * `npm run import -- <dir> [--dataset mimic-cxr-jpg --version 2.1.0]`: imports a MIMIC-CXR or
 * MIMIC-CXR-JPG version directory. Without --dataset/--version they are read from a PhysioNet-style
 * path (…/files/<slug>/<version>/).
 */
import path from "node:path";
import { parseArgs } from "node:util";
import { connectScriptDatabase } from "./lib/script-database";

async function main() {
  const { values, positionals } = parseArgs({ allowPositionals: true, options: { dataset: { type: "string" }, version: { type: "string" } } });
  const dir = positionals[0];
  if (!dir || positionals.length > 1) {
    console.error("usage: npm run import -- <dir> [--dataset mimic-cxr|mimic-cxr-jpg --version 2.0.0|2.1.0]");
    process.exit(2);
  }
  const fromPath = /(?:^|\/)(mimic-cxr(?:-jpg)?)\/(\d+\.\d+\.\d+)\/?$/.exec(path.resolve(dir));
  const slug = values.dataset ?? fromPath?.[1];
  const version = values.version ?? fromPath?.[2];
  if (!slug || !version) {
    console.error(`labgate import: cannot tell the dataset from the path ${dir}; pass --dataset and --version`);
    process.exit(2);
  }
  const database = await connectScriptDatabase();
  const { findDataset, importMimicDirectory } = await import("@/lib/mimic/import/import-directory");
  const { formatProgress } = await import("@/lib/mimic/import/progress-bar");
  const { closeDb } = await import("@/lib/db/client");
  try {
    const dataset = await findDataset({ slug, version });
    if (!dataset) throw new Error(`labgate import: no dataset ${slug} ${version} is defined in this lab`);
    const tty = process.stderr.isTTY;
    let lastLine = 0;
    const result = await importMimicDirectory({
      dir,
      dataset,
      onProgress: (p) => {
        if (tty) process.stderr.write(`\r\x1b[2K${formatProgress(p)}`);
        else if (Date.now() - lastLine > 5000 || p.phase === "done") {
          lastLine = Date.now();
          process.stderr.write(`${formatProgress(p)}\n`);
        }
      },
    });
    if (tty) process.stderr.write("\n");
    if (result.status === "unchanged") console.log(`labgate import: ${slug} ${version} is unchanged since its last import; nothing to do`);
    else {
      const phases = result.phases ? ` (${Object.entries(result.phases).map(([k, v]) => `${k} ${v.toFixed(1)} s`).join(", ")})` : "";
      console.log(`labgate import: ${slug} ${version} imported in ${result.seconds.toFixed(1)} s${phases}: ${Object.entries(result.counts).map(([k, v]) => `${k} ${v.toLocaleString("en-US")}`).join(", ")}`);
    }
  } finally {
    await closeDb();
    await database.stop();
  }
}

main().catch((e: unknown) => {
  process.stderr.write("\n");
  console.error(e instanceof Error && e.name === "ImportError" ? `labgate import failed: ${e.message}` : e instanceof Error ? e.message : e);
  process.exit(1);
});
