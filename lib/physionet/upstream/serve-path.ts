import { stat } from "node:fs/promises";
import type { Stats } from "node:fs";
import type { IncomingMessage, ServerResponse } from "node:http";
import path from "node:path";
import { listDirectory, LISTING_TAIL, renderListingHead, renderListingLine } from "./autoindex";
import { parseByteRange } from "./byte-range";
import type { FaultKind, FaultPlan } from "./faults";
import type { RequestTarget } from "./resolve-target";
import { cutConnection, drained, sendFileRange } from "./send-body";
import { sendStatusPage } from "./status-page";
import type { UpstreamStats } from "./stats";
import type { Throttle } from "./throttle";

export type ServeContext = {
  throttle: Throttle | null;
  sliceBytes: number;
  faultPlan: FaultPlan;
  stats: UpstreamStats;
  /** Tells the request log which fault (if any) this response carried. */
  noteFault: (kind: FaultKind) => void;
};

const LISTING_BATCH = 500;

/** What nginx does once PhysioNet's Django has authorised a path (X-Accel-Redirect). */
export async function servePath({ req, res, target, ctx }: { req: IncomingMessage; res: ServerResponse; target: RequestTarget; ctx: ServeContext }): Promise<void> {
  const info = await stat(target.filePath).catch(() => null);
  if (!info) return sendStatusPage({ res, status: 404 });
  if (info.isDirectory()) {
    if (!target.trailingSlash) {
      // Django redirects a folder without its slash; wget follows.
      const url = new URL(req.url ?? "/", "http://upstream.invalid");
      res.writeHead(302, { Location: `${url.pathname}/${url.search}`, "Content-Length": 0 });
      res.end();
      return;
    }
    return serveListing({ req, res, target, ctx });
  }
  if (!info.isFile() || target.trailingSlash) return sendStatusPage({ res, status: 404 });
  return serveFile({ req, res, target, info, ctx });
}

async function serveListing({ req, res, target, ctx }: { req: IncomingMessage; res: ServerResponse; target: RequestTarget; ctx: ServeContext }): Promise<void> {
  const entries = await listDirectory({ directory: target.filePath });
  const inner = target.relativePath ? `${target.relativePath}/` : "";
  const title = `/protected/published-projects/${target.project.slug}/${target.project.version}/${inner}`;
  // No Content-Length (chunked), no Last-Modified, no ETag: what PhysioNet's listings carry.
  res.writeHead(200, { "Content-Type": "text/html" });
  if (req.method === "HEAD") return void res.end();
  let buffer = renderListingHead({ title });
  for (let i = 0; i < entries.length; i++) {
    const entry = entries[i];
    if (entry) buffer += renderListingLine({ entry });
    if ((i + 1) % LISTING_BATCH === 0) {
      if (!(await write(res, buffer, ctx))) return;
      buffer = "";
    }
  }
  buffer += LISTING_TAIL;
  if (await write(res, buffer, ctx)) res.end();
}

async function write(res: ServerResponse, text: string, ctx: ServeContext): Promise<boolean> {
  if (res.destroyed) return false;
  const bytes = Buffer.from(text);
  ctx.stats.bodyBytes += bytes.length;
  return res.write(bytes) || drained(res);
}

async function serveFile({ req, res, target, info, ctx }: { req: IncomingMessage; res: ServerResponse; target: RequestTarget; info: Stats; ctx: ServeContext }): Promise<void> {
  const lastModified = new Date(Math.floor(info.mtimeMs / 1000) * 1000);
  const etag = `"${Math.floor(info.mtimeMs / 1000).toString(16)}-${info.size.toString(16)}"`;
  const headers: Record<string, string | number> = {
    "Content-Type": contentType(target.filePath),
    "Last-Modified": lastModified.toUTCString(),
    ETag: etag,
    "Accept-Ranges": "bytes",
  };
  if (target.download) headers["Content-Disposition"] = `attachment; filename="${path.basename(target.filePath).replace(/"/g, "")}"`;

  // nginx's `if_modified_since exact`: what `wget -N` relies on to skip unchanged files.
  const ims = req.headers["if-modified-since"];
  if ((ims && Date.parse(ims) === lastModified.getTime()) || req.headers["if-none-match"] === etag) {
    res.writeHead(304, { "Last-Modified": headers["Last-Modified"] as string, ETag: etag });
    return void res.end();
  }

  let range = parseByteRange({ header: req.headers.range, size: info.size });
  // If-Range: resume only if the file is still the one the client started (else send it whole).
  const ifRange = typeof req.headers["if-range"] === "string" ? req.headers["if-range"] : undefined;
  if (range.kind !== "full" && ifRange && ifRange !== etag && Date.parse(ifRange) !== lastModified.getTime()) range = { kind: "full" };
  if (req.headers.range) ctx.stats.rangeRequests += 1;
  if (range.kind === "unsatisfiable") {
    res.writeHead(416, { "Content-Range": `bytes */${info.size}`, "Content-Length": 0 });
    return void res.end();
  }
  const start = range.kind === "partial" ? range.start : 0;
  const length = range.kind === "partial" ? range.end - range.start + 1 : info.size;
  if (range.kind === "partial") headers["Content-Range"] = `bytes ${range.start}-${range.end}/${info.size}`;
  headers["Content-Length"] = length;

  // An outage answers HEAD too; a broken body needs a body. Empty files have none to break.
  const isHead = req.method === "HEAD";
  const drawn = length > 0 || isHead ? ctx.faultPlan.next() : null;
  const fault = isHead && drawn !== "serviceUnavailable" && drawn !== "serverError" ? null : drawn;
  if (isHead && !fault) {
    res.writeHead(range.kind === "partial" ? 206 : 200, headers);
    return void res.end();
  }
  if (fault) {
    ctx.stats.faults[fault] += 1;
    ctx.noteFault(fault);
  }
  if (fault === "serviceUnavailable") return sendStatusPage({ res, status: 503 });
  if (fault === "serverError") return sendStatusPage({ res, status: 500 });

  res.writeHead(range.kind === "partial" ? 206 : 200, headers);
  // A broken body still promises the full Content-Length; the client must notice the shortfall.
  const broken = fault === "resetMidBody" || fault === "truncateBody";
  const sendLength = broken ? Math.floor(length / 2) : length;
  const sent = await sendFileRange({
    res,
    filePath: target.filePath,
    start,
    length: sendLength,
    throttle: ctx.throttle,
    sliceBytes: ctx.sliceBytes,
    corruptAt: fault === "corruptBody" ? Math.floor(length / 2) : null,
    onBytes: (bytes) => (ctx.stats.bodyBytes += bytes),
  });
  if (sent === "client-gone") return;
  if (broken) return cutConnection({ res, how: fault === "resetMidBody" ? "reset" : "close" });
  res.end();
}

const CONTENT_TYPES: Record<string, string> = {
  ".txt": "text/plain",
  ".csv": "text/csv",
  ".html": "text/html",
  ".json": "application/json",
  ".gz": "application/gzip",
  ".zip": "application/zip",
  ".pdf": "application/pdf",
  ".jpg": "image/jpeg",
  ".jpeg": "image/jpeg",
  ".png": "image/png",
  ".dcm": "application/dicom",
};

function contentType(filePath: string): string {
  return CONTENT_TYPES[path.extname(filePath).toLowerCase()] ?? "application/octet-stream";
}
