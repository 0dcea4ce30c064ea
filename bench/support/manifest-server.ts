/**
 * The /api/v1 cohort-manifest route handler (app/api/v1/.../manifest/route.ts, through route(): the
 * token chokepoint, the access rule, the audit row, the streamed CSV) served by node:http in a
 * process of its own, so its resident memory is the route's alone. Prints "listening <port>".
 * Without Next's server layer: a production build costs minutes per run on this machine, and the
 * layer only pipes the Response body through.
 */
import http from "node:http";
import { Readable } from "node:stream";
import { NextRequest } from "next/server";

const { GET } = await import("@/app/api/v1/datasets/[slug]/[version]/cohorts/[id]/manifest/route");
const ROUTE = /^\/api\/v1\/datasets\/([^/]+)\/([^/]+)\/cohorts\/([^/]+)\/manifest$/;

const server = http.createServer((req, res) => {
  void (async () => {
    const url = new URL(req.url ?? "/", "http://127.0.0.1");
    const m = ROUTE.exec(url.pathname);
    if (!m) return void res.writeHead(404).end();
    const headers = new Headers();
    for (const [k, v] of Object.entries(req.headers)) if (typeof v === "string") headers.set(k, v);
    const response = await GET(new NextRequest(url, { method: "GET", headers }), { params: Promise.resolve({ slug: m[1]!, version: m[2]!, id: m[3]! }) });
    res.writeHead(response.status, Object.fromEntries(response.headers));
    if (!response.body) return void res.end();
    const body = Readable.fromWeb(response.body as import("node:stream/web").ReadableStream);
    body.pipe(res);
    res.once("close", () => body.destroy());
  })().catch((e: unknown) => {
    console.error(e);
    res.destroy();
  });
});
server.listen(0, "127.0.0.1", () => console.log(`listening ${(server.address() as { port: number }).port}`));
process.once("SIGTERM", () => process.exit(0));
