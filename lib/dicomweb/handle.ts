import "server-only";
import { NextResponse } from "next/server";
import { auditApiRead } from "@/lib/api/audit-read";
import type { CurrentUser } from "@/lib/auth/current-user";
import type { CallerToken } from "@/lib/auth/request-caller";
import type { DatasetRef } from "@/lib/datasets/find-dataset";
import { assertMultipartAcceptable, parseAccept } from "./accept";
import type { Level } from "./attributes";
import { DicomwebError } from "./errors";
import { ensureIndexed } from "./instance-index";
import { multipartRelated } from "./multipart";
import { parseQidoQuery, runQido } from "./qido";
import { findInstances, frameParts, instanceMetadata, instanceParts, parseFrameList, renderInstance, type InstanceRef, type RenderOptions } from "./wado";

// Nothing DICOMweb answers may be kept by a cache (DUA): every answer is private and no-store.
const HEADERS = { "cache-control": "no-store, private", pragma: "no-cache", vary: "Cookie, Authorization, Accept", "x-content-type-options": "nosniff" };
const UID = /^[0-9.]{1,64}$/;

export type DicomwebRequest = { req: Request; user: CurrentUser; dataset: DatasetRef; token: CallerToken | null; ip: string | null; path: string[] };

/** The base URL clients were given: /api/dicomweb/{slug}/{version} on the host they asked. */
function baseUrl(req: Request, dataset: DatasetRef): string {
  return `${new URL(req.url).origin}/api/dicomweb/${encodeURIComponent(dataset.slug)}/${encodeURIComponent(dataset.version)}`;
}

/**
 * One DICOMweb request (QIDO-RS search, WADO-RS retrieve), after the route has asked the access rule.
 * Audited once per request before any data leaves: `dicomweb.search` with the query and the number
 * of matches, `dicomweb.retrieve` with what was asked for and the instances it covered.
 */
export async function handleDicomweb(r: DicomwebRequest): Promise<Response> {
  try {
    return await dispatch(r);
  } catch (e) {
    if (e instanceof DicomwebError) return NextResponse.json({ error: e.message }, { status: e.status, headers: HEADERS });
    throw e;
  }
}

async function dispatch(r: DicomwebRequest): Promise<Response> {
  const p = r.path;
  if (p.length === 0) throw new DicomwebError(404, "Ask for /studies, /series or /instances under this base URL");
  if (p[0] === "series" && p.length === 1) return search(r, "series", {});
  if (p[0] === "instances" && p.length === 1) return search(r, "instances", {});
  if (p[0] !== "studies") throw new DicomwebError(404, `Unknown DICOMweb resource /${p[0]}`);
  if (p.length === 1) return search(r, "studies", {});
  const study = uid(p[1]!);
  if (p.length === 2) return retrieve(r, { studyUid: study }, "study");
  if (p.length === 3 && p[2] === "series") return search(r, "series", { studyUid: study });
  if (p.length === 3 && p[2] === "instances") return search(r, "instances", { studyUid: study });
  if (p.length === 3 && p[2] === "metadata") return metadata(r, { studyUid: study }, "study");
  if (p[2] !== "series" || p.length < 4) throw new DicomwebError(404, "Unknown DICOMweb resource");
  const series = uid(p[3]!);
  if (p.length === 4) return retrieve(r, { studyUid: study, seriesUid: series }, "series");
  if (p.length === 5 && p[4] === "instances") return search(r, "instances", { studyUid: study, seriesUid: series });
  if (p.length === 5 && p[4] === "metadata") return metadata(r, { studyUid: study, seriesUid: series }, "series");
  if (p[4] !== "instances" || p.length < 6) throw new DicomwebError(404, "Unknown DICOMweb resource");
  const scope = { studyUid: study, seriesUid: series, sopUid: uid(p[5]!) };
  if (p.length === 6) return retrieve(r, scope, "instance");
  if (p.length === 7 && p[6] === "metadata") return metadata(r, scope, "instance");
  if (p.length === 7 && p[6] === "rendered") return rendered(r, scope, 1);
  if (p[6] === "frames" && p.length === 8) return frames(r, scope, parseFrameList(p[7]!));
  if (p[6] === "frames" && p.length === 9 && p[8] === "rendered") {
    const list = parseFrameList(p[7]!);
    if (list.length !== 1) throw new DicomwebError(400, "A rendered frame is one frame, e.g. frames/1/rendered");
    return rendered(r, scope, list[0]!);
  }
  throw new DicomwebError(404, "Unknown DICOMweb resource");
}

function uid(s: string): string {
  if (!UID.test(s)) throw new DicomwebError(400, "A DICOM UID is digits and dots, at most 64 characters");
  return s;
}

async function search(r: DicomwebRequest, level: Level, scope: { studyUid?: string; seriesUid?: string }): Promise<Response> {
  const accept = parseAccept(r.req.headers.get("accept"));
  if (accept.length > 0 && !accept.some((a) => ["application/dicom+json", "application/json", "*/*", "application/*"].includes(a.type))) {
    throw new DicomwebError(406, "Search results are application/dicom+json");
  }
  const url = new URL(r.req.url);
  const query = await parseQidoQuery(level, url.searchParams);
  await ensureIndexed({ labId: r.user.labId, datasetId: r.dataset.id });
  const { results, more } = await runQido({ labId: r.user.labId, datasetId: r.dataset.id, ...scope }, query, baseUrl(r.req, r.dataset));
  await auditApiRead({
    action: "dicomweb.search",
    user: r.user,
    token: r.token,
    ip: r.ip,
    target: scope.studyUid ? { type: "dicom_study", id: scope.studyUid } : undefined,
    details: { dataset: `${r.dataset.slug}/${r.dataset.version}`, level, ...scope, query: query.describe, results: results.length, offset: query.offset },
  });
  const headers: Record<string, string> = { ...HEADERS, "content-type": "application/dicom+json" };
  // PS3.18 8.3.4.4: more matches than returned is said in a Warning header.
  if (more) headers.warning = `299 labgate: "There are more matches than limit=${query.limit}; ask again with offset=${query.offset + query.limit}"`;
  return new Response(JSON.stringify(results), { status: 200, headers });
}

type Scope = { studyUid: string; seriesUid?: string; sopUid?: string };
type What = "study" | "series" | "instance";

async function located(r: DicomwebRequest, scope: Scope, kind: string): Promise<InstanceRef[]> {
  await ensureIndexed({ labId: r.user.labId, datasetId: r.dataset.id });
  const instances = await findInstances({ labId: r.user.labId, datasetId: r.dataset.id, ...scope });
  if (instances.length === 0) {
    await audit(r, scope, kind, [], "failed");
    throw new DicomwebError(404, `No such ${scope.sopUid ? "instance" : scope.seriesUid ? "series" : "study"} in this lab's copy of ${r.dataset.slug} ${r.dataset.version}`);
  }
  return instances;
}

function audit(r: DicomwebRequest, scope: Scope, kind: string, instances: InstanceRef[], outcome: "ok" | "failed" = "ok", extra: Record<string, unknown> = {}) {
  const target = scope.sopUid ? { type: "dicom_instance", id: scope.sopUid } : scope.seriesUid ? { type: "dicom_series", id: scope.seriesUid } : { type: "dicom_study", id: scope.studyUid };
  return auditApiRead({
    action: "dicomweb.retrieve",
    user: r.user,
    token: r.token,
    ip: r.ip,
    target,
    details: {
      dataset: `${r.dataset.slug}/${r.dataset.version}`,
      kind,
      ...scope,
      instances: instances.length,
      // The files themselves, so the log says which of the dataset's files were read (first 50).
      paths: instances.slice(0, 50).map((i) => i.path),
      ...extra,
      ...(outcome === "failed" ? { outcome: "not found" } : {}),
    },
  });
}

async function retrieve(r: DicomwebRequest, scope: Scope, what: What): Promise<Response> {
  const instances = await located(r, scope, what);
  assertMultipartAcceptable(parseAccept(r.req.headers.get("accept")), ["application/dicom"], instances.map((i) => i.transferSyntax));
  await audit(r, scope, what, instances);
  const { contentType, body } = multipartRelated("application/dicom", instanceParts(instances, baseUrl(r.req, r.dataset)));
  return new Response(body, { status: 200, headers: { ...HEADERS, "content-type": contentType } });
}

async function metadata(r: DicomwebRequest, scope: Scope, what: What): Promise<Response> {
  const accept = parseAccept(r.req.headers.get("accept"));
  if (accept.length > 0 && !accept.some((a) => ["application/dicom+json", "application/json", "*/*", "application/*"].includes(a.type))) {
    throw new DicomwebError(406, "Metadata is application/dicom+json (XML is not offered)");
  }
  const instances = await located(r, scope, `${what}-metadata`);
  const json = await instanceMetadata(instances, baseUrl(r.req, r.dataset));
  await audit(r, scope, `${what}-metadata`, instances);
  return new Response(JSON.stringify(json), { status: 200, headers: { ...HEADERS, "content-type": "application/dicom+json" } });
}

async function frames(r: DicomwebRequest, scope: Scope, list: number[]): Promise<Response> {
  const [instance] = await located(r, scope, "frames");
  const { partType, transferSyntax, parts } = await frameParts(instance!, list);
  assertMultipartAcceptable(parseAccept(r.req.headers.get("accept")), [partType, "application/octet-stream"].filter((t, i, a) => a.indexOf(t) === i), [transferSyntax]);
  await audit(r, scope, "frames", [instance!], "ok", { frames: list.slice(0, 50) });
  const { contentType, body } = multipartRelated(partType, parts);
  return new Response(body, { status: 200, headers: { ...HEADERS, "content-type": `${contentType}; transfer-syntax=${transferSyntax}` } });
}

async function rendered(r: DicomwebRequest, scope: Scope, frame: number): Promise<Response> {
  const url = new URL(r.req.url);
  const wanted = [url.searchParams.get("accept"), r.req.headers.get("accept")].filter(Boolean).join(",");
  const types = parseAccept(wanted).map((a) => a.type);
  // JPEG unless PNG is asked for first (PS3.18 8.7.4: image/jpeg is the default rendered type).
  const known = types.filter((t) => ["image/jpeg", "image/png", "*/*", "image/*"].includes(t));
  if (types.length > 0 && known.length === 0) throw new DicomwebError(406, "Rendered images are image/jpeg or image/png");
  const type: RenderOptions["type"] = known[0] === "image/png" ? "image/png" : "image/jpeg";
  const opts: RenderOptions = { frame, type, window: windowParam(url.searchParams.get("window")), viewport: viewportParam(url.searchParams.get("viewport")), quality: qualityParam(url.searchParams.get("quality")) };
  const [instance] = await located(r, scope, "rendered");
  const image = await renderInstance(instance!, opts);
  await audit(r, scope, "rendered", [instance!], "ok", { frame, type });
  return new Response(new Uint8Array(image), { status: 200, headers: { ...HEADERS, "content-type": type, "content-length": String(image.length) } });
}

function windowParam(v: string | null): RenderOptions["window"] {
  if (!v) return undefined;
  const [c, w, fn] = v.split(",");
  const center = Number(c);
  const width = Number(w);
  const fnName = fn?.toUpperCase();
  if (!Number.isFinite(center) || !Number.isFinite(width) || width <= 0 || (fnName && !["LINEAR", "LINEAR_EXACT", "SIGMOID"].includes(fnName))) {
    throw new DicomwebError(400, "window is center,width[,function], e.g. window=2048,4096,linear");
  }
  return { center, width, ...(fnName ? { fn: fnName as "LINEAR" } : {}) };
}

function viewportParam(v: string | null): RenderOptions["viewport"] {
  if (!v) return undefined;
  const [w, h] = v.split(",").map(Number);
  if (!Number.isInteger(w) || !Number.isInteger(h) || w! < 1 || h! < 1 || w! > 8192 || h! > 8192) throw new DicomwebError(400, "viewport is width,height in pixels, e.g. viewport=512,512");
  return { width: w!, height: h! };
}

function qualityParam(v: string | null): number | undefined {
  if (!v) return undefined;
  const q = Number(v);
  if (!Number.isInteger(q) || q < 1 || q > 100) throw new DicomwebError(400, "quality is 1 to 100");
  return q;
}
