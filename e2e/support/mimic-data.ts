import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { miniCxrFiles, miniJpgFiles, writeMini } from "@/tests/mimic/mini-mimic";

// The datasets the e2e suite browses: the hand-made mini copies (their every value is known), imported
// through the real CLI into the e2e database before any test runs.
export const E2E_JPG = { slug: "mimic-cxr-jpg", version: "2.0.0" } as const;
export const E2E_CXR = { slug: "mimic-cxr", version: "2.0.0" } as const;

export default async function importE2eDatasets(): Promise<void> {
  const root = mkdtempSync(path.join(tmpdir(), "labgate-e2e-data-"));
  try {
    const jpg = writeMini(path.join(root, "jpg"), miniJpgFiles());
    const cxr = writeMini(path.join(root, "cxr"), await miniCxrFiles());
    for (const [dir, ds] of [[jpg, E2E_JPG], [cxr, E2E_CXR]] as const) {
      const r = spawnSync(process.execPath, ["--conditions=react-server", "--import", "tsx", "scripts/import.ts", dir, "--dataset", ds.slug, "--version", ds.version], {
        env: process.env,
        encoding: "utf8",
      });
      if (r.status !== 0) throw new Error(`e2e: importing ${ds.slug} ${ds.version} failed:\n${r.stdout}\n${r.stderr}`);
    }
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}
