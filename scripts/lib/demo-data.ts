import { existsSync } from "node:fs";
import path from "node:path";
import { writeSyntheticVersion } from "@/lib/mimic/synth/write-version";
import { DEMO_DATASETS } from "./demo-seed";
import { runImportCli } from "./run-import-cli";

const DEMO_STUDIES = 3000;
const DEMO_IMAGES = 200;

/**
 * Synthetic demo copies of the demo datasets (never real data), generated once under data/demo and
 * imported through the same CLI a steward uses. Re-importing unchanged files is a no-op, so this is
 * cheap on every start.
 */
export async function ensureDemoData(databaseUrl: string): Promise<void> {
  for (const ref of DEMO_DATASETS) {
    const dir = path.resolve("data/demo", ref.slug, ref.version);
    if (!existsSync(path.join(dir, "SHA256SUMS.txt"))) {
      console.log(`labgate: writing synthetic demo data for ${ref.slug} ${ref.version}…`);
      await writeSyntheticVersion({ out: dir, project: ref.slug, version: ref.version, studies: DEMO_STUDIES, seed: 7, images: DEMO_IMAGES });
    }
    if (!runImportCli({ dir, slug: ref.slug, version: ref.version, databaseUrl }).ok) console.error(`labgate: the demo import of ${ref.slug} ${ref.version} failed; the explorer will show no studies for it`);
  }
}
