import { setTimeout as sleep } from "node:timers/promises";

// PhysioNet limits each connection (~0.35 MiB/s reported), not the whole server, so parallel
// connections are what makes a downloader fast. One bucket per socket, shared by its keep-alive requests.
export type Throttle = { take(bytes: number): Promise<void> };

// A short burst allowance keeps pacing smooth without letting an idle connection bank a big burst.
const BURST_SECONDS = 0.05;

export function createThrottle({ bytesPerSecond }: { bytesPerSecond: number }): Throttle {
  const capacity = Math.max(1, bytesPerSecond * BURST_SECONDS);
  let tokens = capacity;
  let last = performance.now();
  return {
    async take(bytes) {
      const now = performance.now();
      tokens = Math.min(capacity, tokens + ((now - last) / 1000) * bytesPerSecond);
      last = now;
      tokens -= bytes;
      if (tokens < 0) await sleep((-tokens / bytesPerSecond) * 1000);
    },
  };
}

/** Largest slice to write at once so that a slow rate still flows in small, even steps. */
export function throttleSliceBytes({ bytesPerSecond }: { bytesPerSecond: number }): number {
  return Math.max(1024, Math.min(64 * 1024, Math.floor(bytesPerSecond / 20)));
}

export function createThrottleRegistry({ bytesPerSecond }: { bytesPerSecond: number | undefined }) {
  const buckets = new WeakMap<object, Throttle>();
  return {
    forConnection(socket: object): Throttle | null {
      if (!bytesPerSecond) return null;
      let bucket = buckets.get(socket);
      if (!bucket) {
        bucket = createThrottle({ bytesPerSecond });
        buckets.set(socket, bucket);
      }
      return bucket;
    },
  };
}
