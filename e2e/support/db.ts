import { randomBytes } from "node:crypto";
import { drizzle } from "drizzle-orm/node-postgres";
import pg from "pg";
import * as schema from "@/db/schema";
import { and, eq } from "drizzle-orm";
import { createLab, createUser, credentialMember } from "@/lib/factories";
import { E2E_CXR, E2E_JPG } from "./mimic-data";
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
    // A two-word name of letters, like a person's, so name and initials checks have something to match.
    const u = await createUser(db, { labId: lab.id, role, name: personName(role) });
    return { id: u.id, email: u.email, name: u.name, role: u.role, password: u.password!, labId: lab.id };
  };
  const admin = await make("admin");
  const steward = await make("steward");
  const member = await make("member");
  // A member holding everything the access rule asks for both e2e datasets; nobody else has access.
  const researcher = await make("member");
  const datasetIds: Record<"jpg" | "cxr", string> = { jpg: "", cxr: "" };
  for (const [key, ref] of [["jpg", E2E_JPG], ["cxr", E2E_CXR]] as const) {
    const [d] = await db.select({ id: schema.datasets.id }).from(schema.datasets).where(and(eq(schema.datasets.slug, ref.slug), eq(schema.datasets.version, ref.version)));
    datasetIds[key] = d!.id;
    await db.insert(schema.labDatasets).values({ labId: lab.id, datasetId: d!.id });
  }
  await credentialMember(db, { labId: lab.id, userId: researcher.id, stewardId: steward.id, datasetIds: Object.values(datasetIds) });
  return { lab, admin, steward, member, researcher, datasetIds };
}

function personName(role: Role): string {
  const letters = Array.from(randomBytes(6), (b) => String.fromCharCode(97 + (b % 26))).join("");
  return `${role[0]!.toUpperCase()}${role.slice(1)} ${letters[0]!.toUpperCase()}${letters.slice(1)}`;
}
