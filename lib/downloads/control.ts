import "server-only";
import { and, eq, inArray, sql } from "drizzle-orm";
import { z } from "zod";
import { downloadFiles, downloadJobs, physionetAccounts } from "@/db/schema";
import { recordAudit } from "@/lib/audit/record";
import type { CurrentUser } from "@/lib/auth/current-user";
import { roleAtLeast } from "@/lib/auth/roles";
import { now } from "@/lib/clock";
import { getDb } from "@/lib/db/client";
import { AppError } from "@/lib/http/errors";
import { assertWgetCredentialsSafe } from "@/lib/physionet/wget/credentials";
import { getStorage } from "@/lib/storage/get-storage";
import { passwordField, requireAccess, sourceDetails } from "./create";
import { keysSchema, loadIdentityById, sealKeys, type CloudIdentity } from "./mirror/identities";
import { hasSavedCredentials, saveCredentials } from "./credentials/store";
import { endJob } from "./finish";
import type { JobState } from "./job-record";
import { enqueueDrive, sharesFor } from "./queue";
import { stagingRoot } from "./staging";
import { formatBytes, labQuota, labUsedBytes, storageFreeBytes } from "./usage";

export const jobActionSchema = z.object({
  action: z.enum(["start", "pause", "resume", "cancel"], { error: "Choose start, pause, resume or cancel" }),
  password: passwordField,
  keepPassword: z.boolean().default(false),
  // For a job from the cloud mirror: the identity's key pair, unless kept ones should be used.
  mirrorKeys: keysSchema.optional(),
  keepMirrorKeys: z.boolean().optional(),
});
export type JobAction = z.infer<typeof jobActionSchema>;

type Job = { id: string; labId: string; userId: string; datasetId: string; state: JobState; concurrency: number; bytesEstimate: number; bytesDone: number; source: "physionet" | "mirror"; cloudIdentityId: string | null };

async function findJob(user: CurrentUser, jobId: string): Promise<Job> {
  if (!z.uuid().safeParse(jobId).success) throw new AppError("not_found", "No such download");
  const [job] = await getDb()
    .select({ id: downloadJobs.id, labId: downloadJobs.labId, userId: downloadJobs.userId, datasetId: downloadJobs.datasetId, state: downloadJobs.state, concurrency: downloadJobs.concurrency, bytesEstimate: downloadJobs.bytesEstimate, bytesDone: downloadJobs.bytesDone, source: downloadJobs.source, cloudIdentityId: downloadJobs.cloudIdentityId })
    .from(downloadJobs)
    .where(and(eq(downloadJobs.id, jobId), eq(downloadJobs.labId, user.labId)));
  // Another member's job is as invisible as a missing one, except to stewards.
  if (!job || (job.userId !== user.id && !roleAtLeast(user.role, "steward"))) throw new AppError("not_found", "No such download");
  return job;
}

const ALLOWED_FROM: Record<JobAction["action"], readonly JobState[]> = {
  start: ["ready"],
  pause: ["running"],
  resume: ["paused", "failed", "incomplete", "stopped"],
  cancel: ["preparing", "ready", "running", "paused", "failed", "incomplete", "stopped"],
};

/** Start, pause, resume or cancel; each audited. Starting and resuming use the owner's access and password, so only the owner may. */
export async function controlJob(opts: { user: CurrentUser; jobId: string; input: JobAction; ip: string | null }): Promise<void> {
  const { user, input } = opts;
  const job = await findJob(user, opts.jobId);
  if (!ALLOWED_FROM[input.action].includes(job.state)) throw new AppError("conflict", `A ${job.state} download cannot be ${input.action === "start" ? "started" : `${input.action}d`}`);
  if (input.action === "cancel") {
    await endJob(getDb(), { jobId: job.id, state: "cancelled", message: null, actor: user, ip: opts.ip, from: ALLOWED_FROM.cancel });
    return;
  }
  if (input.action === "pause") return setState({ user, job, to: "paused", from: ["running"], ip: opts.ip });
  if (job.userId !== user.id) throw new AppError("forbidden", "Only the member who created this download can start or resume it (it uses their PhysioNet account)");
  await requireAccess({ user, datasetId: job.datasetId, label: "this dataset version", ip: opts.ip, action: `download.${input.action}` });
  let identity: CloudIdentity | null = null;
  if (job.source === "mirror") identity = await ensureMirrorKeys({ job, keys: input.mirrorKeys, keep: input.keepMirrorKeys ?? false });
  else await ensureCredentials({ user, password: input.password, keep: input.keepPassword });
  if (input.action === "start") await assertRoomFor({ user, job });
  await setState({ user, job, to: "running", from: ALLOWED_FROM[input.action], ip: opts.ip, retryFailed: input.action === "resume", identity });
  await enqueueDrive(job.id, { shares: sharesFor(job.concurrency) });
}

async function ensureMirrorKeys(opts: { job: Job; keys: JobAction["mirrorKeys"]; keep: boolean }): Promise<CloudIdentity> {
  const identity = opts.job.cloudIdentityId ? await loadIdentityById(getDb(), opts.job.cloudIdentityId) : null;
  if (!identity) throw new AppError("conflict", "This download's cloud identity is gone; create the download again");
  if (opts.keys) await sealKeys(getDb(), identity, opts.keys, opts.keep);
  else if (!identity.keysCiphertext) throw new AppError("bad_request", "Enter your cloud access keys to continue", { mirrorKeys: ["Enter your cloud access keys to continue"] });
  return identity;
}

async function ensureCredentials(opts: { user: CurrentUser; password: string | undefined; keep: boolean }): Promise<void> {
  const db = getDb();
  if (opts.password?.trim()) {
    const [account] = await db.select({ username: physionetAccounts.username }).from(physionetAccounts).where(eq(physionetAccounts.userId, opts.user.id));
    if (!account) throw new AppError("bad_request", "Record your PhysioNet username on your checklist first");
    try {
      assertWgetCredentialsSafe({ username: account.username, password: opts.password });
    } catch (e) {
      throw new AppError("bad_request", (e as Error).message, { password: [(e as Error).message] });
    }
    await saveCredentials(db, { userId: opts.user.id, labId: opts.user.labId, username: account.username, password: opts.password, keep: opts.keep });
  } else if (!(await hasSavedCredentials(db, opts.user.id)).saved) {
    throw new AppError("bad_request", "Enter your PhysioNet password to continue", { password: ["Enter your PhysioNet password to continue"] });
  }
}

/** Refuses a start that cannot fit: estimated bytes still to come against the quota left and the free disk. */
async function assertRoomFor(opts: { user: CurrentUser; job: Job }): Promise<void> {
  const db = getDb();
  const toCome = Math.max(0, opts.job.bytesEstimate - opts.job.bytesDone);
  const quota = await labQuota(db, opts.user.labId);
  if (quota !== null) {
    const left = quota - (await labUsedBytes(db, opts.user.labId));
    if (toCome > left) throw new AppError("conflict", `This download needs about ${formatBytes(toCome)}, but only ${formatBytes(Math.max(0, left))} of the lab's quota is left. Ask a steward to raise it, or choose fewer files.`);
  }
  const free = await storageFreeBytes(getStorage(), stagingRoot());
  if (free !== null && toCome > free) throw new AppError("conflict", `This download needs about ${formatBytes(toCome)}, but lab storage has only ${formatBytes(free)} free.`);
}

async function setState(opts: { user: CurrentUser; job: Job; to: JobState; from: readonly JobState[]; ip: string | null; retryFailed?: boolean; identity?: CloudIdentity | null }): Promise<void> {
  const at = now();
  await getDb().transaction(async (tx) => {
    const [row] = await tx
      .update(downloadJobs)
      .set({
        state: opts.to,
        updatedAt: at,
        ...(opts.to === "running" ? { error: null, finishedAt: null, startedAt: sql`coalesce(${downloadJobs.startedAt}, ${at})` } : {}),
        ...(opts.retryFailed ? { filesFailed: 0 } : {}),
      })
      .where(and(eq(downloadJobs.id, opts.job.id), inArray(downloadJobs.state, [...opts.from])))
      .returning({ id: downloadJobs.id });
    if (!row) throw new AppError("conflict", "The download changed meanwhile; reload to see its state");
    // A resume gives every file that failed a fresh set of attempts.
    if (opts.retryFailed) {
      await tx
        .update(downloadFiles)
        .set({ state: "pending", attempts: 0, checksumFailures: 0, retryAfter: null })
        .where(and(eq(downloadFiles.jobId, opts.job.id), eq(downloadFiles.state, "failed")));
    }
    await recordAudit(tx, {
      action: opts.to === "paused" ? "download.pause" : opts.job.state === "ready" ? "download.start" : "download.resume",
      labId: opts.user.labId,
      actor: opts.user,
      ip: opts.ip,
      target: { type: "download_job", id: opts.job.id },
      details: { from: opts.job.state, to: opts.to, owner: opts.job.userId, ...(opts.to === "running" ? sourceDetails({ source: opts.job.source, identity: opts.identity ?? null }) : {}) },
    });
  });
}
