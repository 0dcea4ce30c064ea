// How many lanes a job runs, decided window by window from what the lanes measured (decision 036).
// PhysioNet throttles each connection, so another lane adds throughput as long as each lane keeps
// its rate; when the server or the member's network is the limit instead, a lane more only splits
// the same bytes. PhysioNet answers 429/503 (or times out) when pushed: then one lane less, and no
// new lane for a while. Never above the job's configured lanes (its maximum), never below one.

export type LaneDecision = "add" | "remove" | "hold";

export type LaneAdapterOptions = {
  /** The job's configured lanes: the most it may run. */
  max: number;
  /** Lanes to start with. */
  initial: number;
  /** A window's per-lane rate "holds" when it is at least this share of the best per-lane rate seen. */
  holdShare?: number;
  /** Windows without a new lane after a 429/503. */
  coolDownWindows?: number;
};

export type LaneWindow = {
  /** Bytes all lanes received in the window. */
  bytes: number;
  /** Lanes that ran through the whole window. */
  lanes: number;
  /** 429 or 503 answers in the window. */
  throttled: number;
  /** Whether there is work left for another lane (pending files beyond the running lanes' batches). */
  moreWork: boolean;
};

export function createLaneAdapter(opts: LaneAdapterOptions) {
  const holdShare = opts.holdShare ?? 0.8;
  const coolDown = opts.coolDownWindows ?? 5;
  let best = 0;
  let quietFor = Number.POSITIVE_INFINITY;
  // After a change the next window mixes old and new lane counts; it is not judged.
  let settling = false;

  return {
    initial: Math.max(1, Math.min(opts.max, opts.initial)),
    decide(w: LaneWindow): LaneDecision {
      if (w.throttled > 0) {
        quietFor = 0;
        settling = true;
        // The best rate was measured with more lanes than the server now tolerates; start over.
        best = 0;
        return w.lanes > 1 ? "remove" : "hold";
      }
      quietFor++;
      if (settling) {
        settling = false;
        return "hold";
      }
      if (w.lanes <= 0 || w.bytes <= 0) return "hold";
      const perLane = w.bytes / w.lanes;
      const holds = perLane >= holdShare * best;
      best = Math.max(best, perLane);
      if (holds && w.moreWork && w.lanes < opts.max && quietFor > coolDown) {
        settling = true;
        return "add";
      }
      return "hold";
    },
  };
}
