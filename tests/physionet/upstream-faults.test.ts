import net from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { UpstreamFaults } from "@/lib/physionet/upstream/faults";
import type { StartUpstreamOptions, Upstream } from "@/lib/physionet/upstream/start-upstream";
import { rawRequest } from "./raw-request";
import { ALICE, basic, makeServedVersion, PREFIX, startTestUpstream, type ServedVersion } from "./served-version";

const AUTH = { "user-agent": "Wget/1.21.3", authorization: basic(ALICE) };
const IMAGE = "files/p10/p10000032/s50414267/02aa804e.dcm";

let served: ServedVersion;
beforeAll(async () => {
  served = await makeServedVersion();
});
afterAll(async () => {
  await served.cleanup();
});

async function withUpstream<T>(options: Partial<StartUpstreamOptions>, fn: (upstream: Upstream) => Promise<T>): Promise<T> {
  const upstream = await startTestUpstream({ root: served.root, ...options });
  try {
    return await fn(upstream);
  } finally {
    await upstream.close();
  }
}

const fetchImage = (upstream: Upstream, headers: Record<string, string> = {}) => rawRequest({ url: `${upstream.url}${PREFIX}/${IMAGE}`, headers: { ...AUTH, ...headers } });
const always = (kind: keyof UpstreamFaults): UpstreamFaults => ({ [kind]: { every: 1 } });

describe("injected faults", () => {
  it("answers 503 and 500 instead of the file", async () => {
    for (const [kind, status] of [["serviceUnavailable", 503], ["serverError", 500]] as const) {
      await withUpstream({ faults: always(kind) }, async (upstream) => {
        expect((await fetchImage(upstream)).status).toBe(status);
        expect(upstream.stats.faults[kind]).toBe(1);
      });
    }
  });

  it("resets the connection halfway through the body", async () => {
    await withUpstream({ faults: always("resetMidBody") }, async (upstream) => {
      const res = await fetchImage(upstream).catch((error: Error) => ({ status: 0, body: Buffer.alloc(0), error: error.message }));
      expect(res.error).toBeTruthy();
      expect(res.body.length).toBeLessThan(served.image.length);
      expect(served.image.subarray(0, res.body.length).equals(res.body)).toBe(true);
    });
  });

  it("truncates a body that promised its full length, then closes cleanly", async () => {
    await withUpstream({ faults: always("truncateBody") }, async (upstream) => {
      const res = await fetchImage(upstream);
      expect(res.headers["content-length"]).toBe(String(served.image.length));
      expect(res.error).toBeTruthy();
      expect(res.body.length).toBe(Math.floor(served.image.length / 2));
    });
  });

  it("corrupts one byte of a complete, right-length body", async () => {
    await withUpstream({ faults: always("corruptBody") }, async (upstream) => {
      const res = await fetchImage(upstream);
      expect(res.status).toBe(200);
      expect(res.error).toBeNull();
      expect(res.body.length).toBe(served.image.length);
      const differing = [...res.body].filter((byte, i) => byte !== served.image[i]).length;
      expect(differing).toBe(1);
    });
  });

  it("hits every Nth file body only, and leaves 401s alone", async () => {
    await withUpstream({ faults: { serviceUnavailable: { every: 3 } } }, async (upstream) => {
      const statuses: number[] = [];
      for (let i = 0; i < 6; i++) statuses.push((await fetchImage(upstream)).status);
      expect(statuses).toEqual([200, 200, 503, 200, 200, 503]);
      expect((await fetchImage(upstream, { authorization: "" })).status).toBe(401);
    });
  });

  it("draws probabilities from a seed, so a run can be repeated", async () => {
    const draw = () =>
      withUpstream({ faults: { serviceUnavailable: { probability: 0.5 }, seed: 42 } }, async (upstream) => {
        const statuses: number[] = [];
        for (let i = 0; i < 12; i++) statuses.push((await fetchImage(upstream)).status);
        return statuses;
      });
    const first = await draw();
    expect(first).toContain(503);
    expect(first).toContain(200);
    expect(await draw()).toEqual(first);
  });

  it("delays the first byte", async () => {
    await withUpstream({ faults: { firstByteDelayMs: 400 } }, async (upstream) => {
      const started = performance.now();
      expect((await fetchImage(upstream)).status).toBe(200);
      expect(performance.now() - started).toBeGreaterThanOrEqual(390);
    });
  });
});

describe("throttling and the connection cap", () => {
  it("limits each connection's rate", async () => {
    await withUpstream({ throttleBytesPerSecond: 600_000 }, async (upstream) => {
      const started = performance.now();
      const res = await fetchImage(upstream);
      const seconds = (performance.now() - started) / 1000;
      expect(res.body.equals(served.image)).toBe(true);
      // 300 kB at 600 kB/s: about half a second (a 50 ms burst allowance aside).
      expect(seconds).toBeGreaterThan(0.4);
    });
  });

  it("drops connections beyond the cap", async () => {
    await withUpstream({ maxConnections: 2 }, async (upstream) => {
      const sockets = await Promise.all([0, 1, 2, 3].map(() => connect(upstream.port)));
      await new Promise((resolve) => setTimeout(resolve, 200));
      expect(upstream.stats.connections.dropped).toBe(2);
      expect(upstream.stats.connections.peak).toBe(2);
      for (const socket of sockets) socket.destroy();
    });
  });
});

function connect(port: number): Promise<net.Socket> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, "127.0.0.1", () => resolve(socket));
    socket.on("error", () => {});
    socket.once("error", reject);
  });
}
