import { randomUUID } from "node:crypto";
import { and, eq, like } from "drizzle-orm";
import { afterEach, beforeAll, describe, expect, it } from "vitest";
import { auditLog, datasets, labDatasets, physionetAccounts } from "@/db/schema";
import { setClockOffsetForTests } from "@/lib/clock";
import { setPhysionetUsername } from "@/lib/credentialing/physionet-account";
import { verifyWithPhysionet } from "@/lib/credentialing/verify-with-physionet";
import { getDb } from "@/lib/db/client";
import { createUser } from "@/lib/factories";
import { isAppError } from "@/lib/http/errors";
import { RULES } from "@/lib/limits/rules";
import { acceptInvite, createInvite } from "@/lib/users/invites";
import { signInWithPassword } from "@/lib/users/sign-in";
import { ALICE, servedUpstreamFixture } from "../physionet/served-version";
import { labWithRoles } from "../support/db";

// Each limited action on real PostgreSQL (and the PhysioNet-like test upstream, through GNU wget):
// what passes, what is refused with 429 and Retry-After, and the audit row of each refusal.

const fixture = servedUpstreamFixture();
beforeAll(() => {
  // Read once by lib/env.ts, before any test touches the database.
  process.env.PHYSIONET_BASE_URL = fixture.upstream.url;
});
afterEach(() => setClockOffsetForTests(0));

const ip = () => `10.${Math.floor(Math.random() * 250)}.${Math.floor(Math.random() * 250)}.${Math.floor(Math.random() * 250) + 1}`;
type Outcome = string;

/** What a call came to: its result's name, "429 <minutes to wait>m" (a loaded machine may take seconds), or the error. */
async function outcome(p: Promise<unknown>): Promise<Outcome> {
  try {
    const r = await p;
    return typeof r === "string" ? r : typeof r === "object" && r && "outcome" in r ? String((r as { outcome: string }).outcome) : "ok";
  } catch (e) {
    if (isAppError(e) && e.status === 429) return `429 ${Math.round(e.retryAfterSeconds! / 60)}m`;
    return isAppError(e) ? `${e.status} ${e.message}` : `thrown ${(e as Error).message}`;
  }
}

async function refusals(action: string, filter: (details: Record<string, unknown>, row: { actorEmail: string | null; ip: string | null }) => boolean) {
  const rows = await getDb().select().from(auditLog).where(and(eq(auditLog.action, action), eq(auditLog.outcome, "denied")));
  return rows.filter((r) => filter(r.details as Record<string, unknown>, r));
}

describe("password sign-in", () => {
  it("refuses an account after 10 failures, the right password too, and audits each refusal", async () => {
    const { member } = await labWithRoles();
    const from = ip();
    const tries: Outcome[] = [];
    for (let i = 0; i < 12; i++) tries.push(await outcome(signInWithPassword({ email: member.email, password: `wrong-${i}`, ip: from })));
    expect(tries).toEqual([...Array(10).fill("wrong_credentials"), "429 15m", "429 15m"]);
    expect(await outcome(signInWithPassword({ email: member.email.toUpperCase(), password: member.password, ip: ip() }))).toBe("429 15m");
    const rows = await refusals("rate_limit.sign_in", (d, r) => r.actorEmail === member.email && d.limit === "sign_in.account");
    expect(rows).toHaveLength(3);
    expect(rows[0]!.details).toMatchObject({ method: "password", limit: "sign_in.account", retryAfterSeconds: expect.any(Number) });
    expect((rows[0]!.details as { retryAfterSeconds: number }).retryAfterSeconds).toBeGreaterThan(850);
    // Guessing on after the block: the next block lasts twice as long.
    setClockOffsetForTests(901_000);
    for (let i = 0; i < 10; i++) expect(await outcome(signInWithPassword({ email: member.email, password: "wrong", ip: ip() }))).toBe("wrong_credentials");
    expect(await outcome(signInWithPassword({ email: member.email, password: "wrong", ip: ip() }))).toBe("429 30m");
    // After it the right password works, and a success forgives the account's past.
    setClockOffsetForTests((901 + 1801) * 1000);
    expect(await outcome(signInWithPassword({ email: member.email, password: member.password, ip: from }))).toBe("ok");
    for (let i = 0; i < 10; i++) expect(await outcome(signInWithPassword({ email: member.email, password: "wrong", ip: ip() }))).toBe("wrong_credentials");
    expect(await outcome(signInWithPassword({ email: member.email, password: "wrong", ip: ip() }))).toBe("429 15m");
  }, 120_000);

  it("answers an email no account uses exactly as it answers a real one", async () => {
    const { member } = await labWithRoles();
    const ghost = `nobody-${randomUUID().slice(0, 8)}@example.org`;
    const run = async (email: string) => {
      const out: Outcome[] = [];
      for (let i = 0; i < 11; i++) out.push(await outcome(signInWithPassword({ email, password: "wrong", ip: ip() })));
      return out;
    };
    expect(await run(ghost)).toEqual(await run(member.email));
  }, 120_000);

  it("successes give their attempt back: a person who mistypes now and then is never blocked", async () => {
    const { member } = await labWithRoles();
    const from = ip();
    for (let round = 0; round < 3; round++) {
      for (let i = 0; i < 9; i++) expect(await outcome(signInWithPassword({ email: member.email, password: "typo", ip: from }))).toBe("wrong_credentials");
      expect(await outcome(signInWithPassword({ email: member.email, password: member.password, ip: from }))).toBe("ok");
    }
  }, 120_000);

  it("refuses an address after 50 failures across many accounts, whatever account it tries next", async () => {
    const { member } = await labWithRoles();
    const sprayer = ip();
    const out: Outcome[] = [];
    for (let i = 0; i < 52; i++) out.push(await outcome(signInWithPassword({ email: `user${i}-${randomUUID().slice(0, 6)}@example.org`, password: "Winter2026!", ip: sprayer })));
    expect(out.slice(0, 50).every((o) => o === "wrong_credentials")).toBe(true);
    expect(out.slice(50)).toEqual(["429 15m", "429 15m"]);
    expect(await outcome(signInWithPassword({ email: member.email, password: member.password, ip: sprayer }))).toBe("429 15m");
    // Another address is not affected, nor is the account.
    expect(await outcome(signInWithPassword({ email: member.email, password: member.password, ip: ip() }))).toBe("ok");
    const rows = await refusals("rate_limit.sign_in", (d, r) => r.ip === sprayer && d.limit === "sign_in.ip");
    expect(rows.length).toBe(3);
    expect(rows.every((r) => r.labId === null)).toBe(true);
  }, 120_000);

  it("30 parallel wrong passwords: exactly 10 reach the password check", async () => {
    const { member } = await labWithRoles();
    const out = await Promise.all(Array.from({ length: 30 }, () => outcome(signInWithPassword({ email: member.email, password: "wrong", ip: ip() }))));
    expect(out.filter((o) => o === "wrong_credentials")).toHaveLength(10);
    expect(out.filter((o) => o.startsWith("429 "))).toHaveLength(20);
    const checked = await getDb().select().from(auditLog).where(and(eq(auditLog.action, "auth.sign_in"), eq(auditLog.actorEmail, member.email)));
    expect(checked).toHaveLength(10);
  }, 120_000);
});

describe("invite acceptance", () => {
  it("refuses an address after 20 unknown links, a real link too while blocked; real links do not count", async () => {
    const { steward } = await labWithRoles();
    const from = ip();
    const invite = await createInvite({ actor: steward, email: `inv-${randomUUID().slice(0, 8)}@example.org`, role: "member", ip: null });
    const used = await createInvite({ actor: steward, email: `inv-${randomUUID().slice(0, 8)}@example.org`, role: "member", ip: null });
    await acceptInvite({ token: used.token, name: "Used Once", password: "a-long-enough-password", ip: from });
    // A used link is refused for what it is, and is not guessing.
    for (let i = 0; i < 25; i++) expect(await outcome(acceptInvite({ token: used.token, name: "X", password: "a-long-enough-password", ip: from }))).toMatch(/^410 /);
    const out: Outcome[] = [];
    for (let i = 0; i < 22; i++) out.push(await outcome(acceptInvite({ token: randomUUID(), name: "Guesser", password: "a-long-enough-password", ip: from })));
    expect(out.slice(0, 20).every((o) => o.startsWith("404 "))).toBe(true);
    expect(out.slice(20)).toEqual(["429 15m", "429 15m"]);
    expect(await outcome(acceptInvite({ token: invite.token, name: "Real Person", password: "a-long-enough-password", ip: from }))).toBe("429 15m");
    expect(await outcome(acceptInvite({ token: invite.token, name: "Real Person", password: "a-long-enough-password", ip: ip() }))).toBe("ok");
    expect(await refusals("rate_limit.invite_accept", (_d, r) => r.ip === from)).toHaveLength(3);
  }, 120_000);
});

describe("Verify with PhysioNet", () => {
  async function memberWithDataset() {
    const roles = await labWithRoles();
    const db = getDb();
    const [d] = await db.select().from(datasets).where(and(eq(datasets.slug, "mimic-cxr"), eq(datasets.version, "2.0.0")));
    await db.insert(labDatasets).values({ labId: roles.lab.id, datasetId: d!.id });
    return { ...roles, dataset: d! };
  }
  const username = () => `pn-user-${randomUUID().slice(0, 8)}`;

  it("40 parallel wrong passwords: 10 reach PhysioNet, 30 are refused and audited", async () => {
    const { member, dataset } = await memberWithDataset();
    const name = username();
    await setPhysionetUsername({ actor: member, username: name, ip: null });
    const out = await Promise.all(Array.from({ length: 40 }, (_, i) => outcome(verifyWithPhysionet({ actor: member, datasetId: dataset.id, password: `guess-${i}`, ip: null }))));
    expect(out.filter((o) => o === "429 15m")).toHaveLength(30);
    // The ten that went through reached PhysioNet (which may time out on a loaded machine).
    expect(out.filter((o) => o === "wrong_credentials" || o === "error")).toHaveLength(10);
    const refused = await refusals("rate_limit.physionet_verify", (d) => d.username === name);
    expect(refused).toHaveLength(30);
    expect(refused[0]).toMatchObject({ actorId: member.id, labId: member.labId });
    expect(JSON.stringify(refused)).not.toContain("guess-1");
  }, 120_000);

  it("counts per PhysioNet account across members, and a confirmation gives its attempt back", async () => {
    const { lab, member, dataset } = await memberWithDataset();
    const other = await createUser(getDb(), { labId: lab.id });
    const second = { id: other.id, email: other.email, name: other.name, role: other.role, labId: lab.id };
    const name = username();
    await setPhysionetUsername({ actor: member, username: name, ip: null });
    for (let i = 0; i < 6; i++) expect(await outcome(verifyWithPhysionet({ actor: member, datasetId: dataset.id, password: "no", ip: null }))).toBe("wrong_credentials");
    // The first member moves to another name; the second takes this one and meets its count.
    await setPhysionetUsername({ actor: member, username: username(), ip: null });
    await setPhysionetUsername({ actor: second, username: name, ip: null });
    const out: Outcome[] = [];
    for (let i = 0; i < 5; i++) out.push(await outcome(verifyWithPhysionet({ actor: second, datasetId: dataset.id, password: "no", ip: null })));
    expect(out).toEqual(["wrong_credentials", "wrong_credentials", "wrong_credentials", "wrong_credentials", "429 15m"]);

    // A member whose password PhysioNet accepts is never held back by it.
    const { member: alice, dataset: cxr } = await memberWithDataset();
    await getDb().delete(physionetAccounts).where(eq(physionetAccounts.username, ALICE.username));
    await setPhysionetUsername({ actor: alice, username: ALICE.username, ip: null });
    for (let i = 0; i < 12; i++) expect(await outcome(verifyWithPhysionet({ actor: alice, datasetId: cxr.id, password: ALICE.password, ip: null }))).toBe("confirmed");
  }, 120_000);
});

describe("a PhysioNet account links to one member", () => {
  it("whatever the case it is typed in", async () => {
    const { member, steward } = await labWithRoles();
    const name = `Case-${randomUUID().slice(0, 8)}`;
    await setPhysionetUsername({ actor: member, username: name, ip: null });
    expect(await outcome(setPhysionetUsername({ actor: steward, username: name.toUpperCase(), ip: null }))).toMatch(/^409 .*already linked/);
    // Another lab's member is refused the same: the rule holds across the installation.
    const elsewhere = await labWithRoles();
    expect(await outcome(setPhysionetUsername({ actor: elsewhere.member, username: name.toLowerCase(), ip: null }))).toMatch(/^409 /);
    // The index holds even for a row written past the function.
    await expect(getDb().insert(physionetAccounts).values({ userId: elsewhere.admin.id, labId: elsewhere.lab.id, username: name.toUpperCase(), createdAt: new Date(), updatedAt: new Date() })).rejects.toThrow();
  });

  it("12 members racing for one name: one gets it, 11 get a clear 409", async () => {
    const roles = await Promise.all(Array.from({ length: 4 }, () => labWithRoles()));
    const actors = roles.flatMap((r) => [r.member, r.steward, r.admin]);
    const name = `race-${randomUUID().slice(0, 8)}`;
    const out = await Promise.all(actors.map((actor) => outcome(setPhysionetUsername({ actor, username: name, ip: null }))));
    expect(out.filter((o) => o === "ok")).toHaveLength(1);
    expect(out.filter((o) => o.startsWith("409 "))).toHaveLength(11);
    expect(await getDb().select().from(physionetAccounts).where(like(physionetAccounts.username, name))).toHaveLength(1);
  });
});

describe("the rules", () => {
  it("count failures on generous enough limits for a lab behind one address", () => {
    expect(RULES.signInIp.limit).toBeGreaterThanOrEqual(RULES.signInAccount.limit * 5);
  });
});
