import http from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createLogger, setLogger } from "@/lib/log/logger";
import { installRequestLog, noteRequestUser, REQUEST_ID_HEADER } from "@/lib/log/request-log";

// A real HTTP server on loopback with the same hook `next start` gets from instrumentation.ts.
const lines: Record<string, unknown>[] = [];
let server: http.Server;
let base: string;

beforeAll(async () => {
  setLogger(createLogger({ service: "web", destination: { write: (l: string) => void lines.push(JSON.parse(l) as Record<string, unknown>) } }));
  installRequestLog();
  server = http.createServer((req, res) => {
    const url = req.url ?? "/";
    if (url.startsWith("/members")) noteRequestUser(req.headers[REQUEST_ID_HEADER] as string, "user-42", "session");
    if (url.startsWith("/api/health")) return void res.end("ok");
    if (url.startsWith("/boom")) {
      res.statusCode = 500;
      return void res.end("no");
    }
    if (url.startsWith("/slow")) return void setTimeout(() => res.end("late"), 1_000);
    res.end(`seen ${req.headers[REQUEST_ID_HEADER]}`);
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((r) => server.close(() => r())));

const wait = async (pred: () => boolean) => {
  for (let i = 0; i < 100 && !pred(); i++) await new Promise((r) => setTimeout(r, 20));
};

describe("one JSON line per request", () => {
  it("under 48 parallel requests: one line each, each with its own id, the id the client got", async () => {
    lines.length = 0;
    const paths = ["/api/health", "/invite/secret-invite-token-0123456789", "/datasets/mimic-cxr-jpg/2.0.0/studies/50414267?q=no+pneumothorax", "/members", "/boom", "/no/such"];
    const answers = await Promise.all(
      Array.from({ length: 48 }, async (_, i) => {
        const res = await fetch(base + paths[i % paths.length], { headers: { "x-request-id": i % 2 ? "lb-req-0042" : "spoofed id <script>" } });
        return { i, id: res.headers.get("x-request-id"), body: await res.text() };
      }),
    );
    await wait(() => lines.length >= 48);
    expect(lines).toHaveLength(48);
    const ids = new Set(lines.map((l) => l.reqId));
    expect(ids.size).toBe(48);
    for (const a of answers) {
      expect(a.id).toMatch(/^[0-9a-f-]{36}$/);
      expect(ids.has(a.id)).toBe(true);
      // The application saw the same id as the log (the client's own was replaced).
      if (!/health|boom/.test(paths[a.i % paths.length]!)) expect(a.body).toBe(`seen ${a.id}`);
    }
    const byRoute = (r: string) => lines.filter((l) => l.route === r);
    expect(byRoute("/invite/[token]")).toHaveLength(8);
    expect(byRoute("/datasets/[slug]/[version]/studies/[studyId]")).toHaveLength(8);
    expect(byRoute("/members").every((l) => l.userId === "user-42" && l.via === "session")).toBe(true);
    expect(byRoute("/api/health").every((l) => l.userId === undefined && l.status === 200 && l.level === "info")).toBe(true);
    // "/boom" and "/no/such" are no route of labgate's.
    expect(byRoute("(unknown)")).toHaveLength(16);
    expect(lines.filter((l) => l.status === 500)).toHaveLength(8);
    expect(lines.filter((l) => l.status === 500).every((l) => l.level === "error")).toBe(true);
    // A forwarded id is kept beside ours when it looks like one; junk is dropped.
    expect(lines.filter((l) => l.forwardedReqId === "lb-req-0042")).toHaveLength(24);
    expect(lines.every((l) => l.forwardedReqId === undefined || l.forwardedReqId === "lb-req-0042")).toBe(true);
    const text = JSON.stringify(lines);
    for (const leak of ["secret-invite-token", "50414267", "pneumothorax", "<script>"]) expect(text).not.toContain(leak);
    for (const l of lines) expect(l).toMatchObject({ service: "web", msg: "request", method: "GET", ms: expect.any(Number) });
  });

  it("a client that goes away still leaves its line, marked aborted", async () => {
    lines.length = 0;
    const ctl = new AbortController();
    const pending = fetch(`${base}/slow`, { signal: ctl.signal }).catch(() => null);
    await new Promise((r) => setTimeout(r, 200));
    ctl.abort();
    await pending;
    await wait(() => lines.length >= 1);
    expect(lines).toEqual([expect.objectContaining({ route: "(unknown)", aborted: true })]);
  });
});
