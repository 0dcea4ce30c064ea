export const ROLES = ["member", "steward", "admin"] as const;
export type Role = (typeof ROLES)[number];

const RANK: Record<Role, number> = { member: 0, steward: 1, admin: 2 };

export function roleAtLeast(role: Role, minimum: Role): boolean {
  return RANK[role] >= RANK[minimum];
}

// A steward manages members and stewards; only an admin may create, change or remove admins.
export function canAssignRole(actor: Role, target: Role): boolean {
  return target === "admin" ? actor === "admin" : roleAtLeast(actor, "steward");
}

export function canManageUser(actor: Role, subject: Role): boolean {
  return subject === "admin" ? actor === "admin" : roleAtLeast(actor, "steward");
}
