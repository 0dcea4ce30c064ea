import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { mkdtempSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { getDb } from "@/lib/db/client";
import { getEnv } from "@/lib/env";
import { runDoctor, type Check } from "@/lib/ops/doctor";
import { startHeartbeat } from "@/lib/ops/heartbeat";
import { createLocalStorage } from "@/lib/storage/local-storage";
import { isolatedDatabaseForFile } from "../support/isolated-database";
import { startSmtpSink, type SmtpSink } from "../notifications/smtp-sink";

// Worker heartbeats are installation-wide: this file keeps a database of its own.
const iso = isolatedDatabaseForFile();

let upstream: Server;
let upstreamUrl = "";
let smtp: SmtpSink;
beforeAll(async () => {
  // A PhysioNet-like answer to an unauthenticated HEAD.
  upstream = createServer((_req, res) => res.writeHead(401, { "www-authenticate": 'Basic realm="PhysioNet"' }).end());
  await new Promise<void>((resolve) => upstream.listen(0, "127.0.0.1", resolve));
  upstreamUrl = `http://127.0.0.1:${(upstream.address() as AddressInfo).port}`;
  smtp = await startSmtpSink();
});
afterAll(async () => {
  await new Promise((resolve) => upstream.close(resolve));
  await smtp.close();
});

const byName = (checks: Check[]) => Object.fromEntries(checks.map((c) => [c.name, c]));

describe("doctor", () => {
  it("says what works and, for what does not, the fix", async () => {
    const storage = createLocalStorage({ root: mkdtempSync(path.join(tmpdir(), "labgate-doctor-")) });
    const env = { ...getEnv(), PHYSIONET_BASE_URL: upstreamUrl, SMTP_URL: smtp.url, OIDC_ISSUER: undefined };
    const first = byName(await runDoctor({ db: getDb(), env, storage }));
    expect(first["database"]).toMatchObject({ ok: true, detail: expect.stringMatching(/^reachable, migrated to \d{4}_/) });
    expect(first["lab storage"]).toMatchObject({ ok: true, detail: expect.stringMatching(/^writable, .* free$/) });
    expect(first["GNU wget"]).toMatchObject({ ok: true, detail: expect.stringMatching(/version \d+\.\d+/) });
    expect(first["PhysioNet"]).toMatchObject({ ok: true, detail: `${upstreamUrl} answered HTTP 401` });
    expect(first["mail (SMTP)"]).toMatchObject({ ok: true, detail: "127.0.0.1:" + smtp.port + " accepted EHLO" });
    expect(first["institution sign-in (OIDC)"]).toMatchObject({ ok: true, skipped: true });
    expect(first["background worker"]).toMatchObject({ ok: false, detail: "no worker has ever run", fix: expect.stringContaining("npm run worker") });
    expect(first["audit chain"]?.ok).toBe(true);

    const beat = startHeartbeat(getDb());
    try {
      // The first beat is written at start; wait for it.
      for (let i = 0; i < 50 && !byName(await runDoctor({ db: getDb(), env, storage }))["background worker"]!.ok; i++) await new Promise((r) => setTimeout(r, 100));
      expect(byName(await runDoctor({ db: getDb(), env, storage }))["background worker"]).toMatchObject({ ok: true, detail: expect.stringMatching(/^1 running/) });
    } finally {
      await beat.stop();
    }

    // Broken configuration: every failure names its fix, none hangs. Storage under a plain file
    // cannot be written (ENOTDIR).
    const blocker = path.join(mkdtempSync(path.join(tmpdir(), "labgate-doctor-")), "a-file");
    writeFileSync(blocker, "");
    const broken = byName(
      await runDoctor({
        db: getDb(),
        env: { ...env, PHYSIONET_BASE_URL: "http://127.0.0.1:9", SMTP_URL: `smtp://nobody:wrong@127.0.0.1:${smtp.port}`, OIDC_ISSUER: "http://127.0.0.1:9", OIDC_CLIENT_ID: "x", OIDC_CLIENT_SECRET: "y" },
        storage: createLocalStorage({ root: path.join(blocker, "storage") }),
      }),
    );
    for (const name of ["lab storage", "PhysioNet", "mail (SMTP)", "institution sign-in (OIDC)", "background worker"]) {
      expect(broken[name], name).toMatchObject({ ok: false, fix: expect.any(String) });
    }
  });

  // The README runs it as `npm run doctor`.
  it("`npm run doctor` prints one line per check and exits 1 while something fails", async () => {
    // Asynchronously: the PhysioNet stand-in answers from this process's event loop.
    const r = await promisify(execFile)("npm", ["run", "doctor"], {
      env: { ...process.env, DATABASE_URL: iso.url(), PHYSIONET_BASE_URL: upstreamUrl, LABGATE_STORAGE_DIR: mkdtempSync(path.join(tmpdir(), "labgate-doctor-")) },
      encoding: "utf8",
      timeout: 60_000,
    }).then(
      (out) => ({ ...out, status: 0 }),
      (e: { stdout: string; stderr: string; code: number }) => ({ stdout: e.stdout, stderr: e.stderr, status: e.code }),
    );
    expect(r.stdout).toMatch(/^ok {6}database +reachable, migrated to/m);
    expect(r.stdout).toMatch(/^FAILED +background worker +no worker has ever run\n +fix: start it/m);
    expect(r.stdout).toMatch(/labgate doctor: 1 check failed/);
    expect(r.status).toBe(1);
  }, 60_000);
});
