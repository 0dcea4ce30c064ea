import { createHash, createHmac, timingSafeEqual } from "node:crypto";
import { createReadStream } from "node:fs";
import { readdir, stat } from "node:fs/promises";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo, Socket } from "node:net";
import path from "node:path";

// PhysioNet's cloud mirrors for tests, benchmarks and the demo: a small S3-compatible server
// (path-style, SigV4 checked with each key pair's secret) that serves version directories as
// buckets and enforces what PhysioNet's buckets do — only the access keys PhysioNet listed for a
// bucket may read it (403 AccessDenied for anyone else), and a requester-pays bucket answers 403
// unless the request carries `x-amz-request-payer: requester`. Faults (resets, 503 SlowDown,
// truncated bodies) are injected per request from a seeded generator. It speaks only what labgate's
// mirror downloads use: HEAD and GET of an object (with Range) and ListObjectsV2.

export type MirrorBucket = {
  name: string;
  /** The directory served (a version folder: keys are paths relative to it, after `prefix`). */
  root: string;
  prefix?: string;
  /** Access key ids allowed to read (PhysioNet's bucket policy, one entry per verified identity). */
  allow: string[];
  requesterPays?: boolean;
};

export type MirrorFaults = {
  resetMidBody?: { probability: number };
  slowDown?: { probability: number };
  truncateBody?: { probability: number };
  seed?: number;
};

export type MirrorServerOptions = {
  buckets: MirrorBucket[];
  /** Every key pair the server knows (accessKeyId → secret): a known key not in a bucket's allow-list gets 403. */
  keys: Record<string, string>;
  faults?: MirrorFaults;
  /** Bytes per second per response (0: unthrottled). */
  throttleBytesPerSecond?: number;
  port?: number;
};

export type MirrorStats = {
  requests: number;
  rangeRequests: number;
  bodyBytes: number;
  denied: { accessDenied: number; requesterPays: number; signature: number };
  faults: { resetMidBody: number; slowDown: number; truncateBody: number };
  /** Access key ids seen on successful object reads. */
  readers: Set<string>;
  /** Per key, the first byte of every ranged GET, in order: a resumed file asks for a start it asked for before. */
  rangeStarts: Map<string, number[]>;
  /** `x-goog-user-project` values seen: the Google project billed for a requester-pays read. */
  billingProjects: Set<string>;
};

export type MirrorServer = {
  url: string;
  stats: MirrorStats;
  /** Changes buckets, keys, faults or throttle for the requests that follow (buckets are read again). */
  configure(changes: Partial<Omit<MirrorServerOptions, "port">>): Promise<void>;
  close(): Promise<void>;
};

type Entry = { key: string; file: string; size: number };

async function walk(root: string): Promise<{ rel: string; size: number }[]> {
  const out: { rel: string; size: number }[] = [];
  const visit = async (dir: string, rel: string) => {
    for (const d of await readdir(dir, { withFileTypes: true })) {
      const r = rel ? `${rel}/${d.name}` : d.name;
      if (d.isDirectory()) await visit(path.join(dir, d.name), r);
      else if (d.isFile()) out.push({ rel: r, size: (await stat(path.join(dir, d.name))).size });
    }
  };
  await visit(root, "");
  return out;
}

function xml(res: ServerResponse, status: number, body: string, extra: Record<string, string> = {}) {
  res.writeHead(status, { "Content-Type": "application/xml", ...extra });
  res.end(`<?xml version="1.0" encoding="UTF-8"?>\n${body}`);
}
function s3Error(res: ServerResponse, status: number, code: string, message: string, head: boolean) {
  if (head) {
    res.writeHead(status, { "x-amz-error-code": code });
    return res.end();
  }
  xml(res, status, `<Error><Code>${code}</Code><Message>${message}</Message></Error>`);
}
const esc = (s: string) => s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
const rfc3986 = (s: string) => encodeURIComponent(s).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
const hmac = (key: Buffer | string, data: string) => createHmac("sha256", key).update(data, "utf8").digest();

/** Checks an AWS Signature Version 4 header against the key's secret; returns the access key id or a refusal. */
function checkSignature(req: IncomingMessage, keys: Record<string, string>): { ok: true; accessKeyId: string } | { ok: false; code: string } {
  const auth = req.headers.authorization ?? "";
  const m = /^AWS4-HMAC-SHA256 Credential=([^/]+)\/(\d{8})\/([^/]+)\/([^/]+)\/aws4_request,\s*SignedHeaders=([^,]+),\s*Signature=([0-9a-f]{64})$/.exec(auth);
  if (!m) return { ok: false, code: "AccessDenied" };
  const [, accessKeyId, date, region, service, signedHeaders, signature] = m as unknown as string[];
  const secret = keys[accessKeyId!];
  if (!secret) return { ok: false, code: "InvalidAccessKeyId" };
  const url = new URL(req.url ?? "/", "http://mirror");
  const query = [...url.searchParams.entries()].map(([k, v]) => [rfc3986(k), rfc3986(v)] as const).sort((a, b) => (a[0] === b[0] ? (a[1] < b[1] ? -1 : 1) : a[0] < b[0] ? -1 : 1));
  const headers = signedHeaders!.split(";");
  const canonical = [
    req.method,
    (req.url ?? "/").split("?")[0],
    query.map(([k, v]) => `${k}=${v}`).join("&"),
    headers.map((h) => `${h}:${String(req.headers[h] ?? "").trim().replace(/\s+/g, " ")}\n`).join(""),
    signedHeaders,
    String(req.headers["x-amz-content-sha256"] ?? "UNSIGNED-PAYLOAD"),
  ].join("\n");
  const scope = `${date}/${region}/${service}/aws4_request`;
  const toSign = ["AWS4-HMAC-SHA256", String(req.headers["x-amz-date"] ?? ""), scope, createHash("sha256").update(canonical).digest("hex")].join("\n");
  const key = hmac(hmac(hmac(hmac(`AWS4${secret}`, date!), region!), service!), "aws4_request");
  const expected = createHmac("sha256", key).update(toSign).digest();
  const given = Buffer.from(signature!, "hex");
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) return { ok: false, code: "SignatureDoesNotMatch" };
  return { ok: true, accessKeyId: accessKeyId! };
}

export async function startMirrorServer(initial: MirrorServerOptions): Promise<MirrorServer> {
  const opts: MirrorServerOptions = { ...initial };
  let buckets = new Map<string, { bucket: MirrorBucket; entries: Entry[]; byKey: Map<string, Entry> }>();
  const readBuckets = async () => {
    const next = new Map<string, { bucket: MirrorBucket; entries: Entry[]; byKey: Map<string, Entry> }>();
    for (const bucket of opts.buckets) {
      const entries = (await walk(bucket.root))
        .map((f) => ({ key: `${bucket.prefix ?? ""}${f.rel}`, file: path.join(bucket.root, ...f.rel.split("/")), size: f.size }))
        .sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
      next.set(bucket.name, { bucket, entries, byKey: new Map(entries.map((e) => [e.key, e])) });
    }
    buckets = next;
  };
  await readBuckets();
  const stats: MirrorStats = { requests: 0, rangeRequests: 0, bodyBytes: 0, denied: { accessDenied: 0, requesterPays: 0, signature: 0 }, faults: { resetMidBody: 0, slowDown: 0, truncateBody: 0 }, readers: new Set(), rangeStarts: new Map(), billingProjects: new Set() };
  // mulberry32: the same seed gives the same faults run after run.
  let seed = (opts.faults?.seed ?? 1) >>> 0;
  const random = () => {
    seed = (seed + 0x6d2b79f5) >>> 0;
    let t = seed;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const roll = (f?: { probability: number }) => Boolean(f && random() < f.probability);
  const sockets = new Set<Socket>();

  const server = createServer((req, res) => {
    stats.requests++;
    const head = req.method === "HEAD";
    if (req.method !== "GET" && !head) return s3Error(res, 405, "MethodNotAllowed", "read-only mirror", head);
    const url = new URL(req.url ?? "/", "http://mirror");
    const [, bucketName = "", ...rest] = url.pathname.split("/");
    const b = buckets.get(decodeURIComponent(bucketName));
    const signed = checkSignature(req, opts.keys);
    if (!signed.ok) {
      stats.denied.signature++;
      return s3Error(res, 403, signed.code, "The request signature or key was not accepted", head);
    }
    if (!b) return s3Error(res, 404, "NoSuchBucket", "The specified bucket does not exist", head);
    if (!b.bucket.allow.includes(signed.accessKeyId)) {
      stats.denied.accessDenied++;
      return s3Error(res, 403, "AccessDenied", "Access Denied", head);
    }
    if (b.bucket.requesterPays && req.headers["x-amz-request-payer"] !== "requester") {
      stats.denied.requesterPays++;
      return s3Error(res, 403, "AccessDenied", "Access Denied: this bucket is requester pays", head);
    }
    if (rest.length === 0 || (rest.length === 1 && rest[0] === "")) return list(res, b.entries, url.searchParams);
    const key = rest.map(decodeURIComponent).join("/");
    const entry = b.byKey.get(key);
    if (!entry) return s3Error(res, 404, "NoSuchKey", "The specified key does not exist.", head);
    if (!head && roll(opts.faults?.slowDown)) {
      stats.faults.slowDown++;
      return s3Error(res, 503, "SlowDown", "Please reduce your request rate.", false);
    }
    stats.readers.add(signed.accessKeyId);
    if (req.headers["x-goog-user-project"]) stats.billingProjects.add(String(req.headers["x-goog-user-project"]));
    let start = 0;
    let end = entry.size - 1;
    const range = /^bytes=(\d+)-(\d*)$/.exec(String(req.headers.range ?? ""));
    if (range) {
      stats.rangeRequests++;
      start = Number(range[1]);
      end = range[2] ? Math.min(Number(range[2]), entry.size - 1) : entry.size - 1;
      if (!head) stats.rangeStarts.set(key, [...(stats.rangeStarts.get(key) ?? []), start]);
      if (start >= entry.size || start > end) {
        res.writeHead(416, { "Content-Range": `bytes */${entry.size}` });
        return res.end();
      }
    }
    const length = end - start + 1;
    const headers: Record<string, string | number> = { "Content-Length": length, "Accept-Ranges": "bytes", "Content-Type": "application/octet-stream", ETag: `"${entry.size.toString(16)}"` };
    if (range) headers["Content-Range"] = `bytes ${start}-${end}/${entry.size}`;
    res.writeHead(range ? 206 : 200, headers);
    if (head || length === 0) return res.end();
    const reset = length > 1 && roll(opts.faults?.resetMidBody);
    const truncate = !reset && length > 1 && roll(opts.faults?.truncateBody);
    const cut = reset || truncate ? start + Math.max(1, Math.floor(length / 2)) - 1 : end;
    const stream = createReadStream(entry.file, { start, end: cut, highWaterMark: 256 * 1024 });
    const rate = opts.throttleBytesPerSecond ?? 0;
    const began = Date.now();
    let sent = 0;
    // Paused for a full socket buffer, for the throttle, or both: resumed when neither holds it.
    let draining = false;
    let sleeping = false;
    const resume = () => !draining && !sleeping && stream.resume();
    stream.on("data", (chunk) => {
      const n = (chunk as Buffer).length;
      sent += n;
      stats.bodyBytes += n;
      if (!res.write(chunk)) {
        draining = true;
        stream.pause();
        res.once("drain", () => {
          draining = false;
          resume();
        });
      }
      if (rate > 0) {
        const due = began + (sent / rate) * 1000 - Date.now();
        if (due > 0) {
          sleeping = true;
          stream.pause();
          setTimeout(() => {
            sleeping = false;
            resume();
          }, due);
        }
      }
    });
    stream.on("end", () => {
      if (reset) {
        stats.faults.resetMidBody++;
        return req.socket.resetAndDestroy();
      }
      if (truncate) {
        // Fewer bytes than Content-Length said, then the connection ends cleanly.
        stats.faults.truncateBody++;
        return req.socket.end();
      }
      res.end();
    });
    stream.on("error", () => res.destroy());
  });
  server.on("connection", (s) => {
    sockets.add(s);
    s.on("close", () => sockets.delete(s));
  });

  function list(res: ServerResponse, entries: Entry[], q: URLSearchParams) {
    const prefix = q.get("prefix") ?? "";
    const after = q.get("continuation-token") ?? q.get("start-after") ?? "";
    const max = Math.min(1000, Number(q.get("max-keys") ?? 1000) || 1000);
    const picked: Entry[] = [];
    let truncated = false;
    for (const e of entries) {
      if (!e.key.startsWith(prefix) || (after && e.key <= after)) continue;
      if (picked.length === max) {
        truncated = true;
        break;
      }
      picked.push(e);
    }
    const contents = picked.map((e) => `<Contents><Key>${esc(e.key)}</Key><Size>${e.size}</Size><StorageClass>STANDARD</StorageClass></Contents>`).join("");
    const next = truncated ? `<NextContinuationToken>${esc(picked.at(-1)!.key)}</NextContinuationToken>` : "";
    xml(res, 200, `<ListBucketResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><Prefix>${esc(prefix)}</Prefix><KeyCount>${picked.length}</KeyCount><MaxKeys>${max}</MaxKeys><IsTruncated>${truncated}</IsTruncated>${next}${contents}</ListBucketResult>`);
  }

  await new Promise<void>((resolve) => server.listen(opts.port ?? 0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    stats,
    async configure(changes) {
      Object.assign(opts, changes);
      if (changes.faults?.seed !== undefined) seed = changes.faults.seed >>> 0;
      if (changes.buckets) await readBuckets();
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}
