import { createHash } from "node:crypto";
import { and, eq } from "drizzle-orm";
import { afterEach, describe, expect, it } from "vitest";
import { apiTokens, auditLog, datasets, labDatasets } from "@/db/schema";
import { createApiToken, createTokenSchema } from "@/lib/api-tokens/create-token";
import { listTokens } from "@/lib/api-tokens/list-tokens";
import { revokeApiToken } from "@/lib/api-tokens/revoke-token";
import { TOKEN_PATTERN } from "@/lib/api-tokens/token-secret";
import { requireDatasetAccess } from "@/lib/auth/dataset-access";
import { requireCaller } from "@/lib/auth/request-caller";
import { setClockOffsetForTests } from "@/lib/clock";
import { getDb } from "@/lib/db/client";
import { createUser, credentialMember } from "@/lib/factories";
import { isAppError } from "@/lib/http/errors";
import { setMemberStatus } from "@/lib/users/members";
import { labWithRoles } from "../support/db";

afterEach(() => setClockOffsetForTests(0));

const bearer = (token: string) => new Headers({ authorization: `Bearer ${token}` });
const ask = (token: string, opts: { tokens?: boolean; method?: string } = {}) => requireCaller({ headers: bearer(token), method: opts.method ?? "GET", tokens: opts.tokens ?? true, ip: "127.0.0.1" });

/** The error a promise rejects with: an AppError's status and message, or a Next interrupt's digest. */
async function refusal(p: Promise<unknown>): Promise<string> {
  try {
    await p;
  } catch (e) {
    if (isAppError(e)) return `${e.status} ${e.message}`;
    // Outside a Next server, forbidden() throws a plain Error naming itself instead of its interrupt.
    const digest = (e as { digest?: string }).digest ?? (/`forbidden\(\)`/.test(String(e)) ? "forbidden" : undefined);
    if (digest) return digest.replace("forbidden", "forbidden");
    throw e;
  }
  throw new Error("expected a refusal");
}

async function auditRows(tokenId: string) {
  return getDb().select().from(auditLog).where(and(eq(auditLog.targetType, "api_token"), eq(auditLog.targetId, tokenId))).orderBy(auditLog.id);
}

async function twoDatasets(labId: string) {
  const rows = await getDb().select({ id: datasets.id, slug: datasets.slug, version: datasets.version }).from(datasets).limit(2);
  for (const d of rows) await getDb().insert(labDatasets).values({ labId, datasetId: d.id });
  return rows as [(typeof rows)[0], (typeof rows)[0]];
}

describe("personal access tokens", () => {
  it("are shown once, stored only as a SHA-256, and act as their owner on routes that accept them", async () => {
    const { member } = await labWithRoles();
    const created = await createApiToken({ actor: member, input: { name: "notebook", expiresInDays: 30, datasetIds: [] }, ip: null });
    expect(created.token).toMatch(TOKEN_PATTERN);
    const [row] = await getDb().select().from(apiTokens).where(eq(apiTokens.id, created.id));
    expect(row!.tokenHash).toBe(createHash("sha256").update(created.token).digest("hex"));
    expect(JSON.stringify(row)).not.toContain(created.token.slice(4));
    expect(created.token.startsWith(row!.prefix)).toBe(true);

    const caller = await ask(created.token);
    expect(caller.user.id).toBe(member.id);
    expect(caller.token?.id).toBe(created.id);
    expect((await auditRows(created.id)).map((r) => r.action)).toEqual(["token.create"]);
  });

  it("are refused (401, audited with the token id) on routes that do not accept them and for anything but reads", async () => {
    const { steward } = await labWithRoles();
    const { token, id } = await createApiToken({ actor: steward, input: { name: "ci", expiresInDays: 7, datasetIds: [] }, ip: null });
    expect(await refusal(ask(token, { tokens: false }))).toMatch(/^401 Access tokens are not accepted here/);
    expect(await refusal(ask(token, { method: "POST" }))).toMatch(/^401 Access tokens are not accepted here/);
    expect(await refusal(ask("lgt_" + "x".repeat(43)))).toBe("401 This access token is not valid");
    expect(await refusal(requireCaller({ headers: new Headers({ authorization: "Basic abc" }), method: "GET", tokens: true, ip: null }))).toMatch(/^401 The Authorization header/);
    const denied = (await auditRows(id)).filter((r) => r.outcome === "denied");
    expect(denied.map((r) => [r.action, (r.details as { tokenId: string; reason: string }).tokenId, (r.details as { reason: string }).reason])).toEqual([
      ["token.use", id, "route does not accept tokens"],
      ["token.use", id, "route does not accept tokens"],
    ]);
  });

  it("stop on the next request after revocation, expiry or the owner's deactivation", async () => {
    const { admin, steward, member } = await labWithRoles();
    const revoked = await createApiToken({ actor: member, input: { name: "a", expiresInDays: 30, datasetIds: [] }, ip: null });
    await ask(revoked.token);
    await revokeApiToken({ actor: member, tokenId: revoked.id, ip: null });
    expect(await refusal(ask(revoked.token))).toBe("401 This access token is revoked");
    expect((await auditRows(revoked.id)).map((r) => `${r.action}:${r.outcome}`)).toEqual(["token.create:ok", "token.revoke:ok", "token.use:denied"]);

    const expiring = await createApiToken({ actor: member, input: { name: "b", expiresInDays: 1, datasetIds: [] }, ip: null });
    await ask(expiring.token);
    setClockOffsetForTests(86_400_000 + 1000);
    expect(await refusal(ask(expiring.token))).toBe("401 This access token is expired");
    setClockOffsetForTests(0);

    const owner = await createApiToken({ actor: member, input: { name: "c", expiresInDays: 30, datasetIds: [] }, ip: null });
    await setMemberStatus({ actor: admin, userId: member.id, status: "deactivated", ip: null });
    expect(await refusal(ask(owner.token))).toBe("401 This access token is of an account that is no longer active");
    expect(steward).toBeTruthy();
  });

  it("last at most 90 days and can be limited only to versions the lab holds", async () => {
    expect(createTokenSchema.safeParse({ name: "x", expiresInDays: 91 }).success).toBe(false);
    expect(createTokenSchema.safeParse({ name: "x", expiresInDays: 90 }).success).toBe(true);
    const { member } = await labWithRoles();
    const [d] = await getDb().select({ id: datasets.id }).from(datasets).limit(1);
    expect(await refusal(createApiToken({ actor: member, input: { name: "x", expiresInDays: 5, datasetIds: [d!.id] }, ip: null }))).toMatch(/^400 A token can only be limited/);
  });

  it("ask the access rule as the owner, and a limited token only opens its own versions", async () => {
    const { steward, member } = await labWithRoles();
    const [a, b] = await twoDatasets(member.labId);
    await credentialMember(getDb(), { labId: member.labId, userId: member.id, stewardId: steward.id, datasetIds: [a.id, b.id] });
    const limited = await createApiToken({ actor: member, input: { name: "only a", expiresInDays: 5, datasetIds: [a.id] }, ip: null });
    const caller = await ask(limited.token);
    expect((await requireDatasetAccess(a, { caller })).dataset.id).toBe(a.id);
    expect(await refusal(requireDatasetAccess(b, { caller }))).toBe("forbidden");
    // A steward's token reads nothing the steward does not hold every step for: role gives nothing.
    const stewardToken = await createApiToken({ actor: steward, input: { name: "s", expiresInDays: 5, datasetIds: [] }, ip: null });
    expect(await refusal(requireDatasetAccess(a, { caller: await ask(stewardToken.token) }))).toBe("forbidden");
    const denied = await getDb().select().from(auditLog).where(and(eq(auditLog.action, "dataset.access"), eq(auditLog.actorId, member.id)));
    expect(denied.map((r) => r.details)).toEqual([expect.objectContaining({ tokenId: limited.id, reason: "token not valid for this dataset version" })]);
  });

  it("are revoked by their owner or a steward of the lab, by nobody else, once even when asked twice at the same time", async () => {
    const one = await labWithRoles();
    const other = await labWithRoles();
    const t = await createApiToken({ actor: one.member, input: { name: "leaked", expiresInDays: 30, datasetIds: [] }, ip: null });
    const u = await createUser(getDb(), { labId: one.lab.id, role: "member" });
    const peer = { id: u.id, email: u.email, name: u.name, role: u.role, labId: one.lab.id };
    expect(await refusal(revokeApiToken({ actor: peer, tokenId: t.id, ip: null }))).toBe("404 No such active token");
    expect(await refusal(revokeApiToken({ actor: other.steward, tokenId: t.id, ip: null }))).toBe("404 No such active token");
    expect((await listTokens({ labId: one.lab.id })).map((x) => x.id)).toEqual([t.id]);
    expect(await listTokens({ labId: one.lab.id, userId: one.steward.id })).toEqual([]);
    const results = await Promise.allSettled([revokeApiToken({ actor: one.steward, tokenId: t.id, ip: null }), revokeApiToken({ actor: one.steward, tokenId: t.id, ip: null })]);
    expect(results.map((r) => r.status).sort()).toEqual(["fulfilled", "rejected"]);
    expect((await auditRows(t.id)).filter((r) => r.action === "token.revoke")).toHaveLength(1);
    const [listed] = await listTokens({ labId: one.lab.id, userId: one.member.id });
    expect([listed!.state, listed!.revokedByName]).toEqual(["revoked", one.steward.name]);
  });
});
