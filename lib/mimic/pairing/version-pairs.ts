import "server-only";
import { and, eq, or, sql } from "drizzle-orm";
import { z } from "zod";
import { datasets, labDatasets, mimicVersionPairs } from "@/db/schema";
import { recordAudit } from "@/lib/audit/record";
import type { CurrentUser } from "@/lib/auth/current-user";
import { getDb } from "@/lib/db/client";
import { AppError } from "@/lib/http/errors";
import { uuidSchema } from "@/lib/validation";

// Which MIMIC-CXR version the lab reads with which MIMIC-CXR-JPG version (decision 027). A steward
// states it: 2.0.0 and 2.1.0 of either project describe the same studies, so "the same number" would
// be a guess, and a lab may hold one version of one project and another of the other.

export const CXR_SLUG = "mimic-cxr";
export const JPG_SLUG = "mimic-cxr-jpg";

export type PairedVersion = { id: string; slug: string; version: string; title: string };
export type VersionPair = { cxr: PairedVersion; jpg: PairedVersion; createdAt: Date };

export const versionPairSchema = z.object({
  cxrDatasetId: uuidSchema,
  // null removes the MIMIC-CXR version's pairing.
  jpgDatasetId: uuidSchema.nullable(),
});

export async function listVersionPairs(labId: string): Promise<VersionPair[]> {
  const rows = await getDb().execute<{ cxr_id: string; cxr_version: string; cxr_title: string; jpg_id: string; jpg_version: string; jpg_title: string; created_at: Date }>(sql`
    select c.id as cxr_id, c.version as cxr_version, c.title as cxr_title, j.id as jpg_id, j.version as jpg_version, j.title as jpg_title, p.created_at
    from ${mimicVersionPairs} p join ${datasets} c on c.id = p.cxr_dataset_id join ${datasets} j on j.id = p.jpg_dataset_id
    where p.lab_id = ${labId} order by c.version, j.version`);
  return rows.rows.map((r) => ({
    cxr: { id: r.cxr_id, slug: CXR_SLUG, version: r.cxr_version, title: r.cxr_title },
    jpg: { id: r.jpg_id, slug: JPG_SLUG, version: r.jpg_version, title: r.jpg_title },
    createdAt: new Date(r.created_at),
  }));
}

/** The other half of a dataset version's pair in this lab, or null (not MIMIC, or not paired). */
export async function findPairedVersion(opts: { labId: string; datasetId: string }): Promise<(PairedVersion & { side: "cxr" | "jpg" }) | null> {
  const rows = await getDb().execute<{ id: string; slug: string; version: string; title: string }>(sql`
    select d.id, d.slug, d.version, d.title
    from ${mimicVersionPairs} p join ${datasets} d on d.id = case when p.cxr_dataset_id = ${opts.datasetId} then p.jpg_dataset_id else p.cxr_dataset_id end
    where p.lab_id = ${opts.labId} and (p.cxr_dataset_id = ${opts.datasetId} or p.jpg_dataset_id = ${opts.datasetId})`);
  const r = rows.rows[0];
  if (!r) return null;
  return { id: r.id, slug: r.slug, version: r.version, title: r.title, side: r.slug === CXR_SLUG ? "cxr" : "jpg" };
}

async function heldVersion(tx: Parameters<Parameters<ReturnType<typeof getDb>["transaction"]>[0]>[0], labId: string, datasetId: string) {
  const [row] = await tx
    .select({ id: datasets.id, slug: datasets.slug, version: datasets.version })
    .from(labDatasets)
    .innerJoin(datasets, eq(datasets.id, labDatasets.datasetId))
    .where(and(eq(labDatasets.labId, labId), eq(labDatasets.datasetId, datasetId)))
    .limit(1);
  return row ?? null;
}

/**
 * Pairs a MIMIC-CXR version with a MIMIC-CXR-JPG version for the steward's lab (or removes the
 * pairing with jpgDatasetId null). Either side's previous pairing is replaced: a study has one partner.
 */
export async function setVersionPair(opts: { actor: CurrentUser; cxrDatasetId: string; jpgDatasetId: string | null; ip: string | null }): Promise<{ ok: true }> {
  const { actor } = opts;
  return getDb().transaction(async (tx) => {
    // One steward's change at a time per lab, so two pairings cannot both take the same version.
    await tx.execute(sql`select pg_advisory_xact_lock(hashtext('mimic_version_pairs'), hashtext(${actor.labId}))`);
    const cxr = await heldVersion(tx, actor.labId, opts.cxrDatasetId);
    if (!cxr || cxr.slug !== CXR_SLUG) throw new AppError("bad_request", "Choose a MIMIC-CXR version your lab holds", { cxrDatasetId: ["Not a MIMIC-CXR version of this lab"] });
    const jpg = opts.jpgDatasetId ? await heldVersion(tx, actor.labId, opts.jpgDatasetId) : null;
    if (opts.jpgDatasetId && (!jpg || jpg.slug !== JPG_SLUG)) throw new AppError("bad_request", "Choose a MIMIC-CXR-JPG version your lab holds", { jpgDatasetId: ["Not a MIMIC-CXR-JPG version of this lab"] });
    // The pairs either version is in now: the one kept as is, or the ones this change replaces.
    const involved = and(eq(mimicVersionPairs.labId, actor.labId), or(eq(mimicVersionPairs.cxrDatasetId, cxr.id), ...(jpg ? [eq(mimicVersionPairs.jpgDatasetId, jpg.id)] : [])));
    const previous = await tx
      .select({ cxr: mimicVersionPairs.cxrDatasetId, jpg: mimicVersionPairs.jpgDatasetId })
      .from(mimicVersionPairs)
      .where(involved);
    if (previous.length === 1 && jpg && previous[0]!.cxr === cxr.id && previous[0]!.jpg === jpg.id) return { ok: true as const };
    await tx
      .delete(mimicVersionPairs)
      .where(involved);
    if (jpg) await tx.insert(mimicVersionPairs).values({ labId: actor.labId, cxrDatasetId: cxr.id, jpgDatasetId: jpg.id, createdBy: actor.id });
    await recordAudit(tx, {
      action: "dataset.pair",
      labId: actor.labId,
      actor,
      target: { type: "dataset", id: cxr.id },
      ip: opts.ip,
      details: { dataset: `${cxr.slug}/${cxr.version}`, pairedWith: jpg ? `${jpg.slug}/${jpg.version}` : null, replaced: previous.length },
    });
    return { ok: true as const };
  });
}
