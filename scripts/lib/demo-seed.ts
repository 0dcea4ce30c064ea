import { eq } from "drizzle-orm";
import { drizzle } from "drizzle-orm/node-postgres";
import pg from "pg";
import * as schema from "@/db/schema";
import { createLab, createUser } from "@/lib/factories";
import type { Role } from "@/lib/auth/roles";

export const DEMO_LAB_SLUG = "demo";
export const DEMO_USERS: { role: Role; email: string; name: string; password: string }[] = [
  { role: "admin", email: "admin@demo.labgate.test", name: "Ada Admin", password: "demo-admin-password" },
  { role: "steward", email: "steward@demo.labgate.test", name: "Sam Steward", password: "demo-steward-password" },
  { role: "member", email: "member@demo.labgate.test", name: "Mia Member", password: "demo-member-password" },
];

/** Seeds the demo lab the first time only; later starts leave whatever the lab has become alone. */
export async function seedDemo(url: string): Promise<{ created: boolean }> {
  const pool = new pg.Pool({ connectionString: url, max: 1 });
  const db = drizzle(pool, { schema });
  try {
    const [existing] = await db.select({ id: schema.labs.id }).from(schema.labs).where(eq(schema.labs.slug, DEMO_LAB_SLUG));
    if (existing) return { created: false };
    await db.transaction(async (tx) => {
      const lab = await createLab(tx, { name: "Demo Imaging Lab", slug: DEMO_LAB_SLUG });
      for (const u of DEMO_USERS) await createUser(tx, { labId: lab.id, ...u });
    });
    return { created: true };
  } finally {
    await pool.end();
  }
}
