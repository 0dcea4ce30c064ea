import "server-only";
import { eq } from "drizzle-orm";
import { labs } from "@/db/schema";
import { getDb } from "@/lib/db/client";
import { AppError } from "@/lib/http/errors";

export async function getLab(opts: { labId: string }) {
  const [lab] = await getDb().select({ id: labs.id, name: labs.name, slug: labs.slug }).from(labs).where(eq(labs.id, opts.labId));
  if (!lab) throw new AppError("not_found", "Lab not found");
  return lab;
}
