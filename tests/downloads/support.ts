import { randomBytes, randomUUID } from "node:crypto";
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { and, eq } from "drizzle-orm";
import { datasets, downloadJobs, labDatasets } from "@/db/schema";
import type { CurrentUser } from "@/lib/auth/current-user";
import { getDb } from "@/lib/db/client";
import { controlJob } from "@/lib/downloads/control";
import { createDownloadJob, type CreateDownloadInput } from "@/lib/downloads/create";
import { driveDownloadJob, type DriveOptions, type DriveResult } from "@/lib/downloads/drive";
import { prepareDownloadJob } from "@/lib/downloads/prepare";
import type { Selection } from "@/lib/downloads/selection";
import type { PhysionetSource } from "@/lib/downloads/source";
import { createLab, createUser, credentialMember } from "@/lib/factories";
import { writeSha256Sums } from "@/lib/physionet/sha256-sums";
import { startUpstream, type StartUpstreamOptions, type Upstream } from "@/lib/physionet/upstream/start-upstream";
import { writeSyntheticVersion } from "@/lib/mimic/synth/write-version";

export const SLUG = "mimic-cxr";
export const VERSION = "2.0.0";
// Characters a shell, a URL or a config file would mangle, so a leak or a mis-quote shows.
export const PN_PASSWORD = "pn-s3cr et:#$'\"\\&x-9";

/** A MIMIC-CXR-shaped version directory: 30 studies with reports and small DICOMs, plus `big` larger images. */
export async function makeVersionDir(opts: { studies?: number; big?: number; bigBytes?: number } = {}): Promise<{ root: string; bigPaths: string[]; cleanup(): Promise<void> }> {
  const root = await mkdtemp(path.join(os.tmpdir(), "labgate-dl-src-"));
  await writeSyntheticVersion({ out: root, project: "mimic-cxr", version: VERSION, studies: opts.studies ?? 30, images: opts.studies ?? 30, seed: 7 });
  const bigPaths: string[] = [];
  for (let i = 0; i < (opts.big ?? 0); i++) {
    const rel = `files/p19/p19000000/s59000000/${String(i).padStart(8, "0")}-aaaaaaaa-bbbbbbbb-cccccccc-dddddddd.dcm`;
    await mkdir(path.dirname(path.join(root, rel)), { recursive: true });
    await writeFile(path.join(root, rel), randomBytes(opts.bigBytes ?? 2_000_000));
    bigPaths.push(rel);
  }
  if (bigPaths.length) await writeSha256Sums({ root });
  return { root, bigPaths, cleanup: () => rm(root, { recursive: true, force: true }) };
}

export async function startServed(opts: { root: string; username: string; password?: string } & Partial<StartUpstreamOptions>): Promise<{ upstream: Upstream; source: PhysionetSource }> {
  const { root, username, password, ...rest } = opts;
  const upstream = await startUpstream({
    projects: [{ slug: SLUG, version: VERSION, root }],
    accounts: [{ username, password: password ?? PN_PASSWORD, access: [{ slug: SLUG, version: VERSION }] }],
    port: 0,
    ...rest,
  });
  return { upstream, source: { baseUrl: upstream.url, caCertificate: upstream.caCertificate } };
}

export type TestLab = { labId: string; datasetId: string; steward: CurrentUser; researcher: CurrentUser & { physionetUsername: string }; member: CurrentUser };

/** A lab holding mimic-cxr 2.0.0, a steward, a researcher who holds access by the access rule, and a member who does not. */
export async function labWithResearcher(): Promise<TestLab> {
  const db = getDb();
  const lab = await createLab(db);
  const [dataset] = await db.select({ id: datasets.id }).from(datasets).where(and(eq(datasets.slug, SLUG), eq(datasets.version, VERSION)));
  await db.insert(labDatasets).values({ labId: lab.id, datasetId: dataset!.id });
  const current = async (role: "steward" | "member") => {
    const u = await createUser(db, { labId: lab.id, role });
    return { id: u.id, email: u.email, name: u.name, role: u.role, labId: lab.id } satisfies CurrentUser;
  };
  const steward = await current("steward");
  const researcher = await current("member");
  const member = await current("member");
  const physionetUsername = `pn${randomUUID().slice(0, 8)}`;
  await credentialMember(db, { labId: lab.id, userId: researcher.id, stewardId: steward.id, datasetIds: [dataset!.id], username: physionetUsername });
  return { labId: lab.id, datasetId: dataset!.id, steward, researcher: { ...researcher, physionetUsername }, member };
}

export function createJob(lab: TestLab, selection: Selection, extra: Partial<CreateDownloadInput> = {}) {
  return createDownloadJob({ user: lab.researcher, ip: "127.0.0.1", input: { datasetId: lab.datasetId, selection, password: PN_PASSWORD, keepPassword: false, concurrency: 4, ...extra } });
}

export async function jobRow(jobId: string) {
  const [row] = await getDb().select().from(downloadJobs).where(eq(downloadJobs.id, jobId));
  return row!;
}

/** Prepares a job in this process, checks it is ready, and starts it. */
export async function prepareAndStart(lab: TestLab, jobId: string, source: PhysionetSource) {
  await prepareDownloadJob({ jobId, source });
  const prepared = await jobRow(jobId);
  if (prepared.state !== "ready") throw new Error(`job not ready: ${prepared.state} ${prepared.error ?? ""}`);
  await controlJob({ user: lab.researcher, jobId, input: { action: "start", keepPassword: false }, ip: null });
  return prepared;
}

/** Drives a job slice after slice in this process (as the pg-boss handler would) until it ends. */
export async function driveUntilEnded(jobId: string, source: PhysionetSource, extra: Partial<DriveOptions> = {}, maxSlices = 50): Promise<DriveResult[]> {
  const results: DriveResult[] = [];
  for (let i = 0; i < maxSlices; i++) {
    const r = await driveDownloadJob({ jobId, source, retryBaseMs: 100, waitRetrySeconds: 1, sliceMs: 30_000, ...extra });
    results.push(r);
    if (r.outcome !== "continue") return results;
    if (r.notBefore) await new Promise((res) => setTimeout(res, Math.max(0, r.notBefore!.getTime() - Date.now())));
  }
  throw new Error(`job ${jobId} still running after ${maxSlices} slices`);
}

export const everything: Selection = { mode: "filter", metadata: true, reports: true, images: "any", other: true, studies: { kind: "all" } };
