import { and, eq, sql } from "drizzle-orm";
import { userIdentities, users } from "@/db/schema";
import { recordAudit } from "@/lib/audit/record";
import { getDb } from "@/lib/db/client";
import { now } from "@/lib/clock";
import { burnPasswordCheck, verifyPassword } from "@/lib/auth/password";
import { beginSignInAttempt, endSignInAttempt } from "@/lib/limits/sign-in";

export type SignedInUser = { id: string; email: string; name: string };
export type SignInFailure = "wrong_credentials" | "deactivated" | "no_account" | "email_unverified" | "identity_mismatch";

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
    return { id: user.id, email: user.email, name: user.name };
  });
}

/**
 * OpenID Connect sign-in; it never creates an account. The first sign-in links the provider's
 * (issuer, subject) to the account whose email the provider has verified; from then on only that
 * pair finds the account, so an email claim alone (a recycled address, another subject at the same
 * provider) never signs into it again. Every attempt leaves an audit row.
 */
export async function signInWithOidc(opts: { email: string; emailVerified: boolean; subject: string; issuer: string; ip: string | null }): Promise<SignedInUser | SignInFailure> {
  const db = getDb();
  const email = opts.email.toLowerCase();
  const details = { method: "oidc", issuer: opts.issuer, subject: opts.subject };
  return db.transaction(async (tx) => {
    const deny = async (reason: SignInFailure, user?: { labId: string }) => {
      await recordAudit(tx, { action: "auth.sign_in", outcome: "denied", labId: user?.labId ?? null, actorEmail: email || null, ip: opts.ip, details: { ...details, reason } });
      return reason;
    };
    if (!opts.subject) return deny("no_account");
    const [linked] = await tx
      .select({ user: users })
      .from(userIdentities)
      .innerJoin(users, eq(users.id, userIdentities.userId))
      .where(and(eq(userIdentities.issuer, opts.issuer), eq(userIdentities.subject, opts.subject)))
      .for("update", { of: users })
      .limit(1);
    let user = linked?.user;
    let linkedNow = false;
    if (!user) {
      [user] = email ? await tx.select().from(users).where(byEmail(email)).for("update").limit(1) : [];
      // Linking trusts the email claim, so only a verified one (true, not merely absent) may link.
      if (!opts.emailVerified || !email) return deny("email_unverified", user);
      if (!user) return deny("no_account");
      const [other] = await tx.select({ subject: userIdentities.subject }).from(userIdentities).where(and(eq(userIdentities.userId, user.id), eq(userIdentities.issuer, opts.issuer))).limit(1);
      // The account already belongs to another subject of this provider: same email, different person.
      // (The same subject here is a concurrent first sign-in that linked while this one waited.)
      if (other && other.subject !== opts.subject) return deny("identity_mismatch", user);
      if (!other && user.status === "active") {
        const inserted = await tx
          .insert(userIdentities)
          .values({ userId: user.id, issuer: opts.issuer, subject: opts.subject, createdAt: now() })
          .onConflictDoNothing()
          .returning({ id: userIdentities.id });
        // The subject was linked to another account meanwhile.
        if (inserted.length === 0) return deny("identity_mismatch", user);
        linkedNow = true;
      }
    }
    if (user.status !== "active") return deny("deactivated", user);
    await tx.update(users).set({ lastSignInAt: now() }).where(eq(users.id, user.id));
    await recordAudit(tx, { action: "auth.sign_in", labId: user.labId, actor: user, ip: opts.ip, details: linkedNow ? { ...details, linked: true } : details });
    return { id: user.id, email: user.email, name: user.name };
  });
}

