import "server-only";
import { and, eq } from "drizzle-orm";
import { accessGrants } from "@/db/schema";
import { getDb } from "@/lib/db/client";

/**
 * Whether the member may see any byte of the dataset version. Until the credentialing rule lands
 * (lib/credentialing/access-rule.ts) the lab's stand-in is the steward's explicit grant; a suspended
 * or revoked grant, or none, means no access. Role gives nothing: a steward needs a grant too.
 */
export async function hasDatasetAccess(opts: { userId: string; labId: string; datasetId: string }): Promise<boolean> {
  const [grant] = await getDb()
    .select({ status: accessGrants.status })
    .from(accessGrants)
    .where(and(eq(accessGrants.userId, opts.userId), eq(accessGrants.labId, opts.labId), eq(accessGrants.datasetId, opts.datasetId)))
    .limit(1);
  return grant?.status === "approved";
}
