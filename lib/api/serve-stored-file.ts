import "server-only";
import { Readable } from "node:stream";
import { NextResponse } from "next/server";
import { recordAudit } from "@/lib/audit/record";
import type { CurrentUser } from "@/lib/auth/current-user";
import type { DatasetRef } from "@/lib/datasets/find-dataset";
import { getDb } from "@/lib/db/client";
import { contentTypeFor, findStoredFile } from "@/lib/downloads/read-file";
import { parseByteRange } from "@/lib/physionet/upstream/byte-range";
import { getStorage } from "@/lib/storage/get-storage";

// Nothing read from lab storage may be kept by a cache; always an attachment, never rendered.
const HEADERS = { "cache-control": "no-store, private", pragma: "no-cache", vary: "Cookie, Authorization", "x-content-type-options": "nosniff" };

/**
 * One verified file of the lab's copy of a dataset version, whole or one byte range, for a caller
 * the route has already authorized (access rule, token). Audited before the first byte, with the
 * token that asked; X-Labgate-Sha256 names the file's SHA-256 (no validators: nothing may be cached).
 */
export async function serveStoredFile(opts: { user: CurrentUser; dataset: DatasetRef; path: string; rangeHeader: string | null; ip: string | null; tokenId: string | null }): Promise<Response> {
  const file = await findStoredFile({ labId: opts.user.labId, datasetId: opts.dataset.id, path: opts.path });
  await recordAudit(getDb(), {
    action: "api.file_read",
    outcome: file ? "ok" : "failed",
    labId: opts.user.labId,
    actor: opts.user,
    ip: opts.ip,
    target: { type: "dataset_file", id: `${opts.dataset.slug}/${opts.dataset.version}/${opts.path}`.slice(0, 500) },
    details: {
      dataset: `${opts.dataset.slug}/${opts.dataset.version}`,
      ...(opts.tokenId ? { tokenId: opts.tokenId } : {}),
      ...(opts.rangeHeader ? { range: opts.rangeHeader.slice(0, 100) } : {}),
      ...(file ? {} : { reason: "not in lab storage" }),
    },
  });
  if (!file) return NextResponse.json({ error: "This file is not in lab storage." }, { status: 404, headers: HEADERS });
  const range = parseByteRange({ header: opts.rangeHeader ?? undefined, size: file.size });
  if (range.kind === "unsatisfiable") return new Response(null, { status: 416, headers: { ...HEADERS, "content-range": `bytes */${file.size}` } });
  const partial = range.kind === "partial" ? { start: range.start, end: range.end } : undefined;
  const body = await getStorage().openRead(file.storageKey, partial);
  if (!body) return NextResponse.json({ error: "This file is listed but missing from lab storage; a steward should check it." }, { status: 410, headers: HEADERS });
  const name = opts.path.split("/").pop()!.replace(/[^A-Za-z0-9._-]/g, "_");
  return new Response(Readable.toWeb(body as Readable) as ReadableStream<Uint8Array>, {
    status: partial ? 206 : 200,
    headers: {
      ...HEADERS,
      "content-type": contentTypeFor(opts.path),
      "content-length": String(partial ? partial.end - partial.start + 1 : file.size),
      "accept-ranges": "bytes",
      "x-labgate-sha256": file.sha256,
      "content-disposition": `attachment; filename="${name}"`,
      ...(partial ? { "content-range": `bytes ${partial.start}-${partial.end}/${file.size}` } : {}),
    },
  });
}
