import "server-only";
import { desc, eq } from "drizzle-orm";
import { auditLog, labs } from "@/db/schema";
import { getDb } from "@/lib/db/client";
import { labUsage } from "@/lib/downloads/usage";
import { getEnv, oidcConfigured } from "@/lib/env";
import { listHeldVersions } from "@/lib/retention/held-versions";
import { queueDepth, workerStatus } from "./heartbeat";

/** What the admin page shows, read in one go; nothing here runs a check that can hang (see doctor). */
export async function adminOverview(opts: { labId: string }) {
  const db = getDb();
  const env = getEnv();
  const [[lab], usage, workers, queued, held, [head]] = await Promise.all([
    db.select({ name: labs.name, institution: labs.institution, createdAt: labs.createdAt }).from(labs).where(eq(labs.id, opts.labId)),
    labUsage(db, opts.labId),
    workerStatus(db),
    queueDepth(db),
    listHeldVersions(db, { labId: opts.labId, now: new Date() }),
    db.select({ id: auditLog.id, hash: auditLog.hash, at: auditLog.at }).from(auditLog).orderBy(desc(auditLog.id)).limit(1),
  ]);
  return {
    lab: lab!,
    mail: env.SMTP_URL ? `SMTP via ${new URL(env.SMTP_URL).host}` : null,
    oidc: oidcConfigured(env) ? `${env.OIDC_NAME} (${env.OIDC_ISSUER})` : null,
    storage: { backend: env.LABGATE_STORAGE_BACKEND === "s3" ? `S3 bucket ${env.LABGATE_S3_BUCKET}` : `directory ${env.LABGATE_STORAGE_DIR}`, usage },
    workers,
    queued,
    auditHead: head ?? null,
    versions: held,
  };
}
