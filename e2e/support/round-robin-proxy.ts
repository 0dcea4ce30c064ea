import http from "node:http";
import type { AddressInfo } from "node:net";

export type RoundRobinProxy = { url: string; served: number[]; close: () => Promise<void> };

/**
 * The "TLS proxy in front of N app processes" of the README, minus TLS: each request goes to the
 * next backend in turn, with the client's address in X-Forwarded-For as nginx's
 * `proxy_add_x_forwarded_for` would write it. `served[i]` counts what backend i answered.
 */
export async function startRoundRobinProxy(backends: string[]): Promise<RoundRobinProxy> {
  let next = 0;
  const served = backends.map(() => 0);
  const agent = new http.Agent({ keepAlive: true });
  const server = http.createServer((req, res) => {
    const i = next++ % backends.length;
    const target = new URL(req.url ?? "/", backends[i]);
    const forwarded = [req.headers["x-forwarded-for"], req.socket.remoteAddress].filter(Boolean).join(", ");
    const upstream = http.request(target, { method: req.method, headers: { ...req.headers, "x-forwarded-for": forwarded }, agent }, (answer) => {
      served[i]!++;
      res.writeHead(answer.statusCode ?? 502, answer.rawHeaders);
      answer.pipe(res);
    });
    upstream.on("error", () => {
      if (!res.headersSent) res.writeHead(502);
      res.end();
    });
    req.pipe(upstream);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    served,
    close: () =>
      new Promise<void>((resolve) => {
        agent.destroy();
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
