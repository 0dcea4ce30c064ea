import { mkdtemp, readFile, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { eq, sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";

const storageDir = await mkdtemp(path.join(os.tmpdir(), "labgate-dl-faults-"));
process.env.LABGATE_STORAGE_DIR = storageDir;

const { storedFiles } = await import("@/db/schema");
const { getDb } = await import("@/lib/db/client");
const { parseSha256Sums, sha256OfFile } = await import("@/lib/physionet/sha256-sums");
const { prepareDownloadJob } = await import("@/lib/downloads/prepare");
const { controlJob } = await import("@/lib/downloads/control");
const s = await import("./support");

let src: Awaited<ReturnType<typeof s.makeVersionDir>>;
let manifest: Map<string, string>;
beforeAll(async () => {
  src = await s.makeVersionDir({ studies: 12, big: 4, bigBytes: 700_000 });
  manifest = new Map(parseSha256Sums({ text: await readFile(path.join(src.root, "SHA256SUMS.txt"), "utf8") }).map((e) => [e.path, e.sha256]));
});
afterAll(async () => {
  await src?.cleanup();
  await rm(storageDir, { recursive: true, force: true });
});

const sha = (filePath: string) => sha256OfFile({ filePath });

async function expectAllVerified(labId: string) {
  const stored = await getDb().select().from(storedFiles).where(eq(storedFiles.labId, labId));
  expect(stored.map((f) => f.path).sort()).toEqual([...manifest.keys()].sort());
  for (const f of stored) expect(await sha(path.join(storageDir, f.storageKey)), f.path).toBe(manifest.get(f.path));
}

/** Reads a process's argv and environment as other local users could, once wget has replaced the forked node. */
function watchProcess(pid: number, seen: { cmdline: string; environ: string }[]) {
  const until = Date.now() + 2_000;
  const look = async () => {
    const cmdline = await readFile(`/proc/${pid}/cmdline`, "utf8").catch(() => null);
    const environ = await readFile(`/proc/${pid}/environ`, "utf8").catch(() => "");
    if (cmdline === null) return;
    if (cmdline.includes("wget")) return void seen.push({ cmdline: cmdline.replace(/\0/g, " "), environ: environ.replace(/\0/g, "\n") });
    if (Date.now() < until) setTimeout(() => void look(), 2);
  };
  void look();
}

describe("downloads under PhysioNet's failures", () => {
  it("ends verified through connection resets, 503s, truncated bodies and slow first bytes, resuming with Range", { timeout: 120_000 }, async () => {
    const lab = await s.labWithResearcher();
    const { upstream, source } = await s.startServed({
      root: src.root,
      username: lab.researcher.physionetUsername,
      throttleBytesPerSecond: 2_000_000,
      faults: { resetMidBody: { probability: 0.1 }, serviceUnavailable: { probability: 0.08 }, truncateBody: { probability: 0.1 }, firstByteDelayMs: 150, seed: 11 },
    });
    try {
      const { id } = await s.createJob(lab, s.everything);
      await s.prepareAndStart(lab, id, source);
      const results = await s.driveUntilEnded(id, source);
      expect(results.at(-1)).toEqual({ outcome: "ended", state: "completed" });
      const { faults } = upstream.stats;
      expect(faults.resetMidBody).toBeGreaterThan(0);
      expect(faults.truncateBody).toBeGreaterThan(0);
      expect(faults.serviceUnavailable).toBeGreaterThan(0);
      expect(upstream.stats.rangeRequests).toBeGreaterThan(0);
      await expectAllVerified(lab.labId);
    } finally {
      await upstream.close();
    }
  });

  it("works over HTTPS with the upstream's self-signed certificate", async () => {
    const lab = await s.labWithResearcher();
    const { upstream, source } = await s.startServed({ root: src.root, username: lab.researcher.physionetUsername, https: true, allowAuthOverHttp: false });
    try {
      expect(source.baseUrl).toMatch(/^https:/);
      const { id } = await s.createJob(lab, s.everything);
      await s.prepareAndStart(lab, id, source);
      expect((await s.driveUntilEnded(id, source)).at(-1)).toEqual({ outcome: "ended", state: "completed" });
      await expectAllVerified(lab.labId);
    } finally {
      await upstream.close();
    }
  });

  it("never shows the password: not in wget's argv or environment, logs, database rows, queue messages or errors", async () => {
    const lab = await s.labWithResearcher();
    const upstreamLog: string[] = [];
    const { upstream, source } = await s.startServed({ root: src.root, username: lab.researcher.physionetUsername, throttleBytesPerSecond: 1_000_000, log: (l) => upstreamLog.push(l) });
    const printed: string[] = [];
    const capture = (...args: unknown[]) => void printed.push(args.map(String).join(" "));
    const spies = [vi.spyOn(console, "log").mockImplementation(capture), vi.spyOn(console, "warn").mockImplementation(capture), vi.spyOn(console, "info").mockImplementation(capture)];
    const seen: { cmdline: string; environ: string }[] = [];
    const onSpawn = (info: { pid: number }) => watchProcess(info.pid, seen);
    try {
      const { id } = await s.createJob(lab, s.everything, { keepPassword: true });
      await prepareDownloadJob({ jobId: id, source, onSpawn });
      await controlJob({ user: lab.researcher, jobId: id, input: { action: "start", keepPassword: true }, ip: null });
      expect((await s.driveUntilEnded(id, source, { onSpawn })).at(-1)).toEqual({ outcome: "ended", state: "completed" });
      // A wrong password's failure message does not repeat it either.
      const wrong = await s.createJob(lab, s.everything, { password: `${s.PN_PASSWORD}-wrong`, keepPassword: true });
      await prepareDownloadJob({ jobId: wrong.id, source, onSpawn });
      expect((await s.jobRow(wrong.id)).state).toBe("failed");
    } finally {
      for (const spy of spies) spy.mockRestore();
      await upstream.close();
    }
    await new Promise((r) => setTimeout(r, 100));
    expect(seen.length).toBeGreaterThan(3);
    for (const p of seen) {
      expect(p.cmdline).toContain("--no-config");
      expect(p.cmdline).not.toContain(s.PN_PASSWORD);
      expect(p.environ).not.toContain(s.PN_PASSWORD);
    }
    for (const line of [...printed, ...upstreamLog]) expect(line).not.toContain(s.PN_PASSWORD);
    // Every row of every table labgate and pg-boss write, as text.
    const dump = await getDb().execute<{ t: string }>(sql`
      select row_to_json(x)::text as t from download_jobs x union all select row_to_json(x)::text from download_files x
      union all select row_to_json(x)::text from download_credentials x union all select row_to_json(x)::text from audit_log x
      union all select row_to_json(x)::text from pgboss.job x`);
    expect(dump.rows.length).toBeGreaterThan(10);
    for (const row of dump.rows) {
      expect(row.t).not.toContain(s.PN_PASSWORD);
      expect(row.t).not.toContain(Buffer.from(s.PN_PASSWORD).toString("base64"));
    }
  });
});
