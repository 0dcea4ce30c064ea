import { and, eq } from "drizzle-orm";
import { drizzle } from "drizzle-orm/node-postgres";
import pg from "pg";
import * as schema from "@/db/schema";
import { createLab, createUser, credentialMember } from "@/lib/factories";
import type { Role } from "@/lib/auth/roles";

export const DEMO_LAB_SLUG = "demo";
export const DEMO_USERS: { role: Role; email: string; name: string; password: string }[] = [
  { role: "admin", email: "admin@demo.labgate.test", name: "Ada Admin", password: "demo-admin-password" },
  { role: "steward", email: "steward@demo.labgate.test", name: "Sam Steward", password: "demo-steward-password" },
  { role: "member", email: "member@demo.labgate.test", name: "Mia Member", password: "demo-member-password" },
  { role: "member", email: "researcher@demo.labgate.test", name: "Rae Researcher", password: "demo-researcher-password" },
];

// The demo lab holds synthetic copies of these; only the researcher holds everything the access rule
// asks (account, training, credentialing, DUA, approval), so the demo shows both sides of the gate;
// the member starts with an empty checklist.
export const DEMO_DATASETS = [
  { slug: "mimic-cxr-jpg", version: "2.0.0" },
  { slug: "mimic-cxr", version: "2.0.0" },
] as const;
const DEMO_GRANTEE = "researcher@demo.labgate.test";
/** The researcher's PhysioNet account, which the demo's PhysioNet-like upstream knows (scripts/lib/demo-upstream.ts). */
export const DEMO_PHYSIONET_USERNAME = "rae-researcher";

/** Seeds the demo lab the first time only; later starts leave whatever the lab has become alone. */
export async function seedDemo(url: string): Promise<{ created: boolean }> {
  const pool = new pg.Pool({ connectionString: url, max: 1 });
  const db = drizzle(pool, { schema });
  try {
    const [existing] = await db.select({ id: schema.labs.id }).from(schema.labs).where(eq(schema.labs.slug, DEMO_LAB_SLUG));
    if (existing) return { created: false };
    await db.transaction(async (tx) => {
      const lab = await createLab(tx, { name: "Demo Imaging Lab", slug: DEMO_LAB_SLUG });
      const made = new Map<string, string>();
      for (const u of DEMO_USERS) made.set(u.email, (await createUser(tx, { labId: lab.id, ...u })).id);
      const steward = made.get("steward@demo.labgate.test")!;
      const held: string[] = [];
      for (const ref of DEMO_DATASETS) {
        const [d] = await tx.select({ id: schema.datasets.id }).from(schema.datasets).where(and(eq(schema.datasets.slug, ref.slug), eq(schema.datasets.version, ref.version)));
        if (!d) continue;
        await tx.insert(schema.labDatasets).values({ labId: lab.id, datasetId: d.id, addedBy: steward });
        held.push(d.id);
      }
      await credentialMember(tx, { labId: lab.id, userId: made.get(DEMO_GRANTEE)!, stewardId: steward, datasetIds: held, username: DEMO_PHYSIONET_USERNAME });
    });
    return { created: true };
  } finally {
    await pool.end();
  }
}
