import "server-only";
import { inArray } from "drizzle-orm";
import { datasets, downloadJobs, mimicCohorts } from "@/db/schema";
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
  "dataset.browse": ["studies"],
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
  "access_matrix.export": ["rows", "datasets", "q", "status"],
  "physionet.verify": ["username", "result", "httpStatus"],
  "dua.sign": ["dua", "signedOn", "initials"],
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

  return async function mask(rows) {
    const ids = (type: string) => [...new Set(rows.filter((r) => r.targetType === type && r.targetId).map((r) => r.targetId!))].filter((id) => /^[0-9a-f-]{36}$/i.test(id));
    const [jobIds, cohortIds] = [ids("download_job"), ids("cohort")];
    const [jobs, cohorts] = await Promise.all([
      jobIds.length ? db.select({ id: downloadJobs.id, datasetId: downloadJobs.datasetId }).from(downloadJobs).where(inArray(downloadJobs.id, jobIds)) : [],
      cohortIds.length ? db.select({ id: mimicCohorts.id, datasetId: mimicCohorts.datasetId }).from(mimicCohorts).where(inArray(mimicCohorts.id, cohortIds)) : [],
    ]);
    const links = { jobs: new Map(jobs.map((j) => [j.id, j.datasetId])), cohorts: new Map(cohorts.map((c) => [c.id, c.datasetId])) };
    const refs = rows.map((r) => refOf(r, links));
    // A version the lab no longer holds is not open to anyone in it; only its name is looked up.
    const missing = [...new Set(refs.flatMap((ref) => (ref && "id" in ref && !byId.has(ref.id) && !otherLabels.has(ref.id) && /^[0-9a-f-]{36}$/i.test(ref.id) ? [ref.id] : [])))];
    if (missing.length) {
      for (const d of await db.select({ id: datasets.id, slug: datasets.slug, version: datasets.version }).from(datasets).where(inArray(datasets.id, missing))) otherLabels.set(d.id, `${d.slug} ${d.version}`);
    }
    return rows.map((row, i) => {
      const ref = refs[i];
      if (!ref) return row;
      let hidden: string | null;
      if ("id" in ref) {
        const held = byId.get(ref.id);
        hidden = held ? (held.access ? null : held.label) : (otherLabels.get(ref.id) ?? "this dataset version");
      } else if ("label" in ref) {
        const id = byLabel.get(ref.label);
        hidden = id && byId.get(id)!.access ? null : ref.label.replace("/", " ");
      } else {
        hidden = "an unnamed dataset version";
      }
      return hidden === null ? row : maskRow(row, `[hidden: no access to ${hidden}]`);
    });
  };
}

function maskRow<R extends MaskableRow>(row: R, text: string): R {
  const safe = SAFE_DETAIL_KEYS[row.action] ?? [];
  const details = Object.fromEntries(Object.entries(row.details).map(([k, v]) => [k, NAMING_KEYS.includes(k) || safe.includes(k) ? v : text]));
  const targetId = row.targetId === null || (row.targetType && SAFE_TARGET_TYPES.has(row.targetType)) ? row.targetId : text;
  return { ...row, targetId, details };
}
