import "server-only";
import { and, asc, eq } from "drizzle-orm";
import { users } from "@/db/schema";
import type { DbOrTx } from "@/lib/db/client";
import { parallelReads } from "@/lib/db/parallel";
import { decideAccess, type AccessDecision, type DatasetRequirements } from "./access-rule";
import { loadLabDatasetRequirements, loadLabPolicy, loadMemberFacts, loadMembersFacts } from "./load-facts";
import { loadMemberDatasetFacts } from "./load-member-dataset";

// The access rule applied to stored facts: one member × one dataset (every data request), one member
// × the lab's datasets (the checklist), every member × every dataset (the steward's matrix).

export type DatasetDecision = { dataset: DatasetRequirements; decision: AccessDecision };

/** Null when the lab holds no copy of the dataset. One statement (load-member-dataset.ts): it is asked on every data request. */
export async function decideMemberAccess(db: DbOrTx, opts: { labId: string; userId: string; datasetId: string; now: Date }): Promise<AccessDecision | null> {
  const { dataset, facts, policy } = await loadMemberDatasetFacts(db, { labId: opts.labId, userId: opts.userId, dataset: { id: opts.datasetId } });
  return dataset ? decideAccess({ dataset, facts, policy, now: opts.now }) : null;
}

/** The same for a version named as a URL names it: the lab's copy (null when it holds none) and the decision, in one statement. */
export async function decideMemberAccessBySlug(db: DbOrTx, opts: { labId: string; userId: string; slug: string; version: string; now: Date }): Promise<{ dataset: DatasetRequirements & { title: string }; decision: AccessDecision } | null> {
  const { dataset, facts, policy } = await loadMemberDatasetFacts(db, { labId: opts.labId, userId: opts.userId, dataset: { slug: opts.slug, version: opts.version } });
  return dataset ? { dataset, decision: decideAccess({ dataset, facts, policy, now: opts.now }) } : null;
}

export async function memberChecklist(db: DbOrTx, opts: { labId: string; userId: string; now: Date }): Promise<DatasetDecision[]> {
  const [datasetsHeld, facts, policy] = await parallelReads(db, [() => loadLabDatasetRequirements(db, { labId: opts.labId }), () => loadMemberFacts(db, opts), () => loadLabPolicy(db, opts.labId)] as const);
  return datasetsHeld.map((dataset) => ({ dataset, decision: decideAccess({ dataset, facts, policy, now: opts.now }) }));
}

export type MatrixMember = { id: string; name: string; email: string; role: string; physionetUsername: string | null };
export type AccessMatrix = { datasets: DatasetRequirements[]; rows: { member: MatrixMember; cells: Record<string, AccessDecision> }[] };

/** Every active member of the lab against every dataset version it holds. */
export async function labAccessMatrix(db: DbOrTx, opts: { labId: string; now: Date }): Promise<AccessMatrix> {
  const [datasetsHeld, facts, policy, members] = await parallelReads(db, [
    () => loadLabDatasetRequirements(db, { labId: opts.labId }),
    () => loadMembersFacts(db, { labId: opts.labId }),
    () => loadLabPolicy(db, opts.labId),
    () =>
      db
        .select({ id: users.id, name: users.name, email: users.email, role: users.role })
        .from(users)
        .where(and(eq(users.labId, opts.labId), eq(users.status, "active")))
        .orderBy(asc(users.name)),
  ] as const);
  const none = { physionetAccount: null, trainings: [], credentialing: null, duaSignatures: [], grants: [], verifications: [], attestations: [] };
  return {
    datasets: datasetsHeld,
    rows: members.map((m) => {
      const f = facts.get(m.id) ?? none;
      const cells: Record<string, AccessDecision> = {};
      for (const dataset of datasetsHeld) cells[dataset.id] = decideAccess({ dataset, facts: f, policy, now: opts.now });
      return { member: { ...m, physionetUsername: f.physionetAccount?.username ?? null }, cells };
    }),
  };
}
