import { spawn, type ChildProcess } from "node:child_process";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterAll, expect, it } from "vitest";
import { supervise } from "@/lib/ops/supervisor";

// The supervisor `npm start` runs its worker under (scripts/start.ts), driven with a tiny real
// worker process: it dies three times at start, then stays up until killed.

const dir = await mkdtemp(path.join(os.tmpdir(), "labgate-supervisor-"));
afterAll(() => rm(dir, { recursive: true, force: true }));

const FAKE_WORKER = `
const fs = require("node:fs");
const [, , counter] = process.argv;
process.on("SIGTERM", () => { fs.appendFileSync(counter + ".starts", "SIGTERM\\n"); process.exit(0); });
const run = Number(fs.existsSync(counter) ? fs.readFileSync(counter, "utf8") : "0") + 1;
fs.writeFileSync(counter, String(run));
fs.appendFileSync(counter + ".starts", Date.now() + "\\n");
if (run <= 3) setTimeout(() => process.exit(3), 30);
else setInterval(() => {}, 1000);
`;

async function waitFor<T>(what: string, probe: () => T | null | undefined | false | Promise<T | null | undefined | false>, timeoutMs = 15_000): Promise<T> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value) return value;
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

it("restarts a worker that dies, with doubling pauses (reset after a healthy run), logs each death, and stops for good on stop()", { timeout: 30_000 }, async () => {
  const script = path.join(dir, "fake-worker.cjs");
  const counter = path.join(dir, "runs");
  await writeFile(script, FAKE_WORKER);
  const lines: string[] = [];
  const children: ChildProcess[] = [];
  const supervisor = supervise({
    name: "the fake worker",
    start: () => spawn(process.execPath, [script, counter], { stdio: "ignore" }),
    initialDelayMs: 100,
    maxDelayMs: 300,
    healthyAfterMs: 1_000,
    log: { info: (m) => lines.push(m), error: (m) => lines.push(m) },
    onStart: (c) => children.push(c),
  });
  try {
    // Three quick deaths: restarted after 0.1, 0.2 and 0.3 s (doubling, capped at maxDelayMs).
    await waitFor("the fourth run", async () => (await readFile(counter, "utf8").catch(() => "")) === "4" && supervisor.current()?.pid);
    const starts = (await readFile(`${counter}.starts`, "utf8")).trim().split("\n").map(Number);
    const gaps = starts.slice(1).map((t, i) => t - starts[i]!);
    expect(gaps[0]).toBeGreaterThanOrEqual(100);
    expect(gaps[1]).toBeGreaterThanOrEqual(200);
    expect(gaps[2]).toBeGreaterThanOrEqual(300);
    expect(lines.filter((l) => l.includes("the fake worker exited with code 3"))).toHaveLength(3);
    expect(lines.filter((l) => /restarting it in/.test(l)).map((l) => /restarting it in ([\d.]+ s)/.exec(l)![1])).toEqual(["0.1 s", "0.2 s", "0.3 s"]);
    expect(supervisor.restarts()).toBe(3);

    // The fourth run stays up past healthyAfterMs; then a kill -9: restarted after the first pause again.
    await new Promise((r) => setTimeout(r, 1_100));
    const killed = supervisor.current()!;
    process.kill(killed.pid!, "SIGKILL");
    const next = await waitFor("a restart after SIGKILL", () => supervisor.restarts() === 4 && supervisor.current());
    expect(next.pid).not.toBe(killed.pid);
    expect(lines.some((l) => /the fake worker was killed by SIGKILL after [\d.]+ s; restarting it in 0\.1 s/.test(l)), lines.join("\n")).toBe(true);
    expect(lines.some((l) => l.includes(`the fake worker restarted (pid ${next.pid}, restart 4)`))).toBe(true);
    await waitFor("the fifth run", async () => (await readFile(counter, "utf8").catch(() => "")) === "5");
  } finally {
    await supervisor.stop();
  }
  // stop() signalled the last child (it wrote SIGTERM and exited) and nothing is started after it.
  expect(children.at(-1)!.exitCode).toBe(0);
  expect((await readFile(`${counter}.starts`, "utf8")).trim().split("\n").at(-1)).toBe("SIGTERM");
  await new Promise((r) => setTimeout(r, 400));
  expect(supervisor.current()).toBeNull();
  expect(children).toHaveLength(5);
});
