// Transfer rate and time left for the live view: the slope of the job's received-bytes counter,
// smoothed so one slow second does not swing the estimate.

export type RateSample = { at: number; bytesReceived: number };

export function createRateMeter({ smoothing = 0.3 }: { smoothing?: number } = {}) {
  let last: RateSample | null = null;
  let rate: number | null = null;
  return {
    /** Bytes per second after this sample, or null until two samples are apart in time. */
    push(sample: RateSample): number | null {
      if (last && sample.at > last.at) {
        const instant = Math.max(0, sample.bytesReceived - last.bytesReceived) / ((sample.at - last.at) / 1000);
        rate = rate === null ? instant : rate + smoothing * (instant - rate);
      }
      last = sample;
      return rate;
    },
  };
}

export function etaSeconds({ bytesEstimate, bytesDone, bytesInFlight, rate }: { bytesEstimate: number; bytesDone: number; bytesInFlight: number; rate: number | null }): number | null {
  if (!rate || rate <= 0) return null;
  return Math.max(0, Math.round((bytesEstimate - bytesDone - bytesInFlight) / rate));
}

/**
 * PhysioNet throttles each connection, so a job's speed is about one connection's rate × its lanes.
 * That rate is measured on a file the worker fetches anyway (SHA256SUMS.txt, 50 MB for MIMIC-CXR):
 * between wget's progress lines when there are some, else over the whole fetch. A fetch shorter than
 * MIN_MEASURE_MS, or of a file smaller than MIN_MEASURE_BYTES, says more about latency (starting
 * wget, the password round trip) than about rate: no measurement then.
 */
const MIN_MEASURE_MS = 500;
const MIN_MEASURE_BYTES = 64 * 1024;

export function createConnectionRateProbe(startedAt: number) {
  const points: RateSample[] = [];
  return {
    progress(bytesReceived: number, at: number): void {
      points.push({ at, bytesReceived });
    },
    /** Bytes per second, or null when the fetch was too short to tell. */
    finish(totalBytes: number, endedAt: number): number | null {
      const first = points[0];
      const last = points.at(-1);
      if (first && last && last.at - first.at >= MIN_MEASURE_MS && last.bytesReceived > first.bytesReceived) {
        return Math.round(((last.bytesReceived - first.bytesReceived) * 1000) / (last.at - first.at));
      }
      const elapsed = endedAt - startedAt;
      if (elapsed < MIN_MEASURE_MS || totalBytes < MIN_MEASURE_BYTES) return null;
      return Math.round((totalBytes * 1000) / elapsed);
    },
  };
}

/** Seconds a job should take before it starts: the bytes left over the measured connection rate × lanes. */
export function startEstimateSeconds({ bytesLeft, connectionRate, lanes }: { bytesLeft: number; connectionRate: number | null; lanes: number }): number | null {
  if (!connectionRate || connectionRate <= 0 || lanes <= 0) return null;
  return Math.max(0, Math.round(Math.max(0, bytesLeft) / (connectionRate * lanes)));
}
