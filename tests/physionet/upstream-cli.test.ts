import { spawn, type ChildProcess } from "node:child_process";
import { readFile, rm } from "node:fs/promises";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseAccounts, parseUserSpec } from "@/lib/physionet/upstream/accounts";
import { parseByteRange } from "@/lib/physionet/upstream/byte-range";
import { parseFaultSpec } from "@/lib/physionet/upstream/fault-spec";
import { verifyPhysionetAccess } from "@/lib/physionet/wget/verify-access";
import { rawRequest } from "./raw-request";
import { basic, makeServedVersion, type ServedVersion } from "./served-version";

let served: ServedVersion;
beforeAll(async () => {
  served = await makeServedVersion();
});
afterAll(async () => {
  await served.cleanup();
});

/** Starts `npm run upstream`'s script as a user would and waits for the URL it announces. */
async function startCli(args: string[]): Promise<{ url: string; child: ChildProcess; output: () => string }> {
  const tsx = path.resolve("node_modules/.bin/tsx");
  const child = spawn(tsx, ["scripts/upstream.ts", "--port", "0", ...args], { stdio: ["ignore", "pipe", "pipe"] });
  let output = "";
  const url = await new Promise<string>((resolve, reject) => {
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      const match = /serving .* at (http\S+?)\/files\//.exec(output);
      if (match?.[1]) resolve(match[1]);
    };
    child.stdout.on("data", onData);
    child.stderr.on("data", onData);
    child.once("exit", (code) => reject(new Error(`upstream exited ${code}: ${output}`)));
  });
  return { url, child, output: () => output };
}

function stop(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    if (child.exitCode !== null) return resolve();
    child.once("exit", () => resolve());
    child.kill("SIGTERM");
  });
}

describe("npm run upstream", () => {
  it("serves --root with --user accounts, --slug/--version and --faults, and never logs a password", async () => {
    const { url, child, output } = await startCli([
      "--root", served.root, "--slug", "mimic-cxr-jpg", "--version", "2.1.0",
      "--user", "carol:pass:with:colons:credentialed", "--user", "dave:davepass:none", "--user", "erin:erinpass:mimic-cxr@2.0.0",
      "--faults", "503=2",
    ]);
    try {
      const check = (username: string, password: string) => verifyPhysionetAccess({ baseUrl: url, slug: "mimic-cxr-jpg", version: "2.1.0", username, password, timeoutMs: 15_000 });
      expect((await check("carol", "pass:with:colons")).outcome).toBe("confirmed");
      expect((await check("dave", "davepass")).outcome).toBe("not_authorized");
      expect((await check("erin", "erinpass")).outcome).toBe("not_authorized");
      expect((await check("carol", "pass")).outcome).toBe("wrong_credentials");

      const get = () => rawRequest({ url: `${url}/files/mimic-cxr-jpg/2.1.0/LICENSE.txt`, headers: { "user-agent": "Wget/1.21.3", authorization: basic({ username: "carol", password: "pass:with:colons" }) } });
      // The confirmed HEAD above was eligible request 1, so the next GET is the 2nd: a 503.
      expect((await get()).status).toBe(503);
      expect((await get()).status).toBe(200);
      expect(output()).toContain("GET /files/mimic-cxr-jpg/2.1.0/LICENSE.txt 503");
      expect(output()).not.toContain("pass:with:colons");
      expect(output()).not.toContain("davepass");
    } finally {
      await stop(child);
    }
  });

  it("serves HTTPS with a certificate written to --ca-out, and strict mode still verifies over it", async () => {
    const caOut = path.join(served.root, "..", `ca-${process.pid}.pem`);
    const { url, child } = await startCli(["--root", served.root, "--https", "--strict-https", "--ca-out", caOut, "--user", "frank:frankpass:credentialed", "--quiet"]);
    try {
      expect(url).toMatch(/^https:\/\/127\.0\.0\.1:/);
      const caCertificate = await readFile(caOut, "utf8");
      const result = await verifyPhysionetAccess({ baseUrl: url, slug: "mimic-cxr", version: "2.0.0", username: "frank", password: "frankpass", caCertificate, timeoutMs: 15_000 });
      expect(result.outcome).toBe("confirmed");
    } finally {
      await stop(child);
      await rm(caOut, { force: true });
    }
  });

  it("refuses a missing --root with a message", async () => {
    await expect(startCli(["--root", path.join(served.root, "missing")])).rejects.toThrow(/does not exist/);
  });
});

describe("command-line parsing", () => {
  it("reads --faults specs and refuses nonsense", () => {
    expect(parseFaultSpec({ spec: "reset=3,503=0.25,truncate=1,corrupt=10,500=0.5,first-byte=1500,seed=7" })).toEqual({
      resetMidBody: { every: 3 },
      serviceUnavailable: { probability: 0.25 },
      truncateBody: { every: 1 },
      corruptBody: { every: 10 },
      serverError: { probability: 0.5 },
      firstByteDelayMs: 1500,
      seed: 7,
    });
    expect(() => parseFaultSpec({ spec: "explode=1" })).toThrow(/unknown fault/);
    expect(() => parseFaultSpec({ spec: "reset=2.5" })).toThrow(/whole number/);
    expect(() => parseFaultSpec({ spec: "reset" })).toThrow(/name=/);
  });

  it("reads --user specs", () => {
    const served = { slug: "mimic-cxr", version: "2.0.0" };
    expect(parseUserSpec({ spec: "alice:a:b:credentialed", served })).toEqual({ username: "alice", password: "a:b", access: [served] });
    expect(parseUserSpec({ spec: "bobby:pw:none", served }).access).toEqual([]);
    expect(parseUserSpec({ spec: "carol:pw:mimic-cxr@2.1.0+mimic-cxr-jpg@2.0.0", served }).access).toEqual([
      { slug: "mimic-cxr", version: "2.1.0" },
      { slug: "mimic-cxr-jpg", version: "2.0.0" },
    ]);
    expect(() => parseUserSpec({ spec: "abc:pw:none", served })).toThrow(/4–50/);
    expect(() => parseUserSpec({ spec: "alice:pw", served })).toThrow(/name:password:access/);
  });

  it("reads an accounts file in either shape and says which field is wrong", () => {
    const account = { username: "alice", password: "pw", access: [{ slug: "mimic-cxr", version: "2.0.0" }] };
    expect(parseAccounts({ json: { accounts: [account] } })).toEqual([account]);
    expect(parseAccounts({ json: [{ username: "alice", password: "pw" }] })).toEqual([{ ...account, access: [] }]);
    expect(() => parseAccounts({ json: { accounts: [{ ...account, access: [{ slug: "x", version: "latest" }] }] } })).toThrow(/at 0\.access\.0\.version: version looks like/);
    expect(() => parseAccounts({ json: [account, account] })).toThrow(/duplicate username alice/);
  });

  it("reads Range headers the way nginx does", () => {
    expect(parseByteRange({ header: "bytes=0-9", size: 100 })).toEqual({ kind: "partial", start: 0, end: 9 });
    expect(parseByteRange({ header: "bytes=90-200", size: 100 })).toEqual({ kind: "partial", start: 90, end: 99 });
    expect(parseByteRange({ header: "bytes=-200", size: 100 })).toEqual({ kind: "partial", start: 0, end: 99 });
    expect(parseByteRange({ header: "bytes=100-", size: 100 })).toEqual({ kind: "unsatisfiable" });
    expect(parseByteRange({ header: "bytes=0-1,5-6", size: 100 })).toEqual({ kind: "full" });
    expect(parseByteRange({ header: "bytes=9-1", size: 100 })).toEqual({ kind: "full" });
  });
});
