import "server-only";
import { and, desc, eq, isNotNull, ne } from "drizzle-orm";
import { cloudIdentities, downloadJobs } from "@/db/schema";
import { mirrorLocation } from "@/lib/datasets/physionet-catalogue";
import type { DbOrTx } from "@/lib/db/client";
import { getEnv } from "@/lib/env";
import { startEstimateSeconds } from "./rate";

export type SourceEstimate = {
  source: "physionet" | "mirror";
  /** Bytes per second of one connection, measured on SHA256SUMS.txt (this job's, else the lab's last job from that source). */
  rate: number | null;
  measuredOn: "this job" | "an earlier job" | null;
  seconds: number | null;
  /** Requester pays: what the lab's configured egress price makes of the bytes left (US dollars), else null. */
  egressUsd: number | null;
  egressUsdPerGb: number | null;
};

/**
 * The time the rest of a job should take from each source (decision 032): its bytes left over the
 * source's measured per-connection rate × the job's lanes, and for a requester-pays mirror the
 * egress the lab pays. The job's own source was measured while it was prepared; the other source's
 * rate is the lab's most recent measurement from it, if it has one.
 */
export async function sourceEstimates(
  db: DbOrTx,
  job: { id: string; labId: string; userId: string; datasetId: string; slug: string; version: string; source: "physionet" | "mirror"; cloudIdentityId: string | null; connectionRate: number | null; concurrency: number; bytesLeft: number },
): Promise<SourceEstimate[]> {
  const egressPerGb = getEnv().LABGATE_MIRROR_EGRESS_USD_PER_GB ?? null;
  const [identity] = await db
    .select({ provider: cloudIdentities.provider })
    .from(cloudIdentities)
    .where(job.cloudIdentityId ? eq(cloudIdentities.id, job.cloudIdentityId) : and(eq(cloudIdentities.userId, job.userId), eq(cloudIdentities.datasetId, job.datasetId)));
  const out: SourceEstimate[] = [];
  for (const source of ["physionet", "mirror"] as const) {
    if (source === "mirror" && !identity) continue;
    let rate = source === job.source ? job.connectionRate : null;
    let measuredOn: SourceEstimate["measuredOn"] = rate ? "this job" : null;
    if (!rate) {
      const [earlier] = await db
        .select({ rate: downloadJobs.connectionRate })
        .from(downloadJobs)
        .where(and(eq(downloadJobs.labId, job.labId), eq(downloadJobs.source, source), isNotNull(downloadJobs.connectionRate), ne(downloadJobs.id, job.id)))
        .orderBy(desc(downloadJobs.createdAt))
        .limit(1);
      rate = earlier?.rate ?? null;
      measuredOn = rate ? "an earlier job" : null;
    }
    const requesterPays = source === "mirror" && identity ? Boolean(mirrorLocation(job.slug, job.version, identity.provider)?.requesterPays) : false;
    out.push({
      source,
      rate,
      measuredOn,
      seconds: startEstimateSeconds({ bytesLeft: job.bytesLeft, connectionRate: rate, lanes: job.concurrency }),
      egressUsdPerGb: requesterPays ? egressPerGb : null,
      egressUsd: requesterPays && egressPerGb !== null ? Math.round((Math.max(0, job.bytesLeft) / 1e9) * egressPerGb * 100) / 100 : null,
    });
  }
  return out;
}
