import { spawn, spawnSync } from "node:child_process";
import { describe, expect, it } from "vitest";
import { auditLog, labs, users } from "@/db/schema";
import { verifyAuditChain } from "@/lib/audit/verify";
import { verifyPassword } from "@/lib/auth/password";
import { getDb } from "@/lib/db/client";
import { issueSetupToken, needsSetup, setupLab } from "@/lib/setup/first-run";
import { isolatedDatabaseForFile } from "../support/isolated-database";

// First run acts on the whole installation ("no user exists"), so it needs a database of its own.
const iso = isolatedDatabaseForFile();

/** `npm <args>` with `stdin` as its standard input, as spawnSync would run it, without blocking this process. */
function npm(args: string[], env: NodeJS.ProcessEnv, stdin: string): Promise<{ status: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn("npm", args, { env });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (b: Buffer) => (stdout += b.toString()));
    child.stderr.on("data", (b: Buffer) => (stderr += b.toString()));
    child.on("error", reject);
    child.on("close", (status) => resolve({ status, stdout, stderr }));
    child.stdin.end(stdin);
  });
}

const input = { labName: "Chest Imaging Lab", institution: "Example University", adminEmail: "pi@example.edu", adminName: "Pat Investigator", adminPassword: "a-long-admin-password" };

describe("first-run setup", () => {
  it("takes only the latest one-time token, creates the lab once, and audits every step", async () => {
    const db = getDb();
    expect(await needsSetup(db)).toBe(true);
    const first = await issueSetupToken(db);
    const second = await issueSetupToken(db);
    expect(first).toBeTruthy();
    expect(second).not.toBe(first);

    await expect(setupLab(db, { input, via: "page", token: first!, ip: "127.0.0.1" })).rejects.toThrow(/not valid any more/);
    await expect(setupLab(db, { input, via: "page", token: "made-up-token-123", ip: "127.0.0.1" })).rejects.toThrow(/not valid any more/);
    expect(await needsSetup(db)).toBe(true);

    // Twenty tabs submit at once: exactly one lab and one admin come out of it.
    const results = await Promise.allSettled(Array.from({ length: 20 }, () => setupLab(db, { input, via: "page", token: second!, ip: "127.0.0.1" })));
    expect(results.filter((r) => r.status === "fulfilled")).toHaveLength(1);
    expect(await db.select().from(labs)).toHaveLength(1);
    const admins = await db.select().from(users);
    expect(admins.map((u) => [u.email, u.role])).toEqual([["pi@example.edu", "admin"]]);
    expect(await verifyPassword(admins[0]!.passwordHash, input.adminPassword)).toBe(true);

    // Used, and no new token once a user exists.
    await expect(setupLab(db, { input, via: "page", token: second!, ip: null })).rejects.toThrow(/already set up/);
    expect(await issueSetupToken(db)).toBeNull();

    const actions = (await db.select({ action: auditLog.action, outcome: auditLog.outcome }).from(auditLog)).map((r) => `${r.action}:${r.outcome}`);
    expect(actions.filter((a) => a === "setup.token_issued:ok")).toHaveLength(2);
    // Two bad tokens, nineteen losers of the race, one late retry.
    expect(actions.filter((a) => a === "setup.lab:denied")).toHaveLength(22);
    expect(actions.filter((a) => a === "setup.lab:ok")).toHaveLength(1);
    const [lab] = await db.select().from(labs);
    expect(lab!.institution).toBe("Example University");
    expect((await verifyAuditChain(db)).ok).toBe(true);
  });

  it("`npm run setup` refuses a second lab and never takes the password from argv", async () => {
    const env = { ...process.env, DATABASE_URL: iso.url() };
    const args = ["run", "--silent", "setup", "--", "--lab-name", "Other Lab", "--institution", "Elsewhere", "--admin-email", "x@example.edu", "--admin-name", "X Y"];
    // Two independent refusals: run side by side, each CLI start costs seconds on a busy machine.
    const [noPassword, again] = await Promise.all([npm(args, env, ""), npm([...args, "--password-stdin"], env, "another-long-password\n")]);
    expect(noPassword.status).toBe(2);
    expect(noPassword.stderr).toMatch(/--password-stdin, or --oidc/);
    expect(again.status).toBe(1);
    expect(again.stderr).toMatch(/already set up/);
  }, 60_000);
});

describe("`npm run setup` on an empty database", () => {
  it("creates the lab and an admin who signs in with the password read from standard input", async () => {
    // A second, empty database: the one above already has its lab.
    const url = new URL(iso.url());
    url.pathname = `${url.pathname}_cli`;
    const { dropDatabase, ensureDatabase } = await import("@/scripts/lib/database");
    await ensureDatabase(url.toString());
    try {
      const r = spawnSync(
        "npm",
        ["run", "--silent", "setup", "--", "--lab-name", "Chest Imaging Lab", "--institution", "Example University", "--admin-email", "PI@Example.edu", "--admin-name", "Pat Investigator", "--password-stdin"],
        { env: { ...process.env, DATABASE_URL: url.toString() }, encoding: "utf8", input: "a-long-admin-password\n" },
      );
      expect(r.stderr).toBe("");
      expect(r.status).toBe(0);
      expect(r.stdout).toMatch(/lab "Chest Imaging Lab" created; pi@example.edu is its admin/);
      expect(r.stdout + r.stderr).not.toContain("a-long-admin-password");
      const pg = (await import("pg")).default;
      const client = new pg.Client({ connectionString: url.toString() });
      await client.connect();
      try {
        const { rows } = await client.query<{ email: string; role: string; password_hash: string }>("select email, role, password_hash from users");
        expect(rows.map((u) => [u.email, u.role])).toEqual([["pi@example.edu", "admin"]]);
        expect(await verifyPassword(rows[0]!.password_hash, "a-long-admin-password")).toBe(true);
      } finally {
        await client.end();
      }
    } finally {
      await dropDatabase(url.toString());
    }
  }, 60_000);
});

