import { and, eq, sql } from "drizzle-orm";
import { users } from "@/db/schema";
import { recordAudit } from "@/lib/audit/record";
import { getDb } from "@/lib/db/client";
import { now } from "@/lib/clock";
import { burnPasswordCheck, verifyPassword } from "@/lib/auth/password";
import { beginSignInAttempt, endSignInAttempt } from "@/lib/limits/sign-in";

export type SignedInUser = { id: string; email: string; name: string; sessionVersion: number };
export type SignInFailure = "wrong_credentials" | "deactivated" | "no_account";

function byEmail(email: string) {
  return eq(sql`lower(${users.email})`, email.toLowerCase());
}

/**
 * Password sign-in; every attempt, successful or not, leaves an audit row. Too many failures for the
 * account or from the address throw a 429 AppError before any password is checked.
 */
export async function signInWithPassword(opts: { email: string; password: string; ip: string | null }): Promise<SignedInUser | SignInFailure> {
  await beginSignInAttempt({ email: opts.email, ip: opts.ip });
  const result = await checkPassword(opts);
  if (typeof result !== "string") await endSignInAttempt({ email: opts.email, ip: opts.ip });
  return result;
}

async function checkPassword(opts: { email: string; password: string; ip: string | null }): Promise<SignedInUser | SignInFailure> {
  const db = getDb();
  const [user] = await db.select().from(users).where(byEmail(opts.email)).limit(1);
  const valid = user ? await verifyPassword(user.passwordHash, opts.password) : (await burnPasswordCheck(opts.password), false);
  const failure: SignInFailure | null = !valid ? "wrong_credentials" : user!.status !== "active" ? "deactivated" : null;
  return db.transaction(async (tx) => {
    if (failure || !user) {
      await recordAudit(tx, {
        action: "auth.sign_in",
        outcome: "denied",
        labId: user?.labId ?? null,
        actorEmail: opts.email.toLowerCase(),
        ip: opts.ip,
        details: { method: "password", reason: failure },
      });
      return failure ?? "wrong_credentials";
    }
    await tx.update(users).set({ lastSignInAt: now() }).where(eq(users.id, user.id));
    await recordAudit(tx, { action: "auth.sign_in", labId: user.labId, actor: user, ip: opts.ip, details: { method: "password" } });
    return { id: user.id, email: user.email, name: user.name, sessionVersion: user.sessionVersion };
  });
}

/** OpenID Connect sign-in links to an existing labgate account by verified email; it never creates one. */
export async function signInWithOidc(opts: { email: string; subject: string; issuer: string; ip: string | null }): Promise<SignedInUser | SignInFailure> {
  const db = getDb();
  return db.transaction(async (tx) => {
    const [user] = await tx.select().from(users).where(byEmail(opts.email)).limit(1);
    const failure: SignInFailure | null = !user ? "no_account" : user.status !== "active" ? "deactivated" : null;
    const details = { method: "oidc", issuer: opts.issuer, subject: opts.subject };
    if (failure || !user) {
      await recordAudit(tx, { action: "auth.sign_in", outcome: "denied", labId: user?.labId ?? null, actorEmail: opts.email.toLowerCase(), ip: opts.ip, details: { ...details, reason: failure } });
      return failure ?? "no_account";
    }
    await tx.update(users).set({ lastSignInAt: now() }).where(eq(users.id, user.id));
    await recordAudit(tx, { action: "auth.sign_in", labId: user.labId, actor: user, ip: opts.ip, details });
    return { id: user.id, email: user.email, name: user.name, sessionVersion: user.sessionVersion };
  });
}

export async function findActiveSessionUser(opts: { userId: string; sessionVersion: number }) {
  const [user] = await getDb()
    .select({ id: users.id, email: users.email, name: users.name, role: users.role, labId: users.labId })
    .from(users)
    .where(and(eq(users.id, opts.userId), eq(users.status, "active"), eq(users.sessionVersion, opts.sessionVersion)))
    .limit(1);
  return user ?? null;
}
