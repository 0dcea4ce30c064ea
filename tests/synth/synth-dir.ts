import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { gunzipSync } from "node:zlib";
import { writeSyntheticVersion, type SyntheticVersionOptions } from "@/lib/mimic/synth/write-version";

/** Generates a synthetic version into a fresh temp directory and reads its files back. */
export async function synthDir(opts: Omit<SyntheticVersionOptions, "out">) {
  const out = mkdtempSync(path.join(tmpdir(), "labgate-synth-"));
  const result = await writeSyntheticVersion({ ...opts, out });
  return {
    out,
    result,
    /** The text of a file, gunzipped when it is .gz. */
    text: (name: string) => {
      const raw = readFileSync(path.join(out, name));
      return (name.endsWith(".gz") ? gunzipSync(raw) : raw).toString("utf8");
    },
    /** Rows split into cells (the generator quotes nothing it writes to label or id files). */
    rows: function (name: string): string[][] {
      return this.text(name)
        .split("\n")
        .filter((l) => l !== "")
        .map((l) => l.split(","));
    },
    cleanup: () => rmSync(out, { recursive: true, force: true }),
  };
}

export type SynthDir = Awaited<ReturnType<typeof synthDir>>;
