import http from "node:http";
import https from "node:https";
import type { AddressInfo } from "node:net";
import type { UpstreamAccount } from "./accounts";
import { createFaultPlan, type UpstreamFaults } from "./faults";
import { handleRequest } from "./handle-request";
import type { UpstreamProject } from "./resolve-target";
import { createSessionStore } from "./sessions";
import { createStats, type UpstreamStats } from "./stats";
import { createThrottleRegistry, throttleSliceBytes } from "./throttle";
import { createSelfSignedTls, type TlsMaterial } from "./tls";

export type StartUpstreamOptions = {
  /** Version directories to serve at /files/<slug>/<version>/. */
  projects: UpstreamProject[];
  accounts: UpstreamAccount[];
  host?: string;
  /** 0 (default) picks a free port. */
  port?: number;
  /** true for a fresh self-signed certificate, or bring your own. */
  https?: boolean | TlsMaterial;
  /** PhysioNet refuses Basic auth over plain HTTP outside DEBUG; default true so plain-HTTP tests work. */
  allowAuthOverHttp?: boolean;
  /** Per-connection body rate limit. */
  throttleBytesPerSecond?: number;
  /** Connections beyond this are dropped at once (PhysioNet times out past ~24). */
  maxConnections?: number;
  /**
   * Authorised requests arriving while more connections than this are open are answered 429 Too
   * Many Requests (Retry-After: 1), as a server pushed too hard does: what makes adaptive lanes back off.
   */
  busyAboveConnections?: number;
  faults?: UpstreamFaults;
  /** One line per request; never contains credentials. */
  log?: (line: string) => void;
};

export type Upstream = {
  /** Base URL without a trailing slash, e.g. http://127.0.0.1:41234 */
  url: string;
  port: number;
  /** PEM a client must trust for HTTPS, or null over HTTP. */
  caCertificate: string | null;
  stats: Readonly<UpstreamStats>;
  close(): Promise<void>;
};

export async function startUpstream(options: StartUpstreamOptions): Promise<Upstream> {
  const host = options.host ?? "127.0.0.1";
  const tls = options.https === true ? await createSelfSignedTls() : options.https || null;
  const stats = createStats();
  const throttles = createThrottleRegistry({ bytesPerSecond: options.throttleBytesPerSecond });
  const ctx = {
    projects: options.projects,
    accounts: new Map(options.accounts.map((a) => [a.username, a])),
    sessions: createSessionStore(),
    secure: tls !== null,
    allowAuthOverHttp: options.allowAuthOverHttp ?? true,
    firstByteDelayMs: options.faults?.firstByteDelayMs ?? 0,
    faultPlan: createFaultPlan({ faults: options.faults ?? {} }),
    throttleFor: (socket: object) => throttles.forConnection(socket),
    sliceBytes: options.throttleBytesPerSecond ? throttleSliceBytes({ bytesPerSecond: options.throttleBytesPerSecond }) : 64 * 1024,
    stats,
    busyAboveConnections: options.busyAboveConnections,
    log: options.log,
  };

  const onRequest = (req: http.IncomingMessage, res: http.ServerResponse) => {
    handleRequest({ req, res, ctx }).catch((error: unknown) => {
      // A file vanishing mid-stream or similar: the client sees a broken connection, we see one line.
      console.error(`upstream: ${req.method} ${req.url} failed: ${error instanceof Error ? error.message : String(error)}`);
      if (!res.headersSent) {
        res.writeHead(500, { "Content-Length": 0 });
        res.end();
      } else {
        res.destroy();
      }
    });
  };
  const server = tls ? https.createServer({ key: tls.key, cert: tls.cert }, onRequest) : http.createServer(onRequest);
  if (options.maxConnections) server.maxConnections = options.maxConnections;
  server.on("connection", (socket: import("node:net").Socket) => {
    stats.connections.total += 1;
    stats.connections.open += 1;
    stats.connections.peak = Math.max(stats.connections.peak, stats.connections.open);
    socket.once("close", () => (stats.connections.open -= 1));
  });
  server.on("drop", () => (stats.connections.dropped += 1));

  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port ?? 0, host, () => {
      server.off("error", reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  const hostInUrl = host.includes(":") ? `[${host}]` : host;
  return {
    url: `${tls ? "https" : "http"}://${hostInUrl}:${port}`,
    port,
    caCertificate: tls?.cert ?? null,
    stats,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
