import { drizzle } from "drizzle-orm/node-postgres";
import pg from "pg";
import * as schema from "@/db/schema";
import { createLab, createUser } from "@/lib/factories";
import type { Role } from "@/lib/auth/roles";

let pool: pg.Pool | undefined;
export function testDb() {
  pool ??= new pg.Pool({ connectionString: process.env.DATABASE_URL, max: 3 });
  return drizzle(pool, { schema });
}

export type Persona = { id: string; email: string; name: string; role: Role; password: string; labId: string };

/** A fresh lab with one active user per role; every test gets its own, so tests never collide. */
export async function seedLab() {
  const db = testDb();
  const lab = await createLab(db);
  const make = async (role: Role): Promise<Persona> => {
    const u = await createUser(db, { labId: lab.id, role });
    return { id: u.id, email: u.email, name: u.name, role: u.role, password: u.password!, labId: lab.id };
  };
  return { lab, admin: await make("admin"), steward: await make("steward"), member: await make("member") };
}
