import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";
import { startUpstream } from "@/lib/physionet/upstream/start-upstream";
import { finalStatus, runWget } from "@/lib/physionet/wget/run-wget";
import { rawRequest } from "./raw-request";
import { ALICE, basic, BOB, PREFIX, startTestUpstream, servedUpstreamFixture } from "./served-version";

const execFileAsync = promisify(execFile);
const WGET_UA = "Wget/1.21.3";

const fixture = servedUpstreamFixture();

const sums = () => `${fixture.upstream.url}${PREFIX}/SHA256SUMS.txt`;

async function wgetStatus({ url, credentials }: { url: string; credentials: { username: string; password: string } | null }) {
  const run = await runWget({ args: ["--spider", "--tries=1", url], credentials, timeoutMs: 15_000 });
  return { status: finalStatus({ run }), run };
}

describe("the auth matrix, with the real GNU wget", () => {
  it("gives a credentialed account with the right password 200", async () => {
    const { status, run } = await wgetStatus({ url: sums(), credentials: ALICE });
    expect(status).toBe(200);
    // wget asks without credentials first and answers the challenge, as it does against PhysioNet.
    expect(run.responses.map((r) => r.status)).toEqual([401, 200]);
  });

  it("answers a wrong password with 401 and PhysioNet's challenge", async () => {
    const { status, run } = await wgetStatus({ url: sums(), credentials: { username: ALICE.username, password: "wrong" } });
    expect(status).toBe(401);
    expect(run.exitCode).toBe(6);
    expect(run.responses.at(-1)?.headers).toContainEqual(["WWW-Authenticate", 'Basic realm="PhysioNet", charset="UTF-8"']);
  });

  it("answers an unknown username like a wrong password", async () => {
    expect((await wgetStatus({ url: sums(), credentials: { username: "nobody", password: "x" } })).status).toBe(401);
  });

  it("answers 401 to wget without credentials", async () => {
    expect((await wgetStatus({ url: sums(), credentials: null })).status).toBe(401);
  });

  it("answers 403 to an account without access to this version (Bob holds 2.1.0 only)", async () => {
    expect((await wgetStatus({ url: sums(), credentials: BOB })).status).toBe(403);
  });

  it("answers 404 for a missing file once authorised, and for an unknown project before any auth", async () => {
    expect((await wgetStatus({ url: `${fixture.upstream.url}${PREFIX}/nope.txt`, credentials: ALICE })).status).toBe(404);
    expect((await wgetStatus({ url: `${fixture.upstream.url}/files/no-such-project/1.0.0/SHA256SUMS.txt`, credentials: null })).status).toBe(404);
    expect((await wgetStatus({ url: `${fixture.upstream.url}/files/mimic-cxr/9.9.9/SHA256SUMS.txt`, credentials: ALICE })).status).toBe(404);
  });
});

describe("clients that are not wget", () => {
  it("ignores the right credentials from the real curl: 403", async () => {
    const { stdout } = await execFileAsync("curl", ["-s", "-o", "/dev/null", "-w", "%{http_code}", "-u", `${ALICE.username}:${ALICE.password}`, sums()]);
    expect(stdout).toBe("403");
  });

  it("ignores the right credentials from Node's fetch: 403, no challenge", async () => {
    const res = await fetch(sums(), { headers: { authorization: basic(ALICE) } });
    expect(res.status).toBe(403);
    expect(res.headers.get("www-authenticate")).toBeNull();
  });

  it("gives a browser without credentials 403, not a Basic prompt", async () => {
    const res = await rawRequest({ url: sums(), headers: { "user-agent": "Mozilla/5.0" } });
    expect(res.status).toBe(403);
    expect(res.headers["www-authenticate"]).toBeUndefined();
  });

  it("honours libwfdb like wget", async () => {
    const res = await rawRequest({ url: sums(), headers: { "user-agent": "libwfdb/10.7.0", authorization: basic(ALICE) } });
    expect(res.status).toBe(200);
  });

  it("does not honour a User-Agent that merely contains Wget", async () => {
    const res = await rawRequest({ url: sums(), headers: { "user-agent": `curl/8 ${WGET_UA}`, authorization: basic(ALICE) } });
    expect(res.status).toBe(403);
  });
});

describe("the session cookie", () => {
  it("is issued to a client that keeps cookies and then skips the password check", async () => {
    const first = await rawRequest({ url: sums(), headers: { "user-agent": WGET_UA, cookie: "testcookie=1", authorization: basic(ALICE) } });
    expect(first.status).toBe(200);
    const session = /sessionid=([0-9a-f]+)/.exec(String(first.headers["set-cookie"]))?.[1];
    expect(session).toBeTruthy();

    const checks = fixture.upstream.stats.passwordChecks;
    const again = await rawRequest({ url: sums(), headers: { "user-agent": WGET_UA, cookie: `sessionid=${session}`, authorization: basic({ username: ALICE.username, password: "not checked" }) } });
    expect(again.status).toBe(200);
    expect(fixture.upstream.stats.passwordChecks).toBe(checks);

    // Without an Authorization header the session is not honoured (a browser cannot replay it).
    const bare = await rawRequest({ url: sums(), headers: { "user-agent": WGET_UA, cookie: `sessionid=${session}` } });
    expect(bare.status).toBe(401);
  });
});

describe("over HTTPS", () => {
  it("serves wget that trusts the self-signed certificate, and refuses auth over plain HTTP in strict mode", async () => {
    const secure = await startTestUpstream({ root: fixture.served.root, https: true, allowAuthOverHttp: false });
    const strictHttp = await startTestUpstream({ root: fixture.served.root, allowAuthOverHttp: false });
    try {
      expect(secure.url).toMatch(/^https:/);
      const run = await runWget({ args: ["--spider", "--tries=1", `${secure.url}${PREFIX}/SHA256SUMS.txt`], credentials: ALICE, caCertificate: secure.caCertificate, timeoutMs: 15_000 });
      expect(finalStatus({ run })).toBe(200);

      const untrusted = await runWget({ args: ["--spider", "--tries=1", `${secure.url}${PREFIX}/SHA256SUMS.txt`], credentials: ALICE, timeoutMs: 15_000 });
      expect(untrusted.exitCode).toBe(5);
      expect(untrusted.responses).toEqual([]);

      expect((await wgetStatus({ url: `${strictHttp.url}${PREFIX}/SHA256SUMS.txt`, credentials: ALICE })).status).toBe(403);
    } finally {
      await secure.close();
      await strictHttp.close();
    }
  });
});

describe("an open-access project", () => {
  it("serves any client without an account, and still 404s unknown files", async () => {
    const open = await startUpstream({ projects: [{ slug: "open-data", version: "1.0.0", root: fixture.served.root, open: true }], accounts: [], port: 0 });
    try {
      const { stdout } = await execFileAsync("curl", ["-s", "-o", "/dev/null", "-w", "%{http_code}", `${open.url}/files/open-data/1.0.0/SHA256SUMS.txt`]);
      expect(stdout).toBe("200");
      expect((await fetch(`${open.url}/files/open-data/1.0.0/nothing-here.txt`)).status).toBe(404);
      // The credentialed project of the fixture's upstream is still closed to the same client.
      expect((await fetch(sums())).status).toBe(403);
    } finally {
      await open.close();
    }
  });
});
