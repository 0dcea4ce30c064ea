import "server-only";
import { and, eq, inArray } from "drizzle-orm";
import { auditLog, datasets, labDatasets, users } from "@/db/schema";
import type { DbOrTx } from "@/lib/db/client";

// Audit rows store ids (so a renamed member is still the same member); a steward reads names. This
// runs on rows the masker has already passed, so it only names what the row still shows: a masked
// target reads "[hidden: …]", which is no uuid and is left alone.

export type DescribableRow = { actorId: string | null; actorEmail: string | null; targetType: string | null; targetId: string | null; details: Record<string, unknown> };
export type RowDescription = { actorName: string | null; targetLabel: string | null; href: string | null };

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const isUuid = (v: unknown): v is string => typeof v === "string" && UUID.test(v);

/** Names every actor, user and dataset the rows mention, in two queries scoped to the lab. */
export async function describeAuditRows(db: DbOrTx, labId: string, rows: DescribableRow[]): Promise<RowDescription[]> {
  const userIds = new Set<string>();
  const datasetIds = new Set<string>();
  for (const r of rows) {
    if (isUuid(r.actorId)) userIds.add(r.actorId);
    if (r.targetType === "user" && isUuid(r.targetId)) userIds.add(r.targetId);
    if (r.targetType === "dataset" && isUuid(r.targetId)) datasetIds.add(r.targetId);
    if (isUuid(r.details.userId)) userIds.add(r.details.userId);
    if (isUuid(r.details.datasetId)) datasetIds.add(r.details.datasetId);
  }
  const [people, versions] = await Promise.all([
    userIds.size ? db.select({ id: users.id, name: users.name, email: users.email }).from(users).where(and(eq(users.labId, labId), inArray(users.id, [...userIds]))) : [],
    datasetIds.size ? db.select({ id: datasets.id, slug: datasets.slug, version: datasets.version }).from(datasets).where(inArray(datasets.id, [...datasetIds])) : [],
  ]);
  const person = new Map(people.map((p) => [p.id, p]));
  const version = new Map(versions.map((d) => [d.id, d]));
  return rows.map((r) => {
    const actor = r.actorId ? person.get(r.actorId) : undefined;
    const actorName = actor ? actor.name : r.actorEmail;
    return { actorName, ...target(r, person, version) };
  });
}

type Person = { id: string; name: string; email: string };
type Version = { id: string; slug: string; version: string };

function target(r: DescribableRow, person: Map<string, Person>, version: Map<string, Version>): Omit<RowDescription, "actorName"> {
  const id = r.targetId;
  if (!r.targetType || !id) {
    const about = isUuid(r.details.userId) ? person.get(r.details.userId) : undefined;
    return about ? { targetLabel: `member ${about.name}`, href: `/members/${about.id}/timeline` } : { targetLabel: null, href: null };
  }
  if (id.startsWith("[hidden")) return { targetLabel: `${r.targetType} ${id}`, href: null };
  switch (r.targetType) {
    case "user": {
      const p = person.get(id);
      return { targetLabel: p ? `member ${p.name}` : `member (not in this lab)`, href: p ? `/members/${p.id}/timeline` : null };
    }
    case "dataset": {
      const d = version.get(id);
      return d ? { targetLabel: `dataset ${d.slug} ${d.version}`, href: `/datasets/${d.slug}/${d.version}` } : { targetLabel: "dataset (removed)", href: null };
    }
    case "access_review":
      return { targetLabel: "access review", href: isUuid(id) ? `/stewardship/reviews/${id}` : null };
    case "training":
    case "dua_signature":
    case "credentialing_application":
    case "physionet_verification": {
      const about = isUuid(r.details.userId) ? person.get(r.details.userId) : undefined;
      const label = r.targetType.replace(/_/g, " ");
      return about ? { targetLabel: `${label} of ${about.name}`, href: `/members/${about.id}/timeline` } : { targetLabel: label, href: "/stewardship/queue" };
    }
    case "invite":
      return { targetLabel: "invitation", href: "/members" };
    case "lab":
      return { targetLabel: "lab settings", href: "/settings" };
    case "download_job":
      return { targetLabel: "download job", href: null };
    default:
      return { targetLabel: `${r.targetType.replace(/_/g, " ")} ${id}`, href: null };
  }
}

/** The actions this lab's log holds, for the picker (a loose index scan would be faster on a huge log). */
export async function listAuditActions(db: DbOrTx, labId: string): Promise<string[]> {
  const rows = await db.selectDistinct({ action: auditLog.action }).from(auditLog).where(eq(auditLog.labId, labId)).orderBy(auditLog.action);
  return rows.map((r) => r.action);
}

/** Who can be picked in the member filter, and which versions in the dataset filter. */
export async function listAuditFilterChoices(db: DbOrTx, labId: string) {
  const [members, versions, actions] = await Promise.all([
    db.select({ id: users.id, name: users.name, email: users.email }).from(users).where(eq(users.labId, labId)).orderBy(users.name),
    db.select({ id: datasets.id, slug: datasets.slug, version: datasets.version }).from(datasets).innerJoin(labDatasets, eq(labDatasets.datasetId, datasets.id)).where(eq(labDatasets.labId, labId)).orderBy(datasets.slug, datasets.version),
    listAuditActions(db, labId),
  ]);
  return { members, versions, actions };
}

/** Details as label/value pairs: text as written, anything else as compact JSON. */
export function detailFields(details: Record<string, unknown>): [string, string][] {
  return Object.entries(details).map(([k, v]) => [k, typeof v === "string" ? v : JSON.stringify(v)]);
}

type ListedRow = DescribableRow & { id: number; at: string; action: string; outcome: string; ip: string | null; hash: string };

/** The page's rows: masked rows from listAuditEntries, with names, fields and links. */
export async function readableAuditRows(db: DbOrTx, labId: string, rows: ListedRow[]) {
  const described = await describeAuditRows(db, labId, rows);
  return rows.map((r, i) => ({
    id: r.id, at: r.at, actorId: r.actorId, actorEmail: r.actorEmail, action: r.action, outcome: r.outcome, ip: r.ip, hash: r.hash,
    ...described[i]!,
    targetFilter: r.targetType && r.targetId && !r.targetId.startsWith("[hidden") ? `${r.targetType}:${r.targetId}` : null,
    details: detailFields(r.details),
  }));
}
