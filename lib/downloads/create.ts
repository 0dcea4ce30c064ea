import "server-only";
import { and, eq } from "drizzle-orm";
import { z } from "zod";
import { datasets, downloadJobs, labDatasets, physionetAccounts } from "@/db/schema";
import { recordAudit } from "@/lib/audit/record";
import type { CurrentUser } from "@/lib/auth/current-user";
import { now } from "@/lib/clock";
import { hasDatasetAccess } from "@/lib/datasets/dataset-access";
import { getDb } from "@/lib/db/client";
import { AppError } from "@/lib/http/errors";
import { assertWgetCredentialsSafe } from "@/lib/physionet/wget/credentials";
import { findLabCohort, resolveCohortSources } from "./cohort-studies";
import { hasSavedCredentials, saveCredentials } from "./credentials/store";
import { mirrorLocation } from "@/lib/datasets/physionet-catalogue";
import { findIdentity, keysSchema, sealKeys, type CloudIdentity } from "./mirror/identities";
import { enqueuePrepare } from "./queue";
import { describeSelection, selectionSchema } from "./selection";

export const passwordField = z.string().max(256, "That password is too long").optional();

export const createDownloadSchema = z.object({
  datasetId: z.uuid("Choose a dataset version"),
  selection: selectionSchema,
  // Omitted when a saved password should be used.
  password: passwordField,
  keepPassword: z.boolean().default(false),
  concurrency: z.number().int().min(1, "At least 1 connection").max(8, "At most 8 connections: PhysioNet throttles and times out beyond that").default(4),
  // PhysioNet by wget, or PhysioNet's cloud mirror with the member's verified cloud identity (decision 032).
  source: z.enum(["physionet", "mirror"], { error: "Choose PhysioNet or the cloud mirror" }).optional(),
  // The identity's key pair; omitted when kept ones should be used.
  mirrorKeys: keysSchema.optional(),
  keepMirrorKeys: z.boolean().optional(),
});
export type CreateDownloadInput = z.infer<typeof createDownloadSchema>;

/**
 * Creates a job in "preparing" and queues the worker's preparation (file list and estimate). Only a
 * member who holds access to the dataset version by the access rule may; a refusal is audited. The
 * password is encrypted before it reaches the database and appears in no response or audit row.
 */
export async function createDownloadJob(opts: { user: CurrentUser; input: CreateDownloadInput; ip: string | null }): Promise<{ id: string }> {
  const { user, input } = opts;
  const db = getDb();
  const [dataset] = await db
    .select({ id: datasets.id, slug: datasets.slug, version: datasets.version })
    .from(datasets)
    .innerJoin(labDatasets, and(eq(labDatasets.datasetId, datasets.id), eq(labDatasets.labId, user.labId)))
    .where(eq(datasets.id, input.datasetId));
  if (!dataset) throw new AppError("not_found", "Your lab holds no such dataset version");
  await requireAccess({ user, datasetId: dataset.id, label: `${dataset.slug}/${dataset.version}`, ip: opts.ip, action: "download.create" });

  let cohortName: string | null = null;
  if (input.selection.mode === "filter" && input.selection.studies.kind === "cohort") {
    const cohort = await findLabCohort(db, { labId: user.labId, cohortId: input.selection.studies.cohortId });
    if (!cohort) throw new AppError("bad_request", "That saved cohort does not exist", { cohort: ["That saved cohort does not exist"] });
    // The cohort's studies come from its dataset's data: the member must be allowed to see that too.
    if (cohort.datasetId !== dataset.id) await requireAccess({ user, datasetId: cohort.datasetId, label: "the cohort's dataset", ip: opts.ip, action: "download.create" });
    // And from the paired version the explorer counted it over (decision 027), asked the same way.
    const sources = await resolveCohortSources(db, { user, cohortId: cohort.id });
    if (!sources.ok) {
      await recordAudit(db, {
        action: "download.create",
        outcome: "denied",
        labId: user.labId,
        actor: user,
        ip: opts.ip,
        target: { type: "dataset", id: sources.datasetId },
        details: { dataset: sources.dataset, cohort: cohort.id, reason: "no access by the access rule to the version the cohort is counted over" },
      });
      throw new AppError("forbidden", sources.message);
    }
    cohortName = cohort.name;
  }

  let account: { username: string } | undefined;
  let password: string | null = null;
  let identity: CloudIdentity | null = null;
  const source = input.source ?? "physionet";
  if (source === "mirror") {
    identity = await requireMirrorIdentity({ userId: user.id, dataset, keysGiven: Boolean(input.mirrorKeys) });
  } else {
    [account] = await db.select({ username: physionetAccounts.username }).from(physionetAccounts).where(eq(physionetAccounts.userId, user.id));
    if (!account) throw new AppError("bad_request", "Record your PhysioNet username on your checklist first");
    password = input.password?.trim() ? input.password : null;
    if (password) {
      try {
        assertWgetCredentialsSafe({ username: account.username, password });
      } catch (e) {
        throw new AppError("bad_request", (e as Error).message, { password: [(e as Error).message] });
      }
    } else if (!(await hasSavedCredentials(db, user.id)).saved) {
      throw new AppError("bad_request", "Enter your PhysioNet password", { password: ["Enter your PhysioNet password"] });
    }
  }

  const at = now();
  const description = describeSelection(input.selection, cohortName);
  const id = await db.transaction(async (tx) => {
    if (password && account) await saveCredentials(tx, { userId: user.id, labId: user.labId, username: account.username, password, keep: input.keepPassword });
    if (identity && input.mirrorKeys) await sealKeys(tx, identity, input.mirrorKeys, input.keepMirrorKeys ?? false);
    const [row] = await tx
      .insert(downloadJobs)
      .values({ labId: user.labId, userId: user.id, datasetId: dataset.id, selection: input.selection, description, concurrency: input.concurrency, source, cloudIdentityId: identity?.id ?? null, createdAt: at, updatedAt: at })
      .returning({ id: downloadJobs.id });
    await recordAudit(tx, {
      action: "download.create",
      labId: user.labId,
      actor: user,
      ip: opts.ip,
      target: { type: "download_job", id: row!.id },
      details: { dataset: `${dataset.slug}/${dataset.version}`, selection: description, concurrency: input.concurrency, ...sourceDetails({ source, physionetUsername: account?.username ?? null, identity }) },
    });
    return row!.id;
  });
  await enqueuePrepare(id);
  return { id };
}

export async function requireAccess(opts: { user: CurrentUser; datasetId: string; label: string; ip: string | null; action: string }): Promise<void> {
  if (await hasDatasetAccess({ userId: opts.user.id, labId: opts.user.labId, datasetId: opts.datasetId })) return;
  await recordAudit(getDb(), {
    action: opts.action,
    outcome: "denied",
    labId: opts.user.labId,
    actor: opts.user,
    ip: opts.ip,
    target: { type: "dataset", id: opts.datasetId },
    details: { dataset: opts.label, reason: "no access by the access rule" },
  });
  throw new AppError("forbidden", "You do not hold access to this dataset version, so you cannot download it");
}

/** Which source fetches a job and under whose identity, for its audit rows (never a key). */
export function sourceDetails(opts: { source: "physionet" | "mirror"; physionetUsername?: string | null; identity: Pick<CloudIdentity, "provider" | "identity"> | null }) {
  if (opts.source === "mirror" && opts.identity) return { source: "mirror", cloudProvider: opts.identity.provider, cloudIdentity: opts.identity.identity };
  return opts.physionetUsername === undefined ? { source: "physionet" } : { source: "physionet", physionetUsername: opts.physionetUsername };
}

/** The member's cloud identity for this version, with keys given now or kept; clear refusals otherwise. */
export async function requireMirrorIdentity(opts: { userId: string; dataset: { id: string; slug: string; version: string }; keysGiven: boolean }): Promise<CloudIdentity> {
  const identity = await findIdentity(getDb(), { userId: opts.userId, datasetId: opts.dataset.id });
  if (!identity) throw new AppError("bad_request", "Record your cloud identity for this version on your checklist and verify it with the mirror first", { source: ["No cloud identity for this version"] });
  if (!mirrorLocation(opts.dataset.slug, opts.dataset.version, identity.provider)) throw new AppError("bad_request", `PhysioNet has no cloud mirror of ${opts.dataset.slug} ${opts.dataset.version}`);
  if (!opts.keysGiven && !identity.keysCiphertext) throw new AppError("bad_request", "Enter your cloud access keys", { mirrorKeys: ["Enter your cloud access keys"] });
  return identity;
}
