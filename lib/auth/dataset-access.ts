import "server-only";
import { forbidden, notFound } from "next/navigation";
import { recordAudit } from "@/lib/audit/record";
import { getDb } from "@/lib/db/client";
import { now } from "@/lib/clock";
import { decideMemberAccessBySlug } from "@/lib/credentialing/member-access";
import type { DatasetRef } from "@/lib/datasets/find-dataset";
import { requireUser, type CurrentUser } from "./current-user";
import type { Caller } from "./request-caller";

/**
 * First call of every page and route handler that shows any part of a dataset version. A version
 * the lab does not hold is a 404; one the user may not see is a 403, and the refusal is audited
 * (the DUA asks who tried, not only who succeeded). `caller` is given by route() when the request
 * came with an access token: the same rule is asked as the token's owner, and a token limited to
 * other versions is refused like a missing grant.
 */
export async function requireDatasetAccess(ref: { slug: string; version: string }, opts?: { caller?: Caller }): Promise<{ user: CurrentUser; dataset: DatasetRef }> {
  const user = opts?.caller?.user ?? (await requireUser());
  const token = opts?.caller?.token ?? null;
  // The lab's copy and the member's decision in one statement: this runs before every data request.
  const found = await decideMemberAccessBySlug(getDb(), { labId: user.labId, userId: user.id, slug: ref.slug, version: ref.version, now: now() });
  if (!found) notFound();
  const { id, slug, version, title, duaName, duaVersion } = found.dataset;
  const dataset: DatasetRef = { id, slug, version, title, duaName, duaVersion };
  const outsideToken = token !== null && token.datasetIds.length > 0 && !token.datasetIds.includes(dataset.id);
  if (outsideToken || found.decision.access !== true) {
    await recordAudit(getDb(), {
      action: "dataset.access",
      outcome: "denied",
      labId: user.labId,
      actor: user,
      target: { type: "dataset", id: dataset.id },
      details: { dataset: `${dataset.slug}/${dataset.version}`, ...(token ? { tokenId: token.id } : {}), ...(outsideToken ? { reason: "token not valid for this dataset version" } : {}) },
    });
    forbidden();
  }
  return { user, dataset };
}
