export const ROLES = ["member", "steward", "admin"] as const;
export type Role = (typeof ROLES)[number];

const RANK: Record<Role, number> = { member: 0, steward: 1, admin: 2 };

export function roleAtLeast(role: Role, minimum: Role): boolean {
  return RANK[role] >= RANK[minimum];
}

// Four-eyes (docs/decisions/016-separation-of-duties.md): a steward manages members only; only an
// admin creates, changes or removes stewards and admins, so no steward can make the second steward
// who would approve their own training, DUA and access.
export function canAssignRole(actor: Role, target: Role): boolean {
  return target === "member" ? roleAtLeast(actor, "steward") : actor === "admin";
}

export function canManageUser(actor: Role, subject: Role): boolean {
  return subject === "member" ? roleAtLeast(actor, "steward") : actor === "admin";
}
