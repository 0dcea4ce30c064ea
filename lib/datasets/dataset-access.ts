import "server-only";
import { now } from "@/lib/clock";
import { decideMemberAccess } from "@/lib/credentialing/member-access";
import { getDb } from "@/lib/db/client";

/**
 * Whether the member may see any byte of the dataset version, by the one access rule
 * (lib/credentialing/access-rule.ts): account, valid training, credentialing, the DUA for this exact
 * version, and steward approval (or a fresh PhysioNet verification where the lab allows it). Role
 * gives nothing: a steward needs all of it too. Asked on every request, so a revocation, suspension
 * or expiry takes effect on the next one.
 */
export async function hasDatasetAccess(opts: { userId: string; labId: string; datasetId: string }): Promise<boolean> {
  const decision = await decideMemberAccess(getDb(), { ...opts, now: now() });
  return decision?.access === true;
}
