import "server-only";
import { and, desc, eq, inArray } from "drizzle-orm";
import {
  accessGrants,
  attestations,
  credentialingApplications,
  datasets,
  duaSignatures,
  labAccessPolicies,
  labDatasets,
  labTrainingPolicies,
  physionetAccounts,
  physionetVerifications,
  trainings,
  trainingTypes,
} from "@/db/schema";
import type { AnyPgColumn } from "drizzle-orm/pg-core";
import type { DbOrTx } from "@/lib/db/client";
import { effectiveRequirements } from "@/lib/datasets/dataset-requirements";
import { parallelReads } from "@/lib/db/parallel";
import type { AttestationFact, DatasetRequirements, MemberAccessFacts } from "./access-rule";
import { DEFAULT_LAB_ACCESS_POLICY, type LabAccessPolicy } from "./policy";

// Loads the facts the access rule (access-rule.ts) decides on. Everything is loaded per lab in a
// handful of queries, so the steward's matrix costs the same few round trips as one member's page.

const emptyFacts = (): MemberAccessFacts & { trainings: MemberAccessFacts["trainings"][number][] } => ({
  physionetAccount: null,
  trainings: [],
  credentialing: null,
  duaSignatures: [],
  grants: [],
  verifications: [],
  attestations: [],
});

type Mutable = { -readonly [K in keyof MemberAccessFacts]: MemberAccessFacts[K] extends readonly (infer U)[] ? U[] : MemberAccessFacts[K] };

/** Facts for each of the given members of one lab (all of them when userIds is omitted). */
export async function loadMembersFacts(db: DbOrTx, opts: { labId: string; userIds?: readonly string[] }): Promise<Map<string, MemberAccessFacts>> {
  const ids = opts.userIds;
  if (ids && ids.length === 0) return new Map();
  const scope = (labCol: AnyPgColumn, userCol: AnyPgColumn) =>
    ids ? and(eq(labCol, opts.labId), inArray(userCol, [...ids])) : eq(labCol, opts.labId);

  const [accounts, trainingRows, applications, duas, grants, verifications, attested] = await parallelReads(db, [
    () => db.select().from(physionetAccounts).where(scope(physionetAccounts.labId, physionetAccounts.userId)),
    () => db.select().from(trainings).where(scope(trainings.labId, trainings.userId)),
    () => db.select().from(credentialingApplications).where(scope(credentialingApplications.labId, credentialingApplications.userId)).orderBy(desc(credentialingApplications.applicationDate), desc(credentialingApplications.createdAt)),
    () =>
      db
        .select({ sig: duaSignatures, slug: datasets.slug, version: datasets.version })
        .from(duaSignatures)
        .innerJoin(datasets, eq(datasets.id, duaSignatures.datasetId))
        .where(scope(duaSignatures.labId, duaSignatures.userId)),
    () => db.select().from(accessGrants).where(scope(accessGrants.labId, accessGrants.userId)),
    () => db.select().from(physionetVerifications).where(scope(physionetVerifications.labId, physionetVerifications.userId)),
    () => db.select().from(attestations).where(scope(attestations.labId, attestations.userId)),
  ] as const);
  return assembleMembersFacts({ accounts, trainingRows, applications, duas, grants, verifications, attested }, ids);
}

/** The rows behind members' facts, as the loaders select them (applications newest first). */
export type MemberFactRows = {
  accounts: (typeof physionetAccounts.$inferSelect)[];
  trainingRows: (typeof trainings.$inferSelect)[];
  applications: (typeof credentialingApplications.$inferSelect)[];
  duas: { sig: typeof duaSignatures.$inferSelect; slug: string; version: string }[];
  grants: (typeof accessGrants.$inferSelect)[];
  verifications: (typeof physionetVerifications.$inferSelect)[];
  attested: (typeof attestations.$inferSelect)[];
};

/** Members' facts from their rows; every member in `userIds` gets an entry, with or without rows. */
export function assembleMembersFacts(rows: MemberFactRows, userIds?: readonly string[]): Map<string, MemberAccessFacts> {
  const { accounts, trainingRows, applications, duas, grants, verifications, attested } = rows;
  const facts = new Map<string, Mutable>();
  const of = (userId: string) => {
    let f = facts.get(userId);
    if (!f) facts.set(userId, (f = emptyFacts() as Mutable));
    return f;
  };
  for (const id of userIds ?? []) of(id);
  for (const a of accounts) of(a.userId).physionetAccount = { username: a.username, since: a.createdAt };
  for (const t of trainingRows) of(t.userId).trainings.push({ trainingType: t.trainingType, kind: t.kind, status: t.status, submittedAt: t.submittedAt, acceptedAt: t.acceptedAt, completionDate: t.completionDate, expirationDate: t.expirationDate });
  // Ordered newest first: the latest application is the one that counts.
  for (const a of applications) {
    const f = of(a.userId);
    f.credentialing ??= { stage: a.stage, decision: a.decision, applicationDate: a.applicationDate, decisionDate: a.decisionDate };
  }
  for (const { sig, slug, version } of duas) {
    of(sig.userId).duaSignatures.push({ datasetId: sig.datasetId, datasetSlug: slug, datasetVersion: version, duaName: sig.duaName, duaVersion: sig.duaVersion, status: sig.status, signedOn: sig.signedOn, submittedAt: sig.createdAt });
  }
  for (const g of grants) of(g.userId).grants.push({ datasetId: g.datasetId, status: g.status, reason: g.reason, decidedAt: g.decidedAt });
  for (const v of verifications) of(v.userId).verifications.push({ datasetId: v.datasetId, outcome: v.outcome, httpStatus: v.httpStatus, checkedAt: v.checkedAt });
  for (const a of attested) (of(a.userId).attestations as AttestationFact[]).push({ kind: a.kind, datasetId: a.datasetId, textVersion: a.textVersion, attestedAt: a.attestedAt });
  return facts as Map<string, MemberAccessFacts>;
}

export async function loadMemberFacts(db: DbOrTx, opts: { labId: string; userId: string }): Promise<MemberAccessFacts> {
  return (await loadMembersFacts(db, { labId: opts.labId, userIds: [opts.userId] })).get(opts.userId)!;
}

/**
 * What each dataset version the lab holds requires (one version when datasetId is given): the
 * catalogue's requirements for a PhysioNet project it lists, else the lab's own (lib/datasets/dataset-requirements.ts).
 */
export async function loadLabDatasetRequirements(db: DbOrTx, opts: { labId: string; datasetId?: string }): Promise<DatasetRequirements[]> {
  const rows = await db
    .select({ d: datasets, lab: { requiredTrainingTypes: labDatasets.requiredTrainingTypes, duaName: labDatasets.duaName, duaVersion: labDatasets.duaVersion } })
    .from(datasets)
    .innerJoin(labDatasets, and(eq(labDatasets.datasetId, datasets.id), eq(labDatasets.labId, opts.labId)))
    .where(opts.datasetId ? eq(datasets.id, opts.datasetId) : undefined)
    .orderBy(datasets.slug, datasets.version);
  const typeSlugs = [...new Set(rows.flatMap(({ d, lab }) => effectiveRequirements(d, lab).requiredTrainingTypes))];
  const types = typeSlugs.length ? await db.select().from(trainingTypes).where(inArray(trainingTypes.slug, typeSlugs)) : [];
  return assembleRequirements(rows, types);
}

/** What each dataset row requires, training types named from `types` (any superset of those required). */
export function assembleRequirements(
  rows: { d: typeof datasets.$inferSelect; lab: { requiredTrainingTypes: string[] | null; duaName: string | null; duaVersion: string | null } }[],
  types: { slug: string; name: string }[],
): DatasetRequirements[] {
  const effective = rows.map(({ d, lab }) => ({ d, req: effectiveRequirements(d, lab) }));
  const names = new Map(types.map((t) => [t.slug, t.name]));
  return effective.map(({ d, req }) => ({
    id: d.id,
    slug: d.slug,
    version: d.version,
    accessPolicy: req.accessPolicy,
    requiredTrainings: req.requiredTrainingTypes.map((type) => ({ type, name: names.get(type) ?? type })),
    duaName: req.duaName,
    duaVersion: req.duaVersion,
  }));
}

/** The lab's settings, falling back to each training type's default and then to policy.ts. */
export async function loadLabPolicy(db: DbOrTx, labId: string): Promise<LabAccessPolicy> {
  const [[settings], typeDefaults, overrides] = await parallelReads(db, [
    () => db.select().from(labAccessPolicies).where(eq(labAccessPolicies.labId, labId)).limit(1),
    () => db.select({ slug: trainingTypes.slug, days: trainingTypes.defaultValidityDays }).from(trainingTypes),
    () => db.select({ type: labTrainingPolicies.trainingType, days: labTrainingPolicies.validityDays }).from(labTrainingPolicies).where(eq(labTrainingPolicies.labId, labId)),
  ] as const);
  return assemblePolicy(settings ?? null, typeDefaults, overrides);
}

/** The lab's policy from its settings row (or none), every training type's default and the lab's overrides. */
export function assemblePolicy(settings: typeof labAccessPolicies.$inferSelect | null, typeDefaults: { slug: string; days: number | null }[], overrides: { type: string; days: number | null }[]): LabAccessPolicy {
  const trainingValidityDays: Record<string, number | null> = {};
  for (const t of typeDefaults) trainingValidityDays[t.slug] = t.days;
  for (const o of overrides) trainingValidityDays[o.type] = o.days;
  return {
    trainingValidityDays,
    verificationValidDays: settings ? settings.verificationValidDays : DEFAULT_LAB_ACCESS_POLICY.verificationValidDays,
    warningDays: settings ? settings.warningDays : DEFAULT_LAB_ACCESS_POLICY.warningDays,
    responsibleUseRequired: settings?.responsibleUseRequired ?? false,
    reattestMonths: settings?.reattestMonths ?? null,
  };
}
