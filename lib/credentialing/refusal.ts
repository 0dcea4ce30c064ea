import "server-only";
import { now } from "@/lib/clock";
import { getDb } from "@/lib/db/client";
import { findLabDataset } from "@/lib/datasets/find-dataset";
import { decideMemberAccess } from "./member-access";

export type Refusal = { dataset: string; step: string | null; reason: string };

/**
 * Why the signed-in member was refused the dataset version a path names (/datasets/<slug>/<version>/…
 * or its /api form), for the 403 page: only their own checklist, so nothing another member's.
 */
export async function explainDatasetRefusal(opts: { labId: string; userId: string; path: string }): Promise<Refusal | null> {
  const m = /^(?:\/api)?\/(?:datasets|downloads\/files)\/([^/]+)\/([^/]+)/.exec(opts.path);
  if (!m) return null;
  let slug: string, version: string;
  try {
    [slug, version] = [decodeURIComponent(m[1]!), decodeURIComponent(m[2]!)];
  } catch {
    return null;
  }
  const dataset = await findLabDataset({ labId: opts.labId, slug, version });
  if (!dataset) return null;
  const decision = await decideMemberAccess(getDb(), { labId: opts.labId, userId: opts.userId, datasetId: dataset.id, now: now() });
  if (!decision || decision.access) return null;
  const step = decision.steps.find((s) => s.id === decision.missingStep);
  return { dataset: `${dataset.slug} ${dataset.version}`, step: step?.title ?? null, reason: decision.reason };
}
