/**
 * `npm run labgate -- pull <cohort> --to DIR`: mirrors a saved cohort's files from labgate's API
 * with a personal access token (LABGATE_TOKEN) from LABGATE_URL. Resumable and verified: see
 * scripts/lib/labgate-client/. Exit codes: 0 every file verified, 1 some files failed, 2 usage,
 * 3 refused (token revoked or expired, access ended).
 */
import { parseArgs } from "node:util";
import { createApiClient, RefusedError } from "./lib/labgate-client/api-client";
import { pullCohort } from "./lib/labgate-client/pull";

const HELP = `Usage: npm run labgate -- pull <cohort id or name> --to <dir> [options]

  --to <dir>            where to mirror the files (created if missing; re-run to resume)
  --dataset <slug/ver>  look for the cohort only in this dataset version
  --concurrency <n>     parallel downloads (default 4, at most 16)
  --limit-rate <rate>   total bytes/s; k and m suffixes mean KiB and MiB (e.g. 500k)

Environment: LABGATE_URL (e.g. https://labgate.example.edu) and LABGATE_TOKEN (lgt_…, from
Access tokens in labgate). Writes <dir>/manifest.csv and every file of the cohort that is in lab
storage, each SHA-256 verified; files already there and verified are not fetched again.`;

function rate(v: string | undefined): number | null {
  if (!v) return null;
  const m = /^(\d+(?:\.\d+)?)([km]?)$/i.exec(v.trim());
  if (!m) throw new Error(`--limit-rate: "${v}" is not a rate like 500k`);
  return Number(m[1]) * (m[2]?.toLowerCase() === "m" ? 1 << 20 : m[2]?.toLowerCase() === "k" ? 1024 : 1);
}

async function main(): Promise<number> {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: { to: { type: "string" }, dataset: { type: "string" }, concurrency: { type: "string", default: "4" }, "limit-rate": { type: "string" }, help: { type: "boolean", short: "h" } },
  });
  const [command, cohort] = positionals;
  if (values.help || command !== "pull" || !cohort || !values.to) {
    console.error(HELP);
    return values.help ? 0 : 2;
  }
  const baseUrl = process.env.LABGATE_URL;
  const token = process.env.LABGATE_TOKEN;
  if (!baseUrl || !token) {
    console.error("labgate: set LABGATE_URL and LABGATE_TOKEN (a token from Access tokens in labgate)");
    return 2;
  }
  const concurrency = Number(values.concurrency);
  if (!Number.isInteger(concurrency) || concurrency < 1) throw new Error("--concurrency must be a whole number ≥ 1");
  const tty = process.stderr.isTTY;
  try {
    const r = await pullCohort(createApiClient({ baseUrl, token }), {
      cohort,
      to: values.to,
      dataset: values.dataset ?? null,
      concurrency,
      limitRate: rate(values["limit-rate"]),
      log: (line) => console.log(line),
      // On a terminal one line that redraws itself; in a log, a line every half second at most.
      progress: (line) => (tty ? process.stderr.write(`\r\x1b[2K${line}`) : console.error(`progress: ${line}`)),
    });
    if (tty) process.stderr.write("\n");
    console.log(`done: ${r.fetched} fetched, ${r.alreadyThere} already there, ${r.failed.length} failed, all verified by SHA-256${r.notInStorage ? `; ${r.notInStorage} not in lab storage` : ""}`);
    for (const f of r.failed) console.error(`failed: ${f}`);
    return r.failed.length ? 1 : 0;
  } catch (e) {
    if (tty) process.stderr.write("\n");
    if (e instanceof RefusedError) {
      console.error(`labgate: refused (${e.status}): ${e.message}. Files fetched so far are kept and verified; nothing more was read.`);
      return 3;
    }
    console.error(`labgate: ${e instanceof Error ? e.message : String(e)}`);
    return 1;
  }
}

main().then((code) => process.exit(code));
