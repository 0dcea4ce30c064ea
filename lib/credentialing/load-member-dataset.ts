import "server-only";
import { sql } from "drizzle-orm";
import { accessGrants, attestations, credentialingApplications, datasets, duaSignatures, labAccessPolicies, labDatasets, labTrainingPolicies, physionetAccounts, physionetVerifications, trainings, trainingTypes } from "@/db/schema";
import type { DbOrTx } from "@/lib/db/client";
import { fromJsonRows } from "@/lib/db/json-rows";
import type { DatasetRequirements, MemberAccessFacts } from "./access-rule";
import { assembleMembersFacts, assemblePolicy, assembleRequirements } from "./load-facts";
import type { LabAccessPolicy } from "./policy";

type Json = Record<string, unknown>;
type Row = {
  ds: { d: Json; lab: Json }[] | null;
  types: Json[] | null;
  accounts: Json[] | null;
  trainings: Json[] | null;
  applications: Json[] | null;
  duas: { sig: Json; slug: string; version: string }[] | null;
  grants: Json[] | null;
  verifications: Json[] | null;
  attested: Json[] | null;
  settings: Json | null;
  overrides: Json[] | null;
};

export type MemberDatasetFacts = {
  /** The lab's copy of the version and what it requires; null when the lab holds no copy. */
  dataset: (DatasetRequirements & { title: string }) | null;
  facts: MemberAccessFacts;
  policy: LabAccessPolicy;
};

/**
 * Everything the access rule decides one member × one dataset version on, in ONE statement: the
 * version the lab holds (by id, or by slug and version as a URL names it), the member's facts and the
 * lab's policy. Asked on every data request, where the loaders of load-facts.ts took a dozen round
 * trips; the rows are read and assembled exactly as those loaders do (same assemble functions, each
 * column through Drizzle's own mapping), so both decide the same.
 */
export async function loadMemberDatasetFacts(db: DbOrTx, opts: { labId: string; userId: string; dataset: { id: string } | { slug: string; version: string } }): Promise<MemberDatasetFacts> {
  const { labId, userId } = opts;
  const which = "id" in opts.dataset ? sql`d.id = ${opts.dataset.id}` : sql`d.slug = ${opts.dataset.slug} and d.version = ${opts.dataset.version}`;
  const mine = sql`t.lab_id = ${labId} and t.user_id = ${userId}`;
  const r = await db.execute<Row>(sql`
    select
      (select json_agg(json_build_object('d', to_jsonb(d), 'lab', to_jsonb(ld))) from (
        select d, ld from datasets d join lab_datasets ld on ld.dataset_id = d.id and ld.lab_id = ${labId} where ${which} limit 1) x(d, ld)) as ds,
      (select json_agg(to_jsonb(t)) from training_types t) as types,
      (select json_agg(to_jsonb(t)) from physionet_accounts t where ${mine}) as accounts,
      (select json_agg(to_jsonb(t)) from trainings t where ${mine}) as trainings,
      (select json_agg(to_jsonb(t) order by t.application_date desc, t.created_at desc) from credentialing_applications t where ${mine}) as applications,
      (select json_agg(json_build_object('sig', to_jsonb(t), 'slug', d.slug, 'version', d.version)) from dua_signatures t join datasets d on d.id = t.dataset_id where ${mine}) as duas,
      (select json_agg(to_jsonb(t)) from access_grants t where ${mine}) as grants,
      (select json_agg(to_jsonb(t)) from physionet_verifications t where ${mine}) as verifications,
      (select json_agg(to_jsonb(t)) from attestations t where ${mine}) as attested,
      (select to_jsonb(t) from lab_access_policies t where t.lab_id = ${labId} limit 1) as settings,
      (select json_agg(to_jsonb(t)) from lab_training_policies t where t.lab_id = ${labId}) as overrides`);
  const row = r.rows[0]!;
  const types = fromJsonRows(trainingTypes, row.types);
  const held = (row.ds ?? []).map((x) => ({ d: fromJsonRows(datasets, [x.d])[0]!, lab: fromJsonRows(labDatasets, [x.lab])[0]! }));
  const [dataset] = assembleRequirements(held, types);
  const facts = assembleMembersFacts(
    {
      accounts: fromJsonRows(physionetAccounts, row.accounts),
      trainingRows: fromJsonRows(trainings, row.trainings),
      applications: fromJsonRows(credentialingApplications, row.applications),
      duas: (row.duas ?? []).map((x) => ({ sig: fromJsonRows(duaSignatures, [x.sig])[0]!, slug: x.slug, version: x.version })),
      grants: fromJsonRows(accessGrants, row.grants),
      verifications: fromJsonRows(physionetVerifications, row.verifications),
      attested: fromJsonRows(attestations, row.attested),
    },
    [userId],
  ).get(userId)!;
  const policy = assemblePolicy(
    row.settings ? fromJsonRows(labAccessPolicies, [row.settings])[0]! : null,
    types.map((t) => ({ slug: t.slug, days: t.defaultValidityDays })),
    fromJsonRows(labTrainingPolicies, row.overrides).map((o) => ({ type: o.trainingType, days: o.validityDays })),
  );
  return { dataset: dataset ? { ...dataset, title: held[0]!.d.title } : null, facts, policy };
}
