import { sql } from "drizzle-orm";
import { getDb } from "@/lib/db/client";
import { route } from "@/lib/http/route";

export const GET = route({ access: "public" }, async () => {
  await getDb().execute(sql`select 1`);
  return { ok: true };
});
