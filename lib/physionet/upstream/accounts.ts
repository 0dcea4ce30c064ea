import { readFile } from "node:fs/promises";
import { z } from "zod";

// PhysioNet usernames: 4–50 characters, starting with a letter (physionet.md).
const usernameSchema = z
  .string()
  .regex(/^[A-Za-z][A-Za-z0-9_.-]{3,49}$/, "username must be 4–50 characters and start with a letter");

const grantSchema = z.object({
  slug: z.string().regex(/^[a-z0-9-]+$/, "slug is lowercase letters, digits and dashes"),
  version: z.string().regex(/^[0-9]+(\.[0-9]+)*$/, "version looks like 2.0.0"),
});

const accountSchema = z.object({
  username: usernameSchema,
  password: z.string().min(1),
  // Every dataset version the account may read: credentialed, trained and DUA signed for it.
  access: z.array(grantSchema).default([]),
});

const accountListSchema = z.array(accountSchema);

export type AccessGrant = z.infer<typeof grantSchema>;
export type UpstreamAccount = z.infer<typeof accountSchema>;

export function parseAccounts({ json }: { json: unknown }): UpstreamAccount[] {
  // The file is either `{ "accounts": [...] }` or a bare array of accounts. (A zod union would hide
  // which field was wrong behind "Invalid input".)
  const list = Array.isArray(json) ? json : typeof json === "object" && json !== null && "accounts" in json ? json.accounts : undefined;
  const parsed = accountListSchema.safeParse(list);
  if (!parsed.success) {
    const first = parsed.error.issues[0];
    const where = first ? first.path.join(".") || "(root)" : "(root)";
    throw new Error(`invalid accounts config at ${where}: ${first?.message ?? "unknown problem"}`);
  }
  const seen = new Set<string>();
  for (const account of parsed.data) {
    if (seen.has(account.username)) throw new Error(`invalid accounts config: duplicate username ${account.username}`);
    seen.add(account.username);
  }
  return parsed.data;
}

export async function loadAccounts({ path }: { path: string }): Promise<UpstreamAccount[]> {
  const text = await readFile(path, "utf8");
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new Error(`accounts config ${path} is not valid JSON`);
  }
  return parseAccounts({ json });
}

export function hasAccess({ account, slug, version }: { account: UpstreamAccount; slug: string; version: string }): boolean {
  return account.access.some((grant) => grant.slug === slug && grant.version === version);
}

/**
 * The command line's `--user name:password:access`. access is `credentialed` (the served version),
 * `none` (an account that is not credentialed, or has not signed this version's DUA: 403), or
 * `slug@version` grants joined by `+`. The password may itself contain colons.
 */
export function parseUserSpec({ spec, served }: { spec: string; served: AccessGrant }): UpstreamAccount {
  const first = spec.indexOf(":");
  const last = spec.lastIndexOf(":");
  if (first <= 0 || last === first) throw new Error(`--user: expected name:password:access (e.g. alice:secret:credentialed)`);
  const accessText = spec.slice(last + 1);
  let access: AccessGrant[];
  if (accessText === "credentialed") access = [served];
  else if (accessText === "none") access = [];
  else {
    access = accessText.split("+").map((grant) => {
      const [slug = "", version = ""] = grant.split("@");
      return { slug, version };
    });
  }
  const [account] = parseAccounts({ json: [{ username: spec.slice(0, first), password: spec.slice(first + 1, last), access }] });
  if (!account) throw new Error("--user: no account parsed");
  return account;
}
