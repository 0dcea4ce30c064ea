import { createHash, randomBytes } from "node:crypto";
import { and, eq, isNull, sql } from "drizzle-orm";
import { labs, setupTokens, users } from "@/db/schema";
import { recordAudit } from "@/lib/audit/record";
import { hashPassword } from "@/lib/auth/password";
import type { Db } from "@/lib/db/client";
import { AppError } from "@/lib/http/errors";
import type { SetupInput } from "./setup-schema";

// Serialises first-run attempts (CLI and page, any number of app instances) so exactly one creates
// the lab; the others find a user already there and are refused.
const SETUP_LOCK = 7_414_253_017;

const sha256 = (s: string) => createHash("sha256").update(s).digest("hex");

/** True while the installation has no user at all: the only state in which setup may run. */
export async function needsSetup(db: Db): Promise<boolean> {
  const [row] = await db.select({ id: users.id }).from(users).limit(1);
  return !row;
}

/**
 * A fresh one-time token for the first-run page, printed once by `npm start`; every earlier unused
 * token stops working, so each token is shown exactly once and a stale console proves nothing.
 */
export async function issueSetupToken(db: Db): Promise<string | null> {
  if (!(await needsSetup(db))) return null;
  const token = randomBytes(24).toString("base64url");
  await db.transaction(async (tx) => {
    await tx.delete(setupTokens).where(isNull(setupTokens.usedAt));
    await tx.insert(setupTokens).values({ tokenHash: sha256(token) });
    await recordAudit(tx, { action: "setup.token_issued", details: {} });
  });
  return token;
}

function slugFor(name: string): string {
  const slug = name
    .normalize("NFKD")
    .replace(/[\u0300-\u036f]/g, "")
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, "-")
    .replace(/^-+|-+$/g, "")
    .slice(0, 48);
  return slug || "lab";
}

/**
 * Creates the lab and its first admin, once. `via: "page"` must present a token issued by
 * issueSetupToken (the page's credential); the CLI runs on the server itself and needs none.
 */
export async function setupLab(db: Db, opts: { input: SetupInput; via: "cli" | "page"; token?: string; ip: string | null }) {
  const { input } = opts;
  const passwordHash = input.adminPassword ? await hashPassword(input.adminPassword) : null;
  const outcome = await db.transaction(async (tx) => {
    await tx.execute(sql`select pg_advisory_xact_lock(${SETUP_LOCK})`);
    const [existing] = await tx.select({ id: users.id }).from(users).limit(1);
    if (existing) return { refused: "already_set_up" as const };
    if (opts.via === "page") {
      const used = await tx
        .update(setupTokens)
        .set({ usedAt: new Date() })
        .where(and(eq(setupTokens.tokenHash, sha256(opts.token ?? "")), isNull(setupTokens.usedAt)))
        .returning({ h: setupTokens.tokenHash });
      if (used.length === 0) return { refused: "bad_token" as const };
    }
    const [lab] = await tx.insert(labs).values({ name: input.labName, institution: input.institution, slug: slugFor(input.labName) }).returning({ id: labs.id });
    const [admin] = await tx
      .insert(users)
      .values({ labId: lab!.id, email: input.adminEmail, name: input.adminName, role: "admin", passwordHash })
      .returning({ id: users.id, email: users.email });
    await recordAudit(tx, {
      action: "setup.lab",
      labId: lab!.id,
      actor: admin!,
      target: { type: "lab", id: lab!.id },
      ip: opts.ip,
      details: { via: opts.via, labName: input.labName, institution: input.institution, adminSignIn: passwordHash ? "password" : "oidc" },
    });
    return { labId: lab!.id, adminId: admin!.id, adminEmail: admin!.email };
  });
  if (!("refused" in outcome)) return outcome;
  // Refusals are recorded after the transaction that found them, which changed nothing.
  await recordAudit(db, { action: "setup.lab", outcome: "denied", ip: opts.ip, details: { via: opts.via, reason: outcome.refused } });
  if (outcome.refused === "already_set_up") throw new AppError("conflict", "This labgate is already set up. Sign in, or ask an admin of the lab for an invite.");
  throw new AppError("forbidden", "This setup link is not valid any more. Restart labgate (`npm start`) and use the link it prints, or run `npm run setup` on the server.");
}
