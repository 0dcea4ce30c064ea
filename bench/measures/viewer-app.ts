/**
 * What the viewer measures share: the production build served by `next start` on a free loopback
 * port, a lab whose researcher is credentialed for MIMIC-CXR 2.0.0, one study whose PA image is a
 * MIMIC-sized 16-bit DICOM (~2500×3000, ~15 MB, uncompressed) and whose lateral is a 1760² CR, and
 * Debian's headless Chromium signed in as that researcher.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { chromium, type Browser, type BrowserContext, type Page } from "playwright-core";
import { labDatasets } from "@/db/schema";
import { getDb } from "@/lib/db/client";
import { createLab, createUser, credentialMember } from "@/lib/factories";
import { findDataset } from "@/lib/mimic/import/import-directory";
import { writeDicom } from "@/lib/mimic/synth/dicom-writer";
import { ensureAppRole } from "@/scripts/lib/app-role";
import { ensureProductionBuild } from "../support/production-build";
import { runImportCli } from "@/scripts/lib/run-import-cli";
import { miniCxrFiles, miniStudies, writeMini } from "@/tests/mimic/mini-mimic";
import type { BenchContext } from "../harness";

export const CHROMIUM = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";
const SHARED_LARGE = path.resolve("../shared/dicom/cr-large-mono2-12bit-explicit-le.dcm");
const SYNTHETIC_LARGE = path.resolve("data/bench/viewer/large-16bit-2544x3056.dcm");
const LATERAL = path.resolve("tests/fixtures/dicom/cr-mono1-10bit-implicit-le.dcm");

export type ViewerApp = {
  baseURL: string;
  page: Page;
  context: BrowserContext;
  /** The study page whose viewer opens the large DICOM. */
  studyUrl: string;
  largeFile: string;
  /** dicom_ids of the large PA and the lateral image. */
  images: { large: string; lateral: string };
};

/** The large DICOM: the public one from ../shared/dicom, else a synthetic one of the same size. */
export function largeDicom(log: (l: string) => void): string {
  if (existsSync(SHARED_LARGE)) return SHARED_LARGE;
  if (!existsSync(SYNTHETIC_LARGE)) {
    const [rows, columns] = [3056, 2544];
    const pixels = new Uint16Array(rows * columns);
    // A smooth chest-like field with noise: stored values over the whole 12-bit range.
    for (let y = 0; y < rows; y++) for (let x = 0; x < columns; x++) pixels[y * columns + x] = Math.min(4095, Math.round(2048 + 1500 * Math.sin(x / 300) * Math.cos(y / 400) + ((x * 7919 + y * 104729) % 200)));
    mkdirSync(path.dirname(SYNTHETIC_LARGE), { recursive: true });
    writeFileSync(SYNTHETIC_LARGE, writeDicom({ patientId: "10000001", studyId: "1", studyInstanceUid: "2.25.1", seriesInstanceUid: "2.25.2", sopInstanceUid: "2.25.3", studyDate: "21800101", studyTime: "120000.000000", viewPosition: "PA", rows, columns, pixels, windowCenter: 2048, windowWidth: 4096 }));
    log(`synthetic ${columns}×${rows} DICOM written to ${path.relative(".", SYNTHETIC_LARGE)}`);
  }
  return SYNTHETIC_LARGE;
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

async function waitForHealth(url: string, app: ChildProcess, output: () => string): Promise<void> {
  for (let i = 0; i < 240; i++) {
    if (app.exitCode !== null) throw new Error(`bench: next start exited (${app.exitCode}):\n${output()}`);
    const ok = await fetch(`${url}/api/health`).then((r) => r.ok, () => false);
    if (ok) return;
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`bench: the app did not answer on ${url}:\n${output()}`);
}

/** Runs `body` against a freshly seeded lab and a started app, then stops everything it started. */
/**
 * `pa`: the file the study opens with, instead of the large uncompressed one. `beforeStart`: runs
 * after the build and before the app starts (public/ is read then); what it returns runs at the end.
 */
export async function withViewerApp<T>(ctx: BenchContext, body: (app: ViewerApp) => Promise<T>, opts: { pa?: string; beforeStart?: (largeFile: string) => Promise<() => void> } = {}): Promise<T> {
  if (!existsSync(CHROMIUM)) throw new Error(`bench: no Chromium at ${CHROMIUM} (apt-get install chromium, or set CHROMIUM_PATH)`);
  ensureProductionBuild(ctx.log);
  const nextBin = path.resolve("node_modules/next/dist/bin/next");
  const largeFile = opts.pa ?? largeDicom(ctx.log);
  const root = mkdtempSync(path.join(tmpdir(), "labgate-bench-viewer-"));
  let app: ChildProcess | undefined;
  let browser: Browser | undefined;
  let afterwards: (() => void) | undefined;
  try {
    afterwards = await opts.beforeStart?.(largeFile);
    // The mini MIMIC-CXR with one study's two images in "lab storage".
    const study = miniStudies()[1]!;
    const folder = `files/p${String(study.subject).slice(0, 2)}/p${study.subject}/s${study.study}`;
    const images = { large: study.images[0]!.dicom, lateral: study.images[1]!.dicom };
    const bytes = { [`${folder}/${images.large}.dcm`]: readFileSync(largeFile), [`${folder}/${images.lateral}.dcm`]: readFileSync(LATERAL) };
    const dir = writeMini(path.join(root, "mimic-cxr"), await miniCxrFiles(), { localImages: Object.keys(bytes), imageBytes: bytes });
    const imported = runImportCli({ dir, slug: "mimic-cxr", version: "2.0.0", databaseUrl: ctx.databaseUrl, quiet: true });
    if (!imported.ok) throw new Error(`bench: importing the viewer study failed:\n${imported.output}`);

    const db = getDb();
    const dataset = await findDataset({ slug: "mimic-cxr", version: "2.0.0" });
    if (!dataset) throw new Error("bench: reference dataset mimic-cxr 2.0.0 missing");
    const lab = await createLab(db);
    const steward = await createUser(db, { labId: lab.id, role: "steward" });
    const researcher = await createUser(db, { labId: lab.id, role: "member" });
    await db.insert(labDatasets).values({ labId: lab.id, datasetId: dataset.id });
    await credentialMember(db, { labId: lab.id, userId: researcher.id, stewardId: steward.id, datasetIds: [dataset.id] });

    // The app runs as its restricted database role, as `npm start` runs it; the bench seeds as the owner.
    const appUrl = await ensureAppRole(ctx.databaseUrl);
    const port = await freePort();
    const baseURL = `http://127.0.0.1:${port}`;
    let output = "";
    app = spawn(process.execPath, [nextBin, "start", "-p", String(port), "-H", "127.0.0.1"], {
      env: { ...process.env, DATABASE_URL: appUrl, NODE_ENV: "production", NEXTAUTH_URL: baseURL, NEXT_TELEMETRY_DISABLED: "1", LABGATE_STORAGE_DIR: path.join(root, "storage") },
      stdio: ["ignore", "pipe", "pipe"],
    });
    app.stdout!.on("data", (c: Buffer) => (output += c.toString()));
    app.stderr!.on("data", (c: Buffer) => (output += c.toString()));
    await waitForHealth(baseURL, app, () => output);

    browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--no-first-run"] });
    const context = await browser.newContext({ baseURL, viewport: { width: 1400, height: 1000 } });
    const { csrfToken } = (await (await context.request.get("/api/auth/csrf")).json()) as { csrfToken: string };
    const signIn = await context.request.post("/api/auth/callback/credentials", { form: { csrfToken, email: researcher.email, password: researcher.password!, json: "true" } });
    if (signIn.status() >= 400) throw new Error(`bench: sign-in failed (${signIn.status()})`);
    const page = await context.newPage();
    page.on("pageerror", (e) => ctx.log(`page error: ${e.message}`));
    return await body({ baseURL, page, context, studyUrl: `/datasets/mimic-cxr/2.0.0/studies/${study.study}`, largeFile, images });
  } finally {
    await browser?.close();
    if (app && app.exitCode === null) {
      app.kill("SIGTERM");
      await new Promise((r) => app!.once("exit", r));
    }
    rmSync(root, { recursive: true, force: true });
    afterwards?.();
  }
}
