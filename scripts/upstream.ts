/**
 * `npm run upstream -- --root <dir>`: a PhysioNet-like file server for tests, benchmarks and the demo
 * (see ../shared/design/physionet.md and lib/physionet/upstream/).
 */
import { access, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { parseArgs } from "node:util";
import { loadAccounts, parseUserSpec, type UpstreamAccount } from "@/lib/physionet/upstream/accounts";
import { FAULT_SPEC_HELP, parseFaultSpec } from "@/lib/physionet/upstream/fault-spec";
import { startUpstream } from "@/lib/physionet/upstream/start-upstream";
import { SHA256SUMS_FILE, writeSha256Sums } from "@/lib/physionet/sha256-sums";

const DEMO_USERNAME = "demo";
const DEMO_PASSWORD = "physionet-demo";

const HELP = `Usage: npm run upstream -- --root <dir> [options]

Serves <dir> at /files/<slug>/<version>/ the way PhysioNet's file server does.

  --root <dir>              version directory to serve (required)
  --slug <slug>             project slug (default mimic-cxr)
  --version <version>       project version (default 2.0.0)
  --user <name:password:access>
                            an account; repeatable. access: credentialed (this version), none (403),
                            or slug@version grants joined by + (e.g. mimic-cxr@2.0.0+mimic-cxr-jpg@2.0.0)
  --accounts <file.json>    more accounts: {"accounts":[{"username","password","access":[{"slug","version"}]}]}
                            (with neither: one account "${DEMO_USERNAME}", password "${DEMO_PASSWORD}", credentialed)
  --host <host>             default 127.0.0.1
  --port <n>                default 8088 (0 picks a free port)
  --https                   serve HTTPS with a fresh self-signed certificate
  --ca-out <file>           where to write that certificate (default <tmp>/labgate-upstream-ca.pem)
  --strict-https            refuse Basic auth over plain HTTP, as production PhysioNet does
  --open                    serve the project as open access: any client, no account (PhysioNet's open
                            projects; the benchmark's curl baseline needs it)
  --write-sums              write <root>/${SHA256SUMS_FILE} first if it is missing
  --throttle <rate>         per-connection limit in bytes/s; k and m suffixes mean KiB and MiB (e.g. 350k)
  --max-connections <n>     drop connections beyond n
  --busy-above <n>          answer 429 (Retry-After: 1) while more than n connections are open
  --faults <spec>           ${FAULT_SPEC_HELP}
  --quiet                   no per-request log`;

function parseRate(text: string): number {
  const match = /^(\d+(?:\.\d+)?)([kKmM]?)$/.exec(text);
  if (!match?.[1]) throw new Error(`--throttle: "${text}" is not a rate like 350k`);
  const unit = match[2]?.toLowerCase() === "k" ? 1024 : match[2]?.toLowerCase() === "m" ? 1024 * 1024 : 1;
  return Math.round(Number(match[1]) * unit);
}

function number(name: string, text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  const value = Number(text);
  if (!Number.isFinite(value) || value < 0) throw new Error(`--${name}: "${text}" is not a non-negative number`);
  return value;
}

async function main() {
  const { values } = parseArgs({
    options: {
      root: { type: "string" },
      slug: { type: "string", default: "mimic-cxr" },
      version: { type: "string", default: "2.0.0" },
      user: { type: "string", multiple: true },
      accounts: { type: "string" },
      host: { type: "string", default: "127.0.0.1" },
      port: { type: "string", default: "8088" },
      https: { type: "boolean", default: false },
      "ca-out": { type: "string" },
      "strict-https": { type: "boolean", default: false },
      open: { type: "boolean", default: false },
      "write-sums": { type: "boolean", default: false },
      throttle: { type: "string" },
      "max-connections": { type: "string" },
      "busy-above": { type: "string" },
      faults: { type: "string" },
      quiet: { type: "boolean", default: false },
      help: { type: "boolean", short: "h", default: false },
    },
  });
  if (values.help) return void console.log(HELP);
  if (!values.root) throw new Error("--root is required (see --help)");
  const root = path.resolve(values.root);
  await access(root).catch(() => {
    throw new Error(`--root ${root} does not exist`);
  });
  if (values["write-sums"]) {
    const exists = await access(path.join(root, SHA256SUMS_FILE)).then(() => true, () => false);
    if (!exists) console.log(`upstream: wrote ${SHA256SUMS_FILE} for ${(await writeSha256Sums({ root })).length} files`);
  }

  const served = { slug: values.slug, version: values.version };
  const accounts: UpstreamAccount[] = [
    ...(values.accounts ? await loadAccounts({ path: values.accounts }) : []),
    ...(values.user ?? []).map((spec) => parseUserSpec({ spec, served })),
  ];
  const builtInDemo = accounts.length === 0;
  if (builtInDemo) accounts.push({ username: DEMO_USERNAME, password: DEMO_PASSWORD, access: [served] });
  const faults = values.faults ? parseFaultSpec({ spec: values.faults }) : {};

  const upstream = await startUpstream({
    projects: [{ slug: values.slug, version: values.version, root, open: values.open }],
    accounts,
    host: values.host,
    port: number("port", values.port),
    https: values.https,
    allowAuthOverHttp: !values["strict-https"],
    throttleBytesPerSecond: values.throttle ? parseRate(values.throttle) : undefined,
    maxConnections: number("max-connections", values["max-connections"]),
    busyAboveConnections: number("busy-above", values["busy-above"]),
    faults,
    log: values.quiet ? undefined : (line) => console.log(`${new Date().toISOString()} ${line}`),
  });
  // The certificate is on disk before the URL is announced: whoever waits for the URL can use it at once.
  if (upstream.caCertificate) {
    const caOut = path.resolve(values["ca-out"] ?? path.join(os.tmpdir(), "labgate-upstream-ca.pem"));
    await writeFile(caOut, upstream.caCertificate);
    console.log(`upstream: self-signed certificate in ${caOut} (wget --ca-certificate=${caOut})`);
  }
  console.log(`upstream: accounts ${accounts.map((a) => a.username).join(", ")}${builtInDemo ? " (built-in demo account, see --help)" : ""}`);
  console.log(`upstream: serving ${root} at ${upstream.url}/files/${values.slug}/${values.version}/`);
  const stop = () => void upstream.close().then(() => process.exit(0));
  process.on("SIGINT", stop);
  process.on("SIGTERM", stop);
}

main().catch((error: unknown) => {
  console.error(`upstream: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(2);
});
