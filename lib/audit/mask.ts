import "server-only";
import { and, eq, inArray } from "drizzle-orm";
import { auditLog, datasets, downloadJobs, mimicCohorts } from "@/db/schema";
import { now } from "@/lib/clock";
import { memberChecklist } from "@/lib/credentialing/member-access";
import type { DbOrTx } from "@/lib/db/client";

// The DUA binds stewards too: a steward who does not hold access to a dataset version must not read
// its study, subject or DICOM ids, file paths or search terms in the audit log either. Every reader
// of audit rows (page, CSV export, member timeline) passes them through one masker, which keeps
// what an auditor needs (action, outcome, actor, time, counts) and hides the rest.
//
// An allow-list: for a row about a dataset version the viewer cannot open, a detail key is shown
// only if it is listed for that action below (or names the version). A key added to an audit row
// later, or an action nobody listed, is hidden by default until someone decides it is safe.

const NAMING_KEYS = ["dataset", "datasetId", "slug", "version"];
const GRANT_KEYS = ["userId", "email", "from", "to", "reason", "reviewId", "review", "deadline", "by", "comment", "grant"];
const SAFE_DETAIL_KEYS: Record<string, readonly string[]> = {
  "dataset.access": ["reason"],
  "dataset.add": ["created", "retentionDays"],
  "dataset.retention": ["from", "to"],
  "dataset.import": ["counts"],
  "dataset.browse": ["studies", "joined"],
  // Its `folder` names subject and study ids.
  "storage.browse": ["entries"],
  "dataset.pair": ["pairedWith", "replaced"],
  "study.view": [],
  "study.view_report": [],
  "image.view": ["contentType", "reason", "reducedBy"],
  "image.preview": ["contentType", "reason", "reducedBy"],
  "image.thumbnail": ["cached", "reason"],
  "cohort.save": ["studies"],
  "cohort.export": ["studies"],
  "download.read": ["range", "reason"],
  "download.create": ["concurrency", "physionetUsername", "reason"],
  "download.start": ["from", "to", "owner", "reason"],
  "download.pause": ["from", "to", "owner", "reason"],
  "download.resume": ["from", "to", "owner", "reason"],
  "download.finish": ["state", "filesDone", "filesFailed", "bytesDone", "owner"],
  // Their `reason` is a worker's error message, which can name a file.
  "download.cancel": ["state", "owner"],
  "download.stop": ["state", "owner"],
  "access_matrix.export": ["rows", "datasets", "q", "status", "hidden"],
  "physionet.verify": ["username", "result", "httpStatus"],
  "dua.sign": ["dua", "signedOn", "initials"],
  "attestation.record": ["userId", "kind", "text", "via"],
  "dua.accept": ["userId", "email", "duaName", "duaVersion", "signedOn", "from", "to", "comment"],
  "dua.reject": ["userId", "email", "duaName", "duaVersion", "signedOn", "from", "to", "comment"],
  "access.approve": GRANT_KEYS,
  "access.suspend": GRANT_KEYS,
  "access.revoke": GRANT_KEYS,
  "access.reinstate": GRANT_KEYS,
  "access.expired": ["userId", "endedAt", "causes"],
  "access_review.certify": GRANT_KEYS,
  "access_review.revoke": GRANT_KEYS,
  "access_review.expire": GRANT_KEYS,
  "request.refused": ["method", "reason"],
};

/** Targets whose id is never a dataset identifier (row ids of labgate's own tables). */
const SAFE_TARGET_TYPES = new Set(["dataset", "user", "lab", "cohort", "download_job", "invite", "training", "training_type", "dua_signature", "access_review", "physionet_verification", "credentialing_application"]);
/** Targets that are always about a dataset version, even when the row does not say which. */
const DATASET_TARGET_TYPES = new Set(["image", "study", "dataset_file"]);

export type MaskableRow = { action: string; targetType: string | null; targetId: string | null; details: Record<string, unknown> };

type Ref = { id: string } | { label: string } | { unknown: true };

const str = (v: unknown) => (typeof v === "string" && v.length > 0 ? v : null);

function refOf(row: MaskableRow, links: { jobs: Map<string, string>; cohorts: Map<string, string> }): Ref | null {
  const d = row.details;
  const id = str(d.datasetId) ?? (row.targetType === "dataset" ? row.targetId : null);
  if (id) return { id };
  const label = str(d.dataset) ?? (str(d.slug) && str(d.version) ? `${d.slug as string}/${d.version as string}` : null);
  if (label) return { label };
  if (row.targetType === "dataset_file" && row.targetId) return { label: row.targetId.split("/").slice(0, 2).join("/") };
  const linked = row.targetId && (row.targetType === "download_job" ? links.jobs.get(row.targetId) : row.targetType === "cohort" ? links.cohorts.get(row.targetId) : undefined);
  if (linked) return { id: linked };
  if (row.targetType && DATASET_TARGET_TYPES.has(row.targetType)) return { unknown: true };
  return null;
}

export type AuditMasker = <R extends MaskableRow>(rows: R[]) => Promise<R[]>;

/**
 * Decides the viewer's access to every dataset version of their lab once (the one access rule, as
 * requireDatasetAccess asks it), then masks any number of row batches against those decisions.
 */
export async function createAuditMasker(db: DbOrTx, viewer: { userId: string; labId: string }): Promise<AuditMasker> {
  const checklist = await memberChecklist(db, { labId: viewer.labId, userId: viewer.userId, now: now() });
  const byId = new Map(checklist.map((c) => [c.dataset.id, { label: `${c.dataset.slug} ${c.dataset.version}`, access: c.decision.access === true }]));
  const byLabel = new Map(checklist.map((c) => [`${c.dataset.slug}/${c.dataset.version}`, c.dataset.id]));
  const otherLabels = new Map<string, string>();

  /** Per row: the name of the version it hides (the viewer cannot open it), or null (shown as is). */
  async function hiddenVersions(rows: MaskableRow[]): Promise<(string | null)[]> {
    const ids = (type: string) => [...new Set(rows.filter((r) => r.targetType === type && r.targetId).map((r) => r.targetId!))].filter((id) => UUID.test(id));
    const [jobIds, cohortIds] = [ids("download_job"), ids("cohort")];
    const [jobs, cohorts] = await Promise.all([
      jobIds.length ? db.select({ id: downloadJobs.id, datasetId: downloadJobs.datasetId }).from(downloadJobs).where(inArray(downloadJobs.id, jobIds)) : [],
      cohortIds.length ? db.select({ id: mimicCohorts.id, datasetId: mimicCohorts.datasetId }).from(mimicCohorts).where(inArray(mimicCohorts.id, cohortIds)) : [],
    ]);
    const links = { jobs: new Map(jobs.map((j) => [j.id, j.datasetId])), cohorts: new Map(cohorts.map((c) => [c.id, c.datasetId])) };
    const refs = rows.map((r) => refOf(r, links));
    // A version the lab no longer holds is not open to anyone in it; only its name is looked up.
    const missing = [...new Set(refs.flatMap((ref) => (ref && "id" in ref && !byId.has(ref.id) && !otherLabels.has(ref.id) && UUID.test(ref.id) ? [ref.id] : [])))];
    if (missing.length) {
      for (const d of await db.select({ id: datasets.id, slug: datasets.slug, version: datasets.version }).from(datasets).where(inArray(datasets.id, missing))) otherLabels.set(d.id, `${d.slug} ${d.version}`);
    }
    return refs.map((ref) => {
      if (!ref) return null;
      if ("id" in ref) {
        const held = byId.get(ref.id);
        return held ? (held.access ? null : held.label) : (otherLabels.get(ref.id) ?? "this dataset version");
      }
      if ("label" in ref) {
        const id = byLabel.get(ref.label);
        return id && byId.get(id)!.access ? null : ref.label.replace("/", " ");
      }
      return "an unnamed dataset version";
    });
  }

  return async function mask(rows) {
    const hidden = await hiddenVersions(rows);
    const masked = rows.map((row, i) => (hidden[i] === null ? null : maskRow(row, `[hidden: no access to ${hidden[i]}]`)));
    const out = rows.map((row, i) => masked[i] ?? row);
    if (!rows.some((r) => isChained(r))) return out;
    // A row's hash is a SHA-256 of its content: with every other field in view, a hidden search
    // term could be found by hashing guesses. So a masked row's hash is hidden, and so is the next
    // row's prev_hash, which repeats it; that row may be outside this batch, or its predecessor may be.
    const hiddenHashes = new Set(rows.flatMap((r, i) => (masked[i] !== null && isChained(r) ? [r.hash] : [])));
    const inBatch = new Set(rows.flatMap((r) => (isChained(r) ? [r.hash] : [])));
    const outside = [...new Set(rows.flatMap((r) => (isChained(r) && !inBatch.has(r.prevHash) ? [r.prevHash] : [])))];
    if (outside.length) {
      const before = await db
        .select({ action: auditLog.action, targetType: auditLog.targetType, targetId: auditLog.targetId, details: auditLog.details, hash: auditLog.hash })
        .from(auditLog)
        .where(and(inArray(auditLog.hash, outside), eq(auditLog.labId, viewer.labId)));
      const beforeHidden = await hiddenVersions(before);
      before.forEach((r, i) => beforeHidden[i] !== null && maskRow(r, "") !== null && hiddenHashes.add(r.hash));
    }
    return out.map((r) => {
      if (!isChained(r) || (!hiddenHashes.has(r.hash) && !hiddenHashes.has(r.prevHash))) return r;
      return { ...r, hash: hiddenHashes.has(r.hash) ? HIDDEN_HASH : r.hash, prevHash: hiddenHashes.has(r.prevHash) ? HIDDEN_HASH : r.prevHash };
    });
  };
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const HIDDEN_HASH = "[hidden: hash of a masked row]";

function isChained(r: object): r is MaskableRow & { hash: string; prevHash: string } {
  return typeof (r as { hash?: unknown }).hash === "string" && typeof (r as { prevHash?: unknown }).prevHash === "string";
}

/** The row with its identifiers replaced by `text`, or null when it holds none (nothing to hide). */
function maskRow<R extends MaskableRow>(row: R, text: string): R | null {
  const safe = SAFE_DETAIL_KEYS[row.action] ?? [];
  const keep = (k: string) => NAMING_KEYS.includes(k) || safe.includes(k);
  const targetKept = row.targetId === null || (row.targetType !== null && SAFE_TARGET_TYPES.has(row.targetType));
  if (targetKept && Object.keys(row.details).every(keep)) return null;
  const details = Object.fromEntries(Object.entries(row.details).map(([k, v]) => [k, keep(k) ? v : text]));
  return { ...row, targetId: targetKept ? row.targetId : text, details };
}
