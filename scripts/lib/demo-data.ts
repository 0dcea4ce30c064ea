import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import path from "node:path";
import { writeSyntheticVersion } from "@/lib/mimic/synth/write-version";
import { DEMO_DATASETS } from "./demo-seed";

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
    // The importer is server code (it refuses to load outside the react-server condition).
    const r = spawnSync(process.execPath, ["--conditions=react-server", "--import", "tsx", "scripts/import.ts", dir, "--dataset", ref.slug, "--version", ref.version], {
      env: { ...process.env, DATABASE_URL: databaseUrl },
      stdio: ["ignore", "inherit", "inherit"],
    });
    if (r.status !== 0) console.error(`labgate: the demo import of ${ref.slug} ${ref.version} failed; the explorer will show no studies for it`);
  }
}
