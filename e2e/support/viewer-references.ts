import { spawn } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import path from "node:path";
import { E2E_RESULTS_DIR } from "./results-dir";
import { REFERENCES } from "./viewer";

// lib/dicom/render.ts's renderings of every DICOM test file, which e2e/viewer-files.spec.ts compares
// the viewer's canvas with: made once per run, by one child process that the global setup starts and
// does not wait for (it works while the first tests run), under the run's results directory.
export const REFERENCE_WIDTHS = [10, 100];
const DIR = path.join(E2E_RESULTS_DIR, "viewer-references");
const FAILED = path.join(DIR, "renderer-failed.txt");
const DIRS = [path.resolve("tests/fixtures/dicom"), path.resolve("../shared/dicom")];

/** Where a reference file is: the project's fixtures, else the whole collection in ../shared/dicom if present. */
export const locateDicom = (file: string) => DIRS.map((d) => path.join(d, file)).find(existsSync) ?? null;

export default function startReferenceRenderer(): () => Promise<void> {
  rmSync(DIR, { recursive: true, force: true });
  mkdirSync(DIR, { recursive: true });
  const files = REFERENCES.filter((r) => r.expect !== "error").map((r) => locateDicom(r.file)).filter((f) => f !== null);
  const child = spawn(process.execPath, ["--import", "tsx", "e2e/support/render-reference.ts", DIR, REFERENCE_WIDTHS.join(","), ...files], { stdio: ["ignore", "ignore", "pipe"] });
  let stderr = "";
  child.stderr.on("data", (b: Buffer) => (stderr += b.toString()));
  // A crash before a file's turn would otherwise leave its test waiting for nothing.
  child.on("exit", (code, signal) => code !== 0 && writeFileSync(FAILED, `the reference renderer exited with ${code ?? signal}:\n${stderr}`));
  return async () => {
    if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
  };
}

/** The reference renderings of one file, once the run's renderer has written them. */
export async function referenceRenderings(file: string, timeoutMs = 180_000): Promise<{ gray: boolean; center: number; bytes: (name: string) => Uint8Array }> {
  const base = path.join(DIR, path.basename(file));
  const until = Date.now() + timeoutMs;
  while (!existsSync(`${base}.json`)) {
    if (existsSync(`${base}.error`)) throw new Error(`rendering ${file} failed:\n${readFileSync(`${base}.error`, "utf8")}`);
    if (existsSync(FAILED)) throw new Error(readFileSync(FAILED, "utf8"));
    if (Date.now() > until) throw new Error(`no reference rendering of ${file} after ${timeoutMs / 1000} s in ${DIR}`);
    await new Promise((r) => setTimeout(r, 200));
  }
  const { gray, center } = JSON.parse(readFileSync(`${base}.json`, "utf8")) as { gray: boolean; center: number };
  return { gray, center, bytes: (name: string) => new Uint8Array(readFileSync(`${base}-${name}.bin`)) };
}
