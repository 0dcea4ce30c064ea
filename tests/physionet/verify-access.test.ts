import type { Stats } from "node:fs";
import { lstat, readdir, readFile, stat } from "node:fs/promises";
import net from "node:net";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { wgetRoot } from "@/lib/physionet/wget/private-root";
import type { WgetSpawnInfo } from "@/lib/physionet/wget/run-wget";
import { verifyPhysionetAccess } from "@/lib/physionet/wget/verify-access";
import { ALICE, BOB, PREFIX, SLUG, startTestUpstream, servedUpstreamFixture, VERSION } from "./served-version";

const fixture = servedUpstreamFixture();

const verify = (options: Partial<Parameters<typeof verifyPhysionetAccess>[0]> = {}) =>
  verifyPhysionetAccess({ baseUrl: fixture.upstream.url, slug: SLUG, version: VERSION, username: ALICE.username, password: ALICE.password, timeoutMs: 15_000, ...options });

describe("verifyPhysionetAccess", () => {
  it("confirms access with the right credentials (HEAD of SHA256SUMS.txt)", async () => {
    const heads = fixture.upstream.stats.requests;
    const bodyBytes = fixture.upstream.stats.bodyBytes;
    const result = await verify();
    expect(result).toMatchObject({ outcome: "confirmed", httpStatus: 200, checkedUrl: `${fixture.upstream.url}${PREFIX}/SHA256SUMS.txt` });
    expect(result.detail).toContain("200");
    // wget's challenge round trip, then the authenticated HEAD: no body went out.
    expect(fixture.upstream.stats.requests).toBe(heads + 2);
    expect(fixture.upstream.stats.bodyBytes).toBe(bodyBytes);
  });

  it("reports wrong credentials (401)", async () => {
    expect(await verify({ password: "wrong password" })).toMatchObject({ outcome: "wrong_credentials", httpStatus: 401 });
  });

  it("reports an account without access to this version (403)", async () => {
    const result = await verify({ username: BOB.username, password: BOB.password });
    expect(result).toMatchObject({ outcome: "not_authorized", httpStatus: 403 });
    expect(result.detail).toContain("DUA");
  });

  it("reports an unknown version (404)", async () => {
    expect(await verify({ version: "9.9.9" })).toMatchObject({ outcome: "not_found", httpStatus: 404 });
  });

  it("reports an outage (503) as an error with the status", async () => {
    const outage = await startTestUpstream({ root: fixture.served.root, faults: { serviceUnavailable: { every: 1 } } });
    try {
      expect(await verify({ baseUrl: outage.url })).toMatchObject({ outcome: "error", httpStatus: 503 });
    } finally {
      await outage.close();
    }
  });

  it("reports a server that is down as an error without a status", async () => {
    const down = await startTestUpstream({ root: fixture.served.root });
    await down.close();
    const refused = await verify({ baseUrl: down.url });
    expect(refused.outcome).toBe("error");
    expect(refused.httpStatus).toBeNull();
    expect(refused.detail).toMatch(/refused/i);
  });

  it("gives up after its timeout when the server does not answer", async () => {
    const silent = net.createServer(() => {});
    await new Promise<void>((resolve) => silent.listen(0, "127.0.0.1", resolve));
    const { port } = silent.address() as net.AddressInfo;
    try {
      const started = Date.now();
      const result = await verify({ baseUrl: `http://127.0.0.1:${port}`, timeoutMs: 2_000 });
      expect(result).toMatchObject({ outcome: "error", httpStatus: null });
      expect(Date.now() - started).toBeLessThan(8_000);
    } finally {
      silent.close();
    }
  });

  it("refuses a password wget cannot be given (a line break), without running wget or echoing it", async () => {
    const result = await verify({ password: "line\nbreak" });
    expect(result.outcome).toBe("error");
    expect(result.detail).not.toContain("line\nbreak");
  });

  it("rejects a base URL with credentials in it", async () => {
    await expect(verify({ baseUrl: "http://alice:pw@127.0.0.1:1" })).rejects.toThrow();
  });
});

describe("the password stays out of sight", () => {
  it("is in neither argv, the environment nor any file of the running wget: only in a 0600 FIFO, and the folder is gone afterwards", async () => {
    // A slow first byte keeps wget alive long enough to inspect it in /proc.
    const slow = await startTestUpstream({ root: fixture.served.root, faults: { firstByteDelayMs: 700 } });
    let seen: { info: WgetSpawnInfo; cmdline: string; environ: string; netrc: Stats; files: Map<string, string> } | null = null;
    const inspections: Promise<void>[] = [];
    try {
      const result = await verify({
        baseUrl: slow.url,
        onSpawn: (info) => {
          inspections.push(
            (async () => {
              const cmdline = await readFile(`/proc/${info.pid}/cmdline`, "utf8");
              const environ = await readFile(`/proc/${info.pid}/environ`, "utf8");
              const netrc = await lstat(info.netrcPath!);
              // Every regular file in the run folder (a FIFO is never opened here: that would take the secret).
              const files = new Map<string, string>();
              for (const name of await readdir(info.dir)) {
                const entry = await lstat(path.join(info.dir, name));
                if (entry.isFile()) files.set(name, await readFile(path.join(info.dir, name), "utf8"));
              }
              seen = { info, cmdline, environ, netrc, files };
            })(),
          );
        },
      });
      await Promise.all(inspections);
      expect(result.outcome).toBe("confirmed");
      expect(seen).not.toBeNull();
      const { info, cmdline, environ, netrc, files } = seen!;
      expect(cmdline).toContain("--spider");
      expect(cmdline).toContain("--no-config");
      expect(info.dir.startsWith(wgetRoot())).toBe(true);
      expect(netrc.isFIFO()).toBe(true);
      expect(netrc.mode & 0o777).toBe(0o600);
      for (const text of [cmdline, environ, JSON.stringify(info.args), JSON.stringify(info.env), result.detail, JSON.stringify(result), ...files.values()]) {
        expect(text).not.toContain(ALICE.password);
        expect(text).not.toContain(Buffer.from(`${ALICE.username}:${ALICE.password}`).toString("base64"));
      }
      await expect(stat(info.dir)).rejects.toMatchObject({ code: "ENOENT" });
    } finally {
      await slow.close();
    }
  });

  it("never lands in the detail of a failed check either", async () => {
    const result = await verify({ password: `${ALICE.password}x` });
    expect(result.outcome).toBe("wrong_credentials");
    expect(JSON.stringify(result)).not.toContain(ALICE.password);
  });
});
