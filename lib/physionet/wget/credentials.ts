export type WgetCredentials = { username: string; password: string };

/**
 * wget reads the credentials from a .netrc (./spawn-wget.ts), which takes quoted values with
 * backslash escapes but never a value across lines. Refuse what it cannot carry instead of sending
 * a different password; the message never repeats the value.
 */
export function assertWgetCredentialsSafe({ username, password }: WgetCredentials): void {
  for (const [name, value] of [
    ["username", username],
    ["password", password],
  ] as const) {
    if (value.length === 0) throw new Error(`the PhysioNet ${name} is empty`);
    if (/[\r\n\0]/.test(value)) throw new Error(`the PhysioNet ${name} contains a line break or NUL, which wget cannot be given safely`);
  }
}

/** A .netrc naming only these hosts, so the credentials never follow a redirect anywhere else. */
export function netrcFor(credentials: WgetCredentials, hosts: string[]): string {
  assertWgetCredentialsSafe(credentials);
  const quote = (value: string) => `"${value.replace(/[\\"]/g, (c) => `\\${c}`)}"`;
  return hosts.map((host) => `machine ${host} login ${quote(credentials.username)} password ${quote(credentials.password)}\n`).join("");
}
