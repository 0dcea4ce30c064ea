import { mkdtemp, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";

export type WgetCredentials = { username: string; password: string };

export type PrivateWgetDir = {
  /** A 0700 directory that only this run uses (also wget's HOME, so nothing of the user's leaks in). */
  dir: string;
  /** The 0600 wgetrc holding the credentials; passed with --config, never on the command line. */
  wgetrcPath: string;
  caCertificatePath: string | null;
};

/**
 * Runs `fn` with a private directory holding a wgetrc with the credentials (and the CA certificate if
 * any), and deletes it afterwards whatever happens. The password therefore never appears in wget's
 * argv or environment (both readable through /proc), only in a file only we can read, for as long as
 * wget runs.
 */
export async function withPrivateWgetrc<T>(
  { credentials, caCertificate }: { credentials: WgetCredentials | null; caCertificate?: string | null },
  fn: (paths: PrivateWgetDir) => Promise<T>,
): Promise<T> {
  if (credentials) assertWgetrcSafe(credentials);
  const dir = await mkdtemp(path.join(os.tmpdir(), "labgate-wget-"));
  try {
    const wgetrcPath = path.join(dir, "wgetrc");
    const lines = ["# written by labgate for one wget run and deleted when it ends"];
    if (credentials) lines.push(`user = ${credentials.username}`, `password = ${credentials.password}`);
    // flag "wx": never follow or reuse something already there.
    await writeFile(wgetrcPath, `${lines.join("\n")}\n`, { mode: 0o600, flag: "wx" });
    let caCertificatePath: string | null = null;
    if (caCertificate) {
      caCertificatePath = path.join(dir, "ca.pem");
      await writeFile(caCertificatePath, caCertificate, { mode: 0o600, flag: "wx" });
    }
    return await fn({ dir, wgetrcPath, caCertificatePath });
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/**
 * wgetrc has no quoting: a value runs to the end of the line and is trimmed. Refuse what it cannot
 * carry faithfully instead of sending a different password. The message never repeats the value.
 */
export function assertWgetrcSafe({ username, password }: WgetCredentials): void {
  for (const [name, value] of [
    ["username", username],
    ["password", password],
  ] as const) {
    if (value.length === 0) throw new Error(`the PhysioNet ${name} is empty`);
    if (/[\r\n\0]/.test(value)) throw new Error(`the PhysioNet ${name} contains a line break or NUL, which wget cannot be given safely`);
    if (value !== value.trim()) throw new Error(`the PhysioNet ${name} starts or ends with a space, which wget's config file cannot carry`);
  }
}
