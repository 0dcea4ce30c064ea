import { randomBytes } from "node:crypto";
import { getDb } from "@/lib/db/client";
import { createLab, createUser } from "@/lib/factories";
import type { CurrentUser } from "@/lib/auth/current-user";
import type { Role } from "@/lib/auth/roles";

/** A fresh lab with one user of each role, as CurrentUser objects the lib functions take. */
export async function labWithRoles() {
  const db = getDb();
  const lab = await createLab(db);
  const make = async (role: Role) => {
    // A two-word name of letters, like a person's, so name and initials checks have something to match.
    const u = await createUser(db, { labId: lab.id, role, name: personName(role) });
    const current: CurrentUser = { id: u.id, email: u.email, name: u.name, role: u.role, labId: lab.id };
    return { ...current, password: u.password! };
  };
  return { lab, admin: await make("admin"), steward: await make("steward"), member: await make("member") };
}

function personName(role: Role): string {
  const letters = Array.from(randomBytes(6), (b) => String.fromCharCode(97 + (b % 26))).join("");
  return `${role[0]!.toUpperCase()}${role.slice(1)} ${letters[0]!.toUpperCase()}${letters.slice(1)}`;
}
