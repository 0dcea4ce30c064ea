import type { AccessGrantStatus } from "./access-rule";

// Which steward decisions apply to a (member, dataset) grant in which state. Pure, so the server
// (lib/credentialing/grants.ts) refuses exactly what the matrix does not offer.

export const GRANT_ACTIONS = ["approve", "suspend", "revoke", "reinstate"] as const;
export type GrantAction = (typeof GRANT_ACTIONS)[number];

export const GRANT_TARGET: Record<GrantAction, AccessGrantStatus> = { approve: "approved", suspend: "suspended", revoke: "revoked", reinstate: "approved" };

/** Suspending and revoking take something away: the member is told why. */
export const REASON_REQUIRED: Record<GrantAction, boolean> = { approve: false, suspend: true, revoke: true, reinstate: false };

export const GRANT_ACTION_LABELS: Record<GrantAction, string> = { approve: "Approve", suspend: "Suspend", revoke: "Revoke", reinstate: "Reinstate" };

/** Null when the action applies to a grant in this state, else why not (for a 409). */
export function grantActionRefusal(action: GrantAction, current: AccessGrantStatus | null): string | null {
  switch (action) {
    case "approve":
      if (current === "approved") return "Access is already approved";
      if (current !== null) return `Access is ${current}: reinstate it instead`;
      return null;
    case "suspend":
      if (current === "suspended") return "Access is already suspended";
      if (current === "revoked") return "Access is revoked, which already ends it: reinstate it first if you want to suspend instead";
      return null;
    case "revoke":
      return current === "revoked" ? "Access is already revoked" : null;
    case "reinstate":
      return current === "suspended" || current === "revoked" ? null : "Access is neither suspended nor revoked: there is nothing to reinstate";
  }
}

export function availableGrantActions(current: AccessGrantStatus | null, opts: { readyForApproval: boolean }): GrantAction[] {
  return GRANT_ACTIONS.filter((a) => grantActionRefusal(a, current) === null && (a !== "approve" || opts.readyForApproval));
}
