import { mkdtemp, readFile, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

// Lab storage and staging for this file (read once by lib/env.ts, so set before anything asks).
const storageDir = await mkdtemp(path.join(os.tmpdir(), "labgate-dl-adapt-"));
process.env.LABGATE_STORAGE_DIR = storageDir;

const { storedFiles } = await import("@/db/schema");
const { getDb } = await import("@/lib/db/client");
const { parseSha256Sums, sha256OfFile } = await import("@/lib/physionet/sha256-sums");
const { createLaneAdapter } = await import("@/lib/downloads/lane-adapter");
const s = await import("./support");

type LaneEvent = { decision: string; lanes: number; throttled: number };

let src: Awaited<ReturnType<typeof s.makeVersionDir>>;
beforeAll(async () => {
  // A few studies and eight 1.5 MB images: at 256 KiB/s per connection two lanes need ~25 s, time
  // enough for the adapter to grow to four.
  src = await s.makeVersionDir({ studies: 4, big: 8, bigBytes: 1_500_000 });
});
afterAll(async () => {
  await src?.cleanup();
  await rm(storageDir, { recursive: true, force: true });
});

describe("adaptive lanes against the PhysioNet-like upstream", () => {
  it("starts with two lanes and adds one while each lane keeps PhysioNet's per-connection rate, up to the job's lanes", { timeout: 120_000 }, async () => {
    const lab = await s.labWithResearcher();
    const { upstream, source } = await s.startServed({ root: src.root, username: lab.researcher.physionetUsername, throttleBytesPerSecond: 256 * 1024 });
    try {
      const { id } = await s.createJob(lab, { mode: "paths", paths: src.bigPaths }, { concurrency: 4 });
      await s.prepareAndStart(lab, id, source);
      const events: LaneEvent[] = [];
      const results = await s.driveUntilEnded(id, source, { onLanes: (e) => events.push(e) });
      expect(results.at(-1)).toEqual({ outcome: "ended", state: "completed" });
      // Grew one lane at a time from two to the job's four, and never beyond.
      const adds = events.filter((e) => e.decision === "add").map((e) => e.lanes);
      expect(adds.slice(0, 2)).toEqual([3, 4]);
      expect(Math.max(...events.map((e) => e.lanes))).toBe(4);
      expect(events.some((e) => e.decision === "remove")).toBe(false);
      expect(upstream.stats.connections.peak).toBeLessThanOrEqual(4 + 1);
      await expectAllVerified(lab.labId);
    } finally {
      await upstream.close();
    }
  });

  it("takes a lane away when PhysioNet answers 429, and still completes every file verified", { timeout: 180_000 }, async () => {
    const lab = await s.labWithResearcher();
    // More than two connections at once is too many for this server: it answers 429.
    const { upstream, source } = await s.startServed({ root: src.root, username: lab.researcher.physionetUsername, throttleBytesPerSecond: 256 * 1024, busyAboveConnections: 2 });
    try {
      const { id } = await s.createJob(lab, { mode: "paths", paths: src.bigPaths }, { concurrency: 4 });
      await s.prepareAndStart(lab, id, source);
      const events: LaneEvent[] = [];
      const results = await s.driveUntilEnded(id, source, { onLanes: (e) => events.push(e) });
      expect(results.at(-1)).toEqual({ outcome: "ended", state: "completed" });
      expect(upstream.stats.statuses[429] ?? 0).toBeGreaterThan(0);
      // Every window that saw a 429 with more than one lane took one away.
      const throttled = events.filter((e) => e.throttled > 0);
      expect(throttled.length).toBeGreaterThan(0);
      for (const e of throttled) expect(e.decision === "remove" || e.lanes <= 1, JSON.stringify(e)).toBe(true);
      // After a 429 the job waits before it tries another lane: no add in the next windows.
      const first = events.findIndex((e) => e.throttled > 0);
      expect(events.slice(first + 1, first + 5).some((e) => e.decision === "add")).toBe(false);
      await expectAllVerified(lab.labId);
    } finally {
      await upstream.close();
    }
  });
});

async function expectAllVerified(labId: string) {
  const manifest = new Map(parseSha256Sums({ text: await readFile(path.join(src.root, "SHA256SUMS.txt"), "utf8") }).map((e) => [e.path, e.sha256]));
  const stored = await getDb().select({ path: storedFiles.path }).from(storedFiles).where(eq(storedFiles.labId, labId));
  expect(stored.map((r) => r.path).sort()).toEqual([...src.bigPaths].sort());
  for (const p of src.bigPaths) expect(await sha256OfFile({ filePath: path.join(storageDir, "downloads", s.SLUG, s.VERSION, p) })).toBe(manifest.get(p));
}

describe("the lane adapter's rule", () => {
  const w = (bytes: number, lanes: number, throttled = 0, moreWork = true) => ({ bytes, lanes, throttled, moreWork });
  it("adds while the per-lane rate holds, judges no window right after a change, stops at the maximum", () => {
    const a = createLaneAdapter({ max: 4, initial: 2 });
    expect(a.initial).toBe(2);
    expect(a.decide(w(200, 2))).toBe("add");
    expect(a.decide(w(250, 3))).toBe("hold"); // settling: mixed lane counts
    expect(a.decide(w(300, 3))).toBe("add"); // 100 per lane, as with two
    expect(a.decide(w(400, 4))).toBe("hold");
    expect(a.decide(w(400, 4))).toBe("hold"); // at the maximum
  });
  it("does not add when a lane more only splits the same bytes, or when there is no work for it", () => {
    const a = createLaneAdapter({ max: 8, initial: 2 });
    expect(a.decide(w(200, 2))).toBe("add");
    expect(a.decide(w(200, 3))).toBe("hold");
    expect(a.decide(w(200, 3))).toBe("hold"); // 67 per lane < 80% of 100
    const b = createLaneAdapter({ max: 8, initial: 2 });
    expect(b.decide(w(200, 2, 0, false))).toBe("hold");
  });
  it("removes a lane on 429/503, never the last, and waits before adding again", () => {
    const a = createLaneAdapter({ max: 4, initial: 4, coolDownWindows: 3 });
    expect(a.decide(w(400, 4, 1))).toBe("remove");
    expect(a.decide(w(300, 3))).toBe("hold"); // settling
    expect(a.decide(w(300, 3))).toBe("hold"); // cooling down
    expect(a.decide(w(300, 3))).toBe("hold");
    expect(a.decide(w(300, 3))).toBe("add");
    const one = createLaneAdapter({ max: 4, initial: 1 });
    expect(one.decide(w(100, 1, 2))).toBe("hold");
  });
});
