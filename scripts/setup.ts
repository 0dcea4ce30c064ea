/**
 * `npm run setup`: creates the lab and its first admin on an installation that has no user yet (a
 * real deployment: no demo accounts). Asks for what the flags do not give; the password is read
 * from the terminal without echo, or from standard input with --password-stdin, never from argv.
 *
 *   npm run setup -- --lab-name "Chest Imaging Lab" --institution "Example University" \
 *     --admin-email pi@example.edu --admin-name "Pat Investigator" --password-stdin < password.txt
 *   npm run setup -- … --oidc     (the admin signs in through the institution's OpenID Connect provider)
 */
import { createInterface } from "node:readline/promises";
import { parseArgs } from "node:util";
import { connectScriptDatabase } from "./lib/script-database";

const USAGE = "usage: npm run setup -- --lab-name NAME --institution NAME --admin-email EMAIL --admin-name NAME [--password-stdin | --oidc]";

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of process.stdin) chunks.push(c as Buffer);
  return Buffer.concat(chunks).toString("utf8").replace(/\r?\n$/, "");
}

async function ask(question: string, opts: { secret?: boolean } = {}): Promise<string> {
  const rl = createInterface({ input: process.stdin, output: process.stdout, terminal: true });
  // Echo off for the password: readline writes what it is given through _writeToOutput.
  if (opts.secret) (rl as unknown as { _writeToOutput: (s: string) => void })._writeToOutput = (s: string) => { if (s.startsWith(question)) process.stdout.write(question); };
  try {
    return await rl.question(question);
  } finally {
    rl.close();
    if (opts.secret) process.stdout.write("\n");
  }
}

async function main(): Promise<number> {
  const { values } = parseArgs({
    options: {
      "lab-name": { type: "string" },
      institution: { type: "string" },
      "admin-email": { type: "string" },
      "admin-name": { type: "string" },
      "password-stdin": { type: "boolean", default: false },
      oidc: { type: "boolean", default: false },
    },
  });
  const tty = Boolean(process.stdin.isTTY);
  const need = async (value: string | undefined, question: string) => {
    if (value !== undefined) return value;
    if (!tty) throw new UsageError(`${question.replace(/:\s*$/, "")} is missing. ${USAGE}`);
    return ask(question);
  };
  if (values["password-stdin"] && values.oidc) throw new UsageError(`--password-stdin and --oidc exclude each other. ${USAGE}`);
  const labName = await need(values["lab-name"], "Lab name: ");
  const institution = await need(values.institution, "Institution: ");
  const adminEmail = await need(values["admin-email"], "First admin's email: ");
  const adminName = await need(values["admin-name"], "First admin's name: ");
  let adminPassword: string | null = null;
  if (values.oidc) adminPassword = null;
  else if (values["password-stdin"]) adminPassword = await readStdin();
  else if (tty) {
    adminPassword = await ask("Password for the admin (at least 12 characters): ", { secret: true });
    if ((await ask("Repeat it: ", { secret: true })) !== adminPassword) throw new UsageError("The two passwords do not match.");
  } else throw new UsageError(`give the admin's password with --password-stdin, or --oidc. ${USAGE}`);

  const { setupSchema } = await import("@/lib/setup/setup-schema");
  const parsed = setupSchema.safeParse({ labName, institution, adminEmail, adminName, adminPassword });
  if (!parsed.success) throw new UsageError(parsed.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`).join("\n"));
  if (values.oidc && !(process.env.OIDC_ISSUER && process.env.OIDC_CLIENT_ID && process.env.OIDC_CLIENT_SECRET)) {
    console.warn("labgate setup: OIDC_ISSUER / OIDC_CLIENT_ID / OIDC_CLIENT_SECRET are not set; the admin can sign in only once they are.");
  }

  const database = await connectScriptDatabase();
  const { getDb, closeDb } = await import("@/lib/db/client");
  const { setupLab } = await import("@/lib/setup/first-run");
  try {
    const made = await setupLab(getDb(), { input: parsed.data, via: "cli", ip: null });
    console.log(`labgate setup: lab "${parsed.data.labName}" created; ${made.adminEmail} is its admin${adminPassword ? "" : " (signs in through OpenID Connect)"}. Start labgate with \`npm start\` and sign in.`);
    return 0;
  } finally {
    await closeDb();
    await database.stop();
  }
}

class UsageError extends Error {}

main().then(
  (code) => process.exit(code),
  (e: unknown) => {
    const message = e instanceof Error ? e.message : String(e);
    console.error(`labgate setup: ${message}`);
    process.exit(e instanceof UsageError ? 2 : 1);
  },
);
