import "server-only";
import { readFile } from "node:fs/promises";
import path from "node:path";
import { sql } from "drizzle-orm";
import nodemailer from "nodemailer";
import { verifyAuditChain } from "@/lib/audit/verify";
import type { Db } from "@/lib/db/client";
import { storageFreeBytes } from "@/lib/downloads/usage";
import { formatBytes } from "@/lib/downloads/format";
import { stagingRoot } from "@/lib/downloads/staging";
import { oidcConfigured, type Env } from "@/lib/env";
import { findWget } from "@/lib/physionet/wget/find-wget";
import type { FileStorage } from "@/lib/storage/file-storage";
import { workerStatus } from "./heartbeat";

export type Check = { name: string; ok: boolean; detail: string; fix?: string; skipped?: boolean };

const TIMEOUT_MS = 5_000;
// Below this, a download of a MIMIC image set cannot finish; the admin should know before starting one.
const LOW_FREE_BYTES = 10 * 1024 ** 3;

async function check(name: string, body: () => Promise<Omit<Check, "name">>, fixWhenThrown?: string): Promise<Check> {
  try {
    return { name, ...(await body()) };
  } catch (e) {
    // Drizzle and fetch wrap the useful part (the server's or the socket's message) in `cause`.
    const cause = e instanceof Error && e.cause instanceof Error ? e.cause : e;
    return { name, ok: false, detail: cause instanceof Error ? cause.message.split("\n")[0]! : String(cause), fix: fixWhenThrown };
  }
}

async function databaseCheck(db: Db): Promise<Omit<Check, "name">> {
  await db.execute(sql`select 1`);
  const journal = JSON.parse(await readFile(path.resolve(/*turbopackIgnore: true*/ "db/migrations/meta/_journal.json"), "utf8")) as { entries: { when: number; tag: string }[] };
  const latest = journal.entries.at(-1)!;
  const applied = await db.execute<{ at: string | null }>(sql`select max(created_at)::text as at from drizzle.__drizzle_migrations`);
  const at = Number(applied.rows[0]?.at ?? 0);
  if (at < latest.when) return { ok: false, detail: `reachable, but migration ${latest.tag} is not applied`, fix: "run `npm run db:migrate` (npm start does it)" };
  return { ok: true, detail: `reachable, migrated to ${latest.tag}` };
}

async function storageCheck(storage: FileStorage): Promise<Omit<Check, "name">> {
  const key = `labgate-doctor/probe-${process.pid}-${Date.now()}`;
  await storage.put(key, Buffer.from("labgate doctor\n"));
  await storage.delete(key);
  const free = await storageFreeBytes(storage, stagingRoot());
  if (free !== null && free < LOW_FREE_BYTES) return { ok: false, detail: `writable, only ${formatBytes(free)} free`, fix: "free space or point LABGATE_STORAGE_DIR / LABGATE_DOWNLOAD_STAGING_DIR at a larger volume" };
  return { ok: true, detail: `writable${free === null ? "" : `, ${formatBytes(free)} free`}` };
}

async function reachable(url: string): Promise<number> {
  const res = await fetch(url, { method: "HEAD", redirect: "manual", signal: AbortSignal.timeout(TIMEOUT_MS) });
  return res.status;
}

/** Everything an operator needs to know works, each with the fix when it does not. */
export async function runDoctor(opts: { db: Db; env: Env; storage: FileStorage }): Promise<Check[]> {
  const { db, env, storage } = opts;
  return Promise.all([
    check("database", () => databaseCheck(db), "check DATABASE_URL and that the server runs (`npm start` runs the embedded one)"),
    check("lab storage", () => storageCheck(storage), "check LABGATE_STORAGE_DIR (or the S3 settings) and its permissions"),
    check("GNU wget", async () => {
      const w = await findWget().catch(() => null);
      return w ? { ok: true, detail: `${w.path}, version ${w.version}` } : { ok: false, detail: "not found", fix: "apt-get install wget (PhysioNet accepts credentials only from GNU wget)" };
    }),
    check("PhysioNet", async () => {
      const status = await reachable(env.PHYSIONET_BASE_URL);
      return { ok: status < 500, detail: `${env.PHYSIONET_BASE_URL} answered HTTP ${status}`, fix: status >= 500 ? "PhysioNet is down or a proxy fails; try again later" : undefined };
    }, `labgate must reach ${env.PHYSIONET_BASE_URL} over HTTPS (firewall, proxy, DNS); PHYSIONET_BASE_URL says where`),
    check("mail (SMTP)", async () => {
      if (!env.SMTP_URL) return { ok: true, skipped: true, detail: "not configured: in-app notifications only", fix: "set SMTP_URL to mail reminders and password resets" };
      const transport = nodemailer.createTransport({ url: env.SMTP_URL, connectionTimeout: TIMEOUT_MS, greetingTimeout: TIMEOUT_MS, socketTimeout: TIMEOUT_MS });
      try {
        await transport.verify();
      } finally {
        transport.close();
      }
      return { ok: true, detail: `${new URL(env.SMTP_URL).host} accepted EHLO` };
    }, "check SMTP_URL (host, port, user, password)"),
    check("institution sign-in (OIDC)", async () => {
      if (!oidcConfigured(env)) return { ok: true, skipped: true, detail: "not configured: password sign-in only" };
      const url = `${env.OIDC_ISSUER!.replace(/\/$/, "")}/.well-known/openid-configuration`;
      const res = await fetch(url, { signal: AbortSignal.timeout(TIMEOUT_MS) });
      const doc = (await res.json().catch(() => ({}))) as { issuer?: string };
      if (!res.ok || !doc.issuer) return { ok: false, detail: `discovery at ${url} answered HTTP ${res.status}`, fix: "check OIDC_ISSUER" };
      return { ok: true, detail: `discovery OK (${doc.issuer})` };
    }, "check OIDC_ISSUER and that the provider is reachable"),
    check("background worker", async () => {
      const w = await workerStatus(db);
      if (w.live === 0) return { ok: false, detail: w.lastBeatAt ? `last heartbeat ${w.lastBeatAt.toISOString()}` : "no worker has ever run", fix: "start it: `npm run worker` (npm start runs one)" };
      return { ok: true, detail: `${w.live} running, last heartbeat ${w.lastBeatAt!.toISOString()}` };
    }, "run `npm run db:migrate`, then start the worker"),
    check("audit chain", async () => {
      const r = await verifyAuditChain(db);
      return r.ok ? { ok: true, detail: `${r.checked} rows verified` } : { ok: false, detail: `broken at row ${r.brokenId}: ${r.reason}`, fix: "run `npm run audit:verify` and compare with the last checkpoint; see README, Security" };
    }),
  ]);
}
