import { randomUUID } from "node:crypto";
import { labs, users } from "@/db/schema";
import type { DbOrTx } from "@/lib/db/client";
import { hashPassword } from "@/lib/auth/password";
import type { Role } from "@/lib/auth/roles";

// One factory module for the demo seed and the tests, so both build rows the same way.

export async function createLab(db: DbOrTx, opts: { name?: string; slug?: string } = {}) {
  const suffix = randomUUID().slice(0, 8);
  const [lab] = await db
    .insert(labs)
    .values({ name: opts.name ?? `Test lab ${suffix}`, slug: opts.slug ?? `lab-${suffix}` })
    .returning();
  return lab!;
}

export async function createUser(
  db: DbOrTx,
  opts: { labId: string; role?: Role; email?: string; name?: string; password?: string | null; status?: "active" | "deactivated" },
) {
  const suffix = randomUUID().slice(0, 8);
  const role = opts.role ?? "member";
  const password = opts.password === undefined ? `password-${suffix}-long` : opts.password;
  const [user] = await db
    .insert(users)
    .values({
      labId: opts.labId,
      role,
      email: (opts.email ?? `${role}-${suffix}@example.org`).toLowerCase(),
      name: opts.name ?? `${role[0]!.toUpperCase()}${role.slice(1)} ${suffix}`,
      passwordHash: password === null ? null : await hashPassword(password),
      status: opts.status ?? "active",
    })
    .returning();
  return { ...user!, password };
}
