import { z } from "zod";
import { SHA256SUMS_FILE } from "../sha256-sums";
import { assertWgetCredentialsSafe } from "./credentials";
import { describeFailure, finalStatus, runWget, type WgetSpawnInfo } from "./run-wget";
import { WgetBusyError } from "./wget-slots";

export type VerifyOutcome = "confirmed" | "wrong_credentials" | "not_authorized" | "not_found" | "error";

export type VerifyResult = { outcome: VerifyOutcome; httpStatus: number | null; checkedUrl: string; detail: string };

const inputSchema = z.object({
  baseUrl: z.url({ protocol: /^https?$/ }).refine((url) => !new URL(url).username && !new URL(url).password, "baseUrl must not carry credentials"),
  slug: z.string().regex(/^[a-z0-9][a-z0-9-]*$/, "slug is lowercase letters, digits and dashes"),
  version: z.string().regex(/^[0-9]+(\.[0-9]+)*$/, "version looks like 2.0.0"),
  timeoutMs: z.number().int().positive().max(600_000).default(30_000),
});

const OUTCOME_BY_STATUS: Record<number, VerifyOutcome> = { 200: "confirmed", 401: "wrong_credentials", 403: "not_authorized", 404: "not_found" };

/**
 * The "Verify with PhysioNet" step: an authenticated HEAD (`wget --spider`) of the version's
 * SHA256SUMS.txt, as PhysioNet only honours Basic auth from wget. The answer is the evidence: 200
 * access confirmed, 401 wrong credentials, 403 no access to this version (not credentialed, training
 * or DUA missing), 404 no such project or version. The password is used for this one request and
 * kept nowhere; it never appears in the result. Throws WgetBusyError when every wget slot is taken.
 */
export async function verifyPhysionetAccess(input: {
  baseUrl: string;
  slug: string;
  version: string;
  username: string;
  password: string;
  timeoutMs?: number;
  /** PEM to trust besides the system store (the test upstream's self-signed certificate). */
  caCertificate?: string | null;
  onSpawn?: (info: WgetSpawnInfo) => void;
}): Promise<VerifyResult> {
  const { baseUrl, slug, version, timeoutMs } = inputSchema.parse(input);
  const checkedUrl = `${baseUrl.replace(/\/+$/, "")}/files/${slug}/${version}/${SHA256SUMS_FILE}`;
  const credentials = { username: input.username, password: input.password };
  try {
    assertWgetCredentialsSafe(credentials);
    if (credentials.username.includes(":")) throw new Error("the PhysioNet username contains a colon, which HTTP Basic auth cannot carry");
  } catch (error) {
    return { outcome: "error", httpStatus: null, checkedUrl, detail: (error as Error).message };
  }

  let run;
  try {
    run = await runWget({
      // One attempt: a retry would only repeat a wrong password. wget's own timeout sits inside ours.
      args: ["--spider", "--tries=1", `--timeout=${Math.max(1, Math.floor(timeoutMs / 2000))}`, "--max-redirect=5", checkedUrl],
      credentials,
      caCertificate: input.caCertificate,
      // A member waits for the answer: no slot free soon means "come back later", not a queue.
      purpose: "interactive",
      timeoutMs,
      onSpawn: input.onSpawn,
    });
  } catch (error) {
    if (error instanceof WgetBusyError) throw error;
    return { outcome: "error", httpStatus: null, checkedUrl, detail: (error as Error).message };
  }

  const status = run.timedOut ? null : finalStatus({ run });
  const outcome = (status !== null && OUTCOME_BY_STATUS[status]) || "error";
  const last = run.responses.at(-1);
  const answer = status === null ? describeFailure({ run, timeoutMs }) : `PhysioNet answered ${status}${last?.reason ? ` ${last.reason}` : ""}`;
  const meaning: Record<VerifyOutcome, string> = {
    confirmed: `access to ${slug} ${version} confirmed for ${input.username}`,
    wrong_credentials: "the username or password was not accepted",
    not_authorized: `the account has no access to ${slug} ${version} (credentialing, training or the DUA for this version is missing)`,
    not_found: `PhysioNet has no ${slug} ${version}`,
    error: status === null ? "no verdict" : "an unexpected answer; try again later",
  };
  return { outcome, httpStatus: status, checkedUrl, detail: redact(`${answer}: ${meaning[outcome]}`, input.password) };
}

function redact(text: string, secret: string): string {
  return secret ? text.split(secret).join("[redacted]") : text;
}
