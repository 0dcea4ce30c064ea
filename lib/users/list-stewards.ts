import "server-only";
import { and, asc, eq, inArray } from "drizzle-orm";
import { users } from "@/db/schema";
import { getDb } from "@/lib/db/client";

/** The lab's active stewards and admins, whom members contact about access (the help page). */
export async function listStewards(opts: { labId: string }): Promise<{ name: string; email: string; role: string }[]> {
  return getDb()
    .select({ name: users.name, email: users.email, role: users.role })
    .from(users)
    .where(and(eq(users.labId, opts.labId), eq(users.status, "active"), inArray(users.role, ["steward", "admin"])))
    .orderBy(asc(users.name));
}
