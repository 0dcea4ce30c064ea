import { createHash } from "node:crypto";
import { mkdtemp, readdir, readFile, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createFaultPlan, type FaultKind } from "@/lib/physionet/upstream/faults";
import type { StartUpstreamOptions, Upstream } from "@/lib/physionet/upstream/start-upstream";
import { createDotProgressParser, type WgetProgress } from "@/lib/physionet/wget/dot-progress";
import { downloadFile } from "@/lib/physionet/wget/download-file";
import { ALICE, BOB, makeServedVersion, PREFIX, startTestUpstream, type ServedVersion } from "./served-version";

const IMAGE = "files/p10/p10000032/s50414267/02aa804e.dcm";

let served: ServedVersion;
let imageSha: string;
let workDir: string;
beforeAll(async () => {
  served = await makeServedVersion();
  imageSha = createHash("sha256").update(served.image).digest("hex");
  workDir = await mkdtemp(path.join(os.tmpdir(), "labgate-dl-"));
});
afterAll(async () => {
  await served.cleanup();
  await rm(workDir, { recursive: true, force: true });
});

async function download(name: string, options: Partial<StartUpstreamOptions>, extra: Partial<Parameters<typeof downloadFile>[0]> = {}) {
  const upstream: Upstream = await startTestUpstream({ root: served.root, ...options });
  const destination = extra.destination ?? path.join(workDir, name, "02aa804e.dcm");
  try {
    const result = await downloadFile({ url: `${upstream.url}${PREFIX}/${IMAGE}`, destination, credentials: ALICE, expectedSha256: imageSha, waitRetrySeconds: 0, timeoutMs: 20_000, ...extra });
    return { result, destination, stats: upstream.stats, files: await readdir(path.dirname(destination)) };
  } finally {
    await upstream.close();
  }
}

describe("downloadFile with wget -c", () => {
  it("downloads, verifies and moves the file into place, reporting progress", async () => {
    const progress: WgetProgress[] = [];
    const { result, destination, files } = await download("plain", {}, { onProgress: (p) => progress.push(p) });
    expect(result).toMatchObject({ outcome: "complete", httpStatus: 200, bytes: served.image.length, sha256: imageSha });
    expect((await readFile(destination)).equals(served.image)).toBe(true);
    expect(files).toEqual(["02aa804e.dcm"]);
    expect(progress.length).toBeGreaterThan(2);
    expect(progress.at(-1)).toEqual({ bytes: served.image.length, totalBytes: served.image.length });
    expect(progress.map((p) => p.bytes)).toEqual([...progress.map((p) => p.bytes)].sort((a, b) => a - b));
  });

  it.each(["resetMidBody", "truncateBody", "serviceUnavailable"] as const)("resumes after %s with a Range request and ends verified", async (kind) => {
    const faults = { [kind]: { probability: 0.5 }, seed: seedFailingFirstThenPassing(kind) };
    const { result, stats, files } = await download(kind, { faults });
    expect(result.outcome).toBe("complete");
    expect(result.sha256).toBe(imageSha);
    expect(stats.faults[kind]).toBe(1);
    if (kind !== "serviceUnavailable") {
      // wget -c asked for the rest after half a body rather than starting again (which would send 1.5×).
      expect(stats.rangeRequests).toBeGreaterThanOrEqual(1);
      expect(stats.bodyBytes).toBeLessThan(1.5 * served.image.length);
    }
    expect(files).toEqual(["02aa804e.dcm"]);
  });

  it("deletes a corrupted download instead of moving it into place", async () => {
    const { result, files } = await download("corrupt", { faults: { corruptBody: { every: 1 } } });
    expect(result.outcome).toBe("checksum_mismatch");
    expect(result.sha256).not.toBe(imageSha);
    expect(files).toEqual([]);
  });

  it("resolves a relative destination against the caller's directory, not wget's", async () => {
    const relative = path.relative(process.cwd(), path.join(workDir, "relative", "02aa804e.dcm"));
    const { result } = await download("relative", {}, { destination: relative });
    expect(result.outcome).toBe("complete");
    expect((await readFile(relative)).equals(served.image)).toBe(true);
  });

  it("keeps the partial file when it gives up, for the next attempt to resume", async () => {
    const { result, files } = await download("gives-up", { faults: { resetMidBody: { every: 1 } } }, { tries: 2 });
    expect(result.outcome).toBe("error");
    expect(result.bytes).toBeGreaterThan(0);
    expect(files).toEqual(["02aa804e.dcm.part"]);
  });

  it("reports 401, 403 and 404 without leaving anything behind", async () => {
    expect((await download("401", {}, { credentials: { username: ALICE.username, password: "nope" } })).result).toMatchObject({ outcome: "wrong_credentials", httpStatus: 401 });
    const forbidden = await download("403", {}, { credentials: BOB });
    expect(forbidden.result).toMatchObject({ outcome: "not_authorized", httpStatus: 403 });
    expect(forbidden.files).toEqual([]);
    const upstream = await startTestUpstream({ root: served.root });
    try {
      const missing = await downloadFile({ url: `${upstream.url}${PREFIX}/files/none.dcm`, destination: path.join(workDir, "404", "none.dcm"), credentials: ALICE, timeoutMs: 20_000 });
      expect(missing).toMatchObject({ outcome: "not_found", httpStatus: 404 });
    } finally {
      await upstream.close();
    }
  });

  it("stops at its timeout and on cancel, keeping what arrived", async () => {
    const slow = { throttleBytesPerSecond: 50_000 };
    const timedOut = await download("timeout", slow, { timeoutMs: 1_500 });
    expect(timedOut.result.outcome).toBe("error");
    expect(timedOut.result.detail).toMatch(/within/);
    expect(timedOut.files).toEqual(["02aa804e.dcm.part"]);

    // Cancelled once bytes arrive (a fixed delay is too short on a loaded machine).
    const controller = new AbortController();
    const cancelled = await download("cancel", slow, { signal: controller.signal, onProgress: (p) => p.bytes > 0 && controller.abort() });
    expect(cancelled.result.detail).toMatch(/cancelled/);
    expect(cancelled.result.bytes).toBeGreaterThan(0);
  });
});

/** A seed whose draws make the first file request fail and the next two succeed. */
function seedFailingFirstThenPassing(kind: FaultKind): number {
  for (let seed = 1; ; seed++) {
    const plan = createFaultPlan({ faults: { [kind]: { probability: 0.5 }, seed } });
    if (plan.next() === kind && plan.next() === null && plan.next() === null) return seed;
  }
}

describe("the dot progress parser", () => {
  it("counts resumed (,) and new (.) KiB, ignores the dots in the rate, and caps at Length", () => {
    const seen: WgetProgress[] = [];
    const parser = createDotProgressParser({ onProgress: (p) => seen.push(p) });
    parser.push("Length: 100000 (98K), 70000 (68K) remaining [application/dicom]\n\n     0K ,,,,,,,,,, ,,,,,,,,,, ,,,,,,,,,. ");
    expect(seen.at(-1)).toEqual({ bytes: 30 * 1024, totalBytes: 100000 });
    parser.push(".......... .......... 51%  596M 0s\n    50K .......... .......... .......... .......... .......   100% 36.0M=0.001s\n");
    expect(seen.at(-1)).toEqual({ bytes: 100000, totalBytes: 100000 });
  });
});
