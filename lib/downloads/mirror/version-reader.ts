import "server-only";
import { Param, sql } from "drizzle-orm";
import { setTimeout as sleep } from "node:timers/promises";
import type { Db } from "@/lib/db/client";
import { SourceRefusedError } from "../manifest";
import { listSizes, mirrorStatus, type MirrorAccess } from "./client";
import { fetchMirrorFile, MirrorRefusedError, mirrorFaultText } from "./fetch-file";

const FETCH_TRIES = 8;

/** PhysioNet's reason for a mirror's refusal, as the member reads it on the download page. */
export function mirrorRefusal(status: number, ref: { slug: string; version: string }): string {
  if (status === 404) return `The cloud mirror has no ${ref.slug} ${ref.version} (HTTP 404).`;
  return `The cloud mirror refused access to ${ref.slug} ${ref.version} (HTTP ${status}): PhysioNet grants its cloud mirrors only to the cloud identity linked on the member's PhysioNet profile, with credentialing, training and this version's DUA in place. Verify your identity with the mirror on your checklist.`;
}

/** Preparation's reads from the mirror: SHA256SUMS.txt and IMAGE_FILENAMES, and every size from the bucket's listing. */
export function mirrorVersionReader(access: MirrorAccess, ref: { slug: string; version: string }, signal?: AbortSignal) {
  return {
    async fetch(o: { filePath: string; destination: string; expectedSha256?: string; onProgress?: (bytes: number) => void }): Promise<void> {
      for (let attempt = 1; ; attempt++) {
        try {
          const got = await fetchMirrorFile({ access, filePath: o.filePath, destination: o.destination, resume: attempt > 1, signal, onProgress: o.onProgress });
          if (o.expectedSha256 && got.sha256 !== o.expectedSha256) throw new SourceRefusedError("checksum_mismatch", `${o.filePath} does not match its line in SHA256SUMS.txt.`);
          return;
        } catch (e) {
          if (e instanceof MirrorRefusedError) throw new SourceRefusedError(e.status === 404 ? "not_found" : "not_authorized", mirrorRefusal(e.status, ref));
          if (e instanceof SourceRefusedError || signal?.aborted) throw e;
          if (attempt >= FETCH_TRIES) throw new SourceRefusedError("error", `Could not fetch ${o.filePath} from the cloud mirror: ${mirrorFaultText(e)}`);
          await sleep(Math.min(10_000, 250 * 2 ** (attempt - 1)));
        }
      }
    },
    topSizes: async () => new Map<string, number>(),
    async fillSizes(db: Db, jobId: string): Promise<void> {
      try {
        await listSizes(
          access,
          async (page) => {
            await db.execute(sql`
              update download_files f set size = t.z from unnest(${new Param(page.map((p) => p.path))}::text[], ${new Param(page.map((p) => p.size))}::bigint[]) as t(p, z)
              where f.job_id = ${jobId} and f.path = t.p`);
          },
          signal,
        );
      } catch (e) {
        const status = mirrorStatus(e);
        if (status === 401 || status === 403) throw new SourceRefusedError("not_authorized", mirrorRefusal(status, ref));
        // Without the listing the sizes stay estimated from what is known; the transfer asks each file's size.
      }
    },
    close: () => access.close(),
  };
}
