// The failures users of PhysioNet report (outages, resets, short bodies, slow starts), on demand, so
// that tests and benchmarks can prove a downloader resumes instead of restarting.

/** A fault happens on every Nth eligible request, with a probability, or both (either triggers it). */
export type FaultRate = { every?: number; probability?: number };

export type UpstreamFaults = {
  /** Answer 503 instead of the file (PhysioNet outages). */
  serviceUnavailable?: FaultRate;
  /** Answer 500 instead of the file. */
  serverError?: FaultRate;
  /** Send half the body, then reset the TCP connection (RST). */
  resetMidBody?: FaultRate;
  /** Promise the full Content-Length, send half, then close the connection cleanly (FIN). */
  truncateBody?: FaultRate;
  /** Send the full body with one byte flipped: only a checksum can tell. */
  corruptBody?: FaultRate;
  /** Wait this long before the first byte of every response. */
  firstByteDelayMs?: number;
  /** Seed for the probability draws, so a benchmark run can be repeated. */
  seed?: number;
};

export type FaultKind = "serviceUnavailable" | "serverError" | "resetMidBody" | "truncateBody" | "corruptBody";

// Order matters when several would fire on the same request: an outage wins over a broken body.
const ORDER: FaultKind[] = ["serviceUnavailable", "serverError", "resetMidBody", "truncateBody", "corruptBody"];

export type FaultPlan = { next(): FaultKind | null };

/** Decides, for each eligible request (an authorised GET or HEAD of a file), which fault if any to inject. */
export function createFaultPlan({ faults }: { faults: UpstreamFaults }): FaultPlan {
  const random = mulberry32(faults.seed ?? 0x1ab9a7e);
  let count = 0;
  return {
    next() {
      count += 1;
      for (const kind of ORDER) {
        const rate = faults[kind];
        if (!rate) continue;
        const byCount = rate.every !== undefined && rate.every > 0 && count % rate.every === 0;
        const byChance = rate.probability !== undefined && rate.probability > 0 && random() < rate.probability;
        if (byCount || byChance) return kind;
      }
      return null;
    },
  };
}

// Small seeded PRNG (public-domain mulberry32); Math.random cannot be replayed.
function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
