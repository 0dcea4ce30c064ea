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
