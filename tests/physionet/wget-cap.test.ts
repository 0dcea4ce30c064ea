import { randomUUID } from "node:crypto";
import { mkdtemp, readdir, readFile, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { and, eq, sql } from "drizzle-orm";
import { afterAll, describe, expect, it } from "vitest";
import { isolatedDatabaseForFile } from "../support/isolated-database";

// The installation-wide cap on wget processes (decision 019), measured on the machine: wget
// processes are counted in /proc while the calls run. Its own database, so no other test file's
// downloads hold slots; the cap is 3 here (one of them kept for Verify).
process.env.LABGATE_WGET_MAX_CONCURRENT = "3";
isolatedDatabaseForFile();

const { auditLog, datasets, labDatasets } = await import("@/db/schema");
const { getDb } = await import("@/lib/db/client");
const { createLab, createUser } = await import("@/lib/factories");
const { setPhysionetUsername } = await import("@/lib/credentialing/physionet-account");
const { verifyWithPhysionet } = await import("@/lib/credentialing/verify-with-physionet");
const { downloadFile } = await import("@/lib/physionet/wget/download-file");
const { WgetBusyError, reservedSlots } = await import("@/lib/physionet/wget/wget-slots");
const { makeServedVersion, PREFIX, SLUG, VERSION } = await import("./served-version");
const { startUpstream } = await import("@/lib/physionet/upstream/start-upstream");

// Started before anything reads the environment (lib/env.ts reads it once): thirty PhysioNet accounts,
// and answers that take 1.5 s so that the calls overlap and slots stay taken.
const served = await makeServedVersion();
const accounts = Array.from({ length: 30 }, (_, i) => ({ username: `cap${i}x${randomUUID().slice(0, 6)}`, password: `pw-${randomUUID()}` }));
const upstream = await startUpstream({
  projects: [{ slug: SLUG, version: VERSION, root: served.root }],
  accounts: accounts.map((a) => ({ ...a, access: [{ slug: SLUG, version: VERSION }] })),
  port: 0,
  faults: { firstByteDelayMs: 1_500 },
});
process.env.PHYSIONET_BASE_URL = upstream.url;
afterAll(async () => {
  await upstream.close();
  await served.cleanup();
});

/** wget processes (or the setpriv that becomes one) whose parent is this test process. */
async function ourWgets(): Promise<number[]> {
  const names = (await readdir("/proc")).filter((name) => /^\d+$/.test(name));
  const found = await Promise.all(
    names.map(async (name) => {
      const stat = await readFile(`/proc/${name}/stat`, "utf8").catch(() => "");
      const comm = /\((.*)\)/.exec(stat)?.[1];
      const ppid = Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
      return (comm === "wget" || comm === "setpriv") && ppid === process.pid ? Number(name) : null;
    }),
  );
  return found.filter((pid): pid is number => pid !== null);
}

/** Samples the number of our wget processes until `work` settles; resolves with the peak. */
async function peakWhile<T>(work: Promise<T>): Promise<{ result: T; peak: number; samples: number }> {
  let done = false;
  let peak = 0;
  let samples = 0;
  const sampler = (async () => {
    while (!done) {
      peak = Math.max(peak, (await ourWgets()).length);
      samples++;
      await new Promise((r) => setTimeout(r, 10));
    }
  })();
  const result = await work.finally(() => (done = true));
  await sampler;
  return { result, peak, samples };
}

describe("the cap on concurrent wget processes", () => {
  it("30 concurrent 'Verify with PhysioNet' calls run at most 3 wget at once; the rest are refused as busy (429) and audited", { timeout: 120_000 }, async () => {
    const db = getDb();
    const lab = await createLab(db);
    const [dataset] = await db.select().from(datasets).where(and(eq(datasets.slug, SLUG), eq(datasets.version, VERSION)));
    await db.insert(labDatasets).values({ labId: lab.id, datasetId: dataset!.id });
    // Thirty members, each with a PhysioNet account of their own, so only the wget cap can refuse them.
    const members = await Promise.all(
      accounts.map(async (account) => {
        const u = await createUser(db, { labId: lab.id, role: "member", password: null });
        const actor = { id: u.id, email: u.email, name: u.name, role: u.role, labId: lab.id };
        await setPhysionetUsername({ actor, username: account.username, ip: null });
        return { actor, account };
      }),
    );
    {
      const { result: outcomes, peak, samples } = await peakWhile(
        Promise.all(
          members.map((m) =>
            verifyWithPhysionet({ actor: m.actor, datasetId: dataset!.id, password: m.account.password, ip: "192.0.2.7" }).then(
              (r) => r.outcome as string,
              (e: unknown) => (e instanceof WgetBusyError ? `busy:${e.retryAfterSeconds}` : `threw:${String(e)}`),
            ),
          ),
        ),
      );
      // Seen in /proc, as often as a loaded machine lets us look. (The upstream's connection peak is no
      // measure: wget reconnects after the 401, and the old socket may close after the new one opened.)
      expect(samples).toBeGreaterThan(1);
      expect(peak).toBeGreaterThan(0);
      expect(peak).toBeLessThanOrEqual(3);
      const confirmed = outcomes.filter((o) => o === "confirmed").length;
      const busy = outcomes.filter((o) => o === "busy:10").length;
      expect(confirmed + busy, outcomes.join(", ")).toBe(30);
      expect(confirmed).toBeGreaterThanOrEqual(3);
      expect(busy).toBeGreaterThan(0);
      // The wget requests that did run: a 401 challenge and the authenticated HEAD each.
      expect(upstream.stats.requests).toBe(confirmed * 2);
      const refusals = await db
        .select({ details: auditLog.details, outcome: auditLog.outcome, ip: auditLog.ip })
        .from(auditLog)
        .where(and(eq(auditLog.labId, lab.id), eq(auditLog.action, "physionet.verify"), sql`${auditLog.details}->>'result' = 'busy'`));
      expect(refusals).toHaveLength(busy);
      expect(refusals.every((r) => r.outcome === "denied" && r.ip === "192.0.2.7")).toBe(true);
      expect(JSON.stringify(refusals)).not.toContain("pw-");
    }
  });

  it("downloads wait for a slot instead of failing, and never take the one kept for Verify", { timeout: 120_000 }, async () => {
    expect(reservedSlots(3)).toBe(1);
    const own = await startUpstream({ projects: [{ slug: SLUG, version: VERSION, root: served.root }], accounts: [{ ...accounts[0]!, access: [{ slug: SLUG, version: VERSION }] }], port: 0, faults: { firstByteDelayMs: 600 } });
    const out = await mkdtemp(path.join(os.tmpdir(), "labgate-cap-"));
    try {
      const { result, peak } = await peakWhile(
        Promise.all(
          Array.from({ length: 6 }, (_, i) =>
            downloadFile({ url: `${own.url}${PREFIX}/LICENSE.txt`, destination: path.join(out, String(i), "LICENSE.txt"), credentials: accounts[0]!, tries: 1 }),
          ),
        ),
      );
      expect(result.map((r) => r.outcome)).toEqual(Array(6).fill("complete"));
      expect(peak).toBeGreaterThan(0);
      expect(peak).toBeLessThanOrEqual(2);
    } finally {
      await own.close();
      await rm(out, { recursive: true, force: true });
    }
  });
});
