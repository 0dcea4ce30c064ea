import http from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { clientIp, normaliseIp } from "@/lib/http/client-ip";
import { installPeerStamp } from "@/lib/http/peer-stamp";
import { createLogger, log, setLogger } from "@/lib/log/logger";

// The client address over real sockets: a server in this process, stamped the way instrumentation.ts
// stamps Next's, answering what clientIp() makes of each request. Requests leave from chosen
// loopback addresses (127.0.0.x), so the peer is known and differs from what the headers claim.

let server: http.Server;
let port = 0;
beforeAll(async () => {
  server = http.createServer((req, res) => {
    const trusted = String(req.headers["x-test-trusted"] ?? "");
    res.end(JSON.stringify({ ip: clientIp(req.headers, trusted) }));
  });
  await new Promise<void>((resolve) => server.listen(0, resolve));
  port = (server.address() as AddressInfo).port;
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

function ask(opts: { from: string; headers?: Record<string, string>; trusted?: string }): Promise<string | null> {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: "127.0.0.1", port, localAddress: opts.from, headers: { ...opts.headers, "x-test-trusted": opts.trusted ?? "" } }, (res) => {
      let body = "";
      res.on("data", (c: Buffer) => (body += c.toString()));
      res.on("end", () => resolve((JSON.parse(body) as { ip: string | null }).ip));
    });
    req.on("error", reject);
    req.end();
  });
}

describe("clientIp", () => {
  it("knows no address (and says so once) in a process that does not stamp the peer", () => {
    const lines: string[] = [];
    const before = log();
    setLogger(createLogger({ service: "test", destination: { write: (l: string) => void lines.push(l) } }));
    try {
      expect(clientIp({ "x-forwarded-for": "1.2.3.4", "x-labgate-peer": "5.6.7.8" }, "")).toBeNull();
      expect(clientIp({ "x-forwarded-for": "1.2.3.4" }, "")).toBeNull();
    } finally {
      setLogger(before);
    }
    expect(lines.map((l) => JSON.parse(l) as { level: string; msg: string })).toEqual([expect.objectContaining({ level: "warn", msg: expect.stringMatching(/^client addresses unknown/) })]);
    installPeerStamp();
    installPeerStamp();
  });

  it("is the socket's peer without trusted proxies, whatever the client claims", async () => {
    expect(await ask({ from: "127.0.0.5" })).toBe("127.0.0.5");
    expect(await ask({ from: "127.0.0.6", headers: { "x-forwarded-for": "1.2.3.4" } })).toBe("127.0.0.6");
    expect(await ask({ from: "127.0.0.6", headers: { "x-forwarded-for": "1.2.3.4, 127.0.0.1", "x-real-ip": "1.2.3.4" } })).toBe("127.0.0.6");
    // The stamp's own header, sent by the client, is overwritten.
    expect(await ask({ from: "127.0.0.7", headers: { "x-labgate-peer": "9.9.9.9" } })).toBe("127.0.0.7");
  });

  it("walks X-Forwarded-For from the right past trusted proxies only", async () => {
    // The peer is a trusted proxy: its hop is believed, and the first untrusted one is the client.
    expect(await ask({ from: "127.0.0.8", trusted: "127.0.0.8", headers: { "x-forwarded-for": "203.0.113.9" } })).toBe("203.0.113.9");
    // A client's own header arrives in front of what the proxy appended: the spoof is ignored.
    expect(await ask({ from: "127.0.0.8", trusted: "127.0.0.8", headers: { "x-forwarded-for": "1.2.3.4, 203.0.113.9" } })).toBe("203.0.113.9");
    // Two trusted hops (CIDR), then the client.
    expect(await ask({ from: "127.0.0.8", trusted: "127.0.0.0/8, 10.0.0.0/8", headers: { "x-forwarded-for": "1.2.3.4, 198.51.100.7, 10.1.2.3" } })).toBe("198.51.100.7");
    // A peer that is not trusted gets no say, even with trusted proxies configured.
    expect(await ask({ from: "127.0.0.9", trusted: "127.0.0.8", headers: { "x-forwarded-for": "203.0.113.9" } })).toBe("127.0.0.9");
    // A trusted proxy that forwards no header: the proxy itself.
    expect(await ask({ from: "127.0.0.8", trusted: "loopback" })).toBe("127.0.0.8");
  });

  it("writes addresses one way", () => {
    expect(normaliseIp("::ffff:127.0.0.5")).toBe("127.0.0.5");
    expect(normaliseIp(" 10.0.0.1 ")).toBe("10.0.0.1");
    expect(normaliseIp("::1")).toBe("::1");
    expect(normaliseIp("not-an-ip")).toBeNull();
    expect(normaliseIp("")).toBeNull();
  });
});
