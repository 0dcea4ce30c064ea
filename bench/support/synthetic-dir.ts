import { existsSync } from "node:fs";
import path from "node:path";
import type { Project } from "@/lib/mimic/import/file-specs";
import { writeSyntheticVersion } from "@/lib/mimic/synth/write-version";

/**
 * A full-scale synthetic version directory, generated once per machine under data/bench and reused
 * (the generator is deterministic for a seed, so a cached copy is the same data).
 */
export async function syntheticVersionDir(opts: { project: Project; version: string; studies: number; log: (l: string) => void }): Promise<string> {
  const dir = path.resolve("data/bench", `${opts.project}-${opts.studies}`, opts.project, opts.version);
  if (existsSync(path.join(dir, "SHA256SUMS.txt"))) return dir;
  const t0 = performance.now();
  const r = await writeSyntheticVersion({ out: dir, project: opts.project, version: opts.version, studies: opts.studies, seed: 1 });
  opts.log(`synthetic ${opts.project} ${opts.version}: ${r.studies} studies, ${r.images} images written in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
  return dir;
}
