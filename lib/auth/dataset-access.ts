import "server-only";
import { forbidden, notFound } from "next/navigation";
import { recordAudit } from "@/lib/audit/record";
import { getDb } from "@/lib/db/client";
import { hasDatasetAccess } from "@/lib/datasets/dataset-access";
import { findLabDataset, type DatasetRef } from "@/lib/datasets/find-dataset";
import { requireUser, type CurrentUser } from "./current-user";

/**
 * First call of every page and route handler that shows any part of a dataset version. A version
 * the lab does not hold is a 404; one the user may not see is a 403, and the refusal is audited
 * (the DUA asks who tried, not only who succeeded).
 */
export async function requireDatasetAccess(ref: { slug: string; version: string }): Promise<{ user: CurrentUser; dataset: DatasetRef }> {
  const user = await requireUser();
  const dataset = await findLabDataset({ labId: user.labId, slug: ref.slug, version: ref.version });
  if (!dataset) notFound();
  if (!(await hasDatasetAccess({ userId: user.id, labId: user.labId, datasetId: dataset.id }))) {
    await recordAudit(getDb(), {
      action: "dataset.access",
      outcome: "denied",
      labId: user.labId,
      actor: user,
      target: { type: "dataset", id: dataset.id },
      details: { dataset: `${dataset.slug}/${dataset.version}` },
    });
    forbidden();
  }
  return { user, dataset };
}
