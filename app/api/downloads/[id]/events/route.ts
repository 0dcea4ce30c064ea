import { setTimeout as sleep } from "node:timers/promises";
import { isFinal } from "@/lib/downloads/job-record";
import { getJobProgress } from "@/lib/downloads/queries";
import { createRateMeter, etaSeconds } from "@/lib/downloads/rate";
import { AppError } from "@/lib/http/errors";
import { route } from "@/lib/http/route";

// Live progress as server-sent events: one snapshot a second until the job ends or the client goes.
// A stream lives at most a few minutes; EventSource reconnects by itself, and every reconnect passes
// the auth chokepoint again.
const MAX_STREAM_MS = 5 * 60_000;
const INTERVAL_MS = 1_000;

export const GET = route<"member", undefined, { id: string }>({ access: "member" }, async ({ user, params, req }) => {
  const first = await getJobProgress({ user, jobId: params.id });
  if (!first) throw new AppError("not_found", "No such download");
  const encoder = new TextEncoder();
  const meter = createRateMeter();
  const started = Date.now();
  const stream = new ReadableStream<Uint8Array>({
    async start(controller) {
      let job = first;
      for (;;) {
        const rate = meter.push({ at: Date.now(), bytesReceived: job.bytesReceived });
        const inFlight = job.lanes.reduce((n, l) => n + l.bytesInFlight, 0);
        const live = job.state === "running";
        const event = { job, rate: live ? rate : null, etaSeconds: live ? etaSeconds({ bytesEstimate: job.bytesEstimate, bytesDone: job.bytesDone, bytesInFlight: inFlight, rate }) : null };
        controller.enqueue(encoder.encode(`data: ${JSON.stringify(event)}\n\n`));
        if (isFinal(job.state) || job.state === "ready" || req.signal.aborted || Date.now() - started > MAX_STREAM_MS) break;
        await sleep(INTERVAL_MS);
        if (req.signal.aborted) break;
        const next = await getJobProgress({ user, jobId: params.id }).catch(() => null);
        if (!next) break;
        job = next;
      }
      controller.enqueue(encoder.encode("event: end\ndata: {}\n\n"));
      controller.close();
    },
  });
  return new Response(stream, {
    headers: { "content-type": "text/event-stream; charset=utf-8", "cache-control": "no-store", "x-accel-buffering": "no" },
  });
});
