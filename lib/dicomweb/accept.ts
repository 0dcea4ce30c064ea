import { DicomwebError } from "./errors";

export type MediaRange = { type: string; params: Record<string, string> };

/** The Accept header's media ranges with their parameters (quotes removed); empty means anything. */
export function parseAccept(header: string | null): MediaRange[] {
  if (!header) return [];
  return header
    .split(",")
    .map((range) => {
      const [type = "", ...rest] = range.split(";").map((s) => s.trim());
      const params: Record<string, string> = {};
      for (const p of rest) {
        const i = p.indexOf("=");
        if (i > 0) params[p.slice(0, i).trim().toLowerCase()] = p.slice(i + 1).trim().replace(/^"|"$/g, "");
      }
      return { type: type.toLowerCase(), params };
    })
    .filter((r) => r.type !== "");
}

/**
 * Whether a multipart/related answer of parts `partType` in `transferSyntax` is acceptable. labgate
 * serves files as they are stored (no transcoding), so a request for another transfer syntax gets 406.
 */
export function assertMultipartAcceptable(ranges: MediaRange[], partTypes: string[], transferSyntaxes: string[]): void {
  if (ranges.length === 0) return;
  const ok = ranges.some((r) => {
    if (r.type === "*/*") return true;
    if (r.type !== "multipart/related" && !partTypes.includes(r.type)) return false;
    const type = r.type === "multipart/related" ? (r.params.type ?? partTypes[0]!).toLowerCase() : r.type;
    if (!partTypes.includes(type) && !(type.endsWith("/*") && partTypes.some((p) => p.startsWith(type.slice(0, -1))))) return false;
    const ts = r.params["transfer-syntax"];
    return !ts || ts === "*" || transferSyntaxes.every((t) => t === ts);
  });
  if (!ok) {
    throw new DicomwebError(406, `labgate sends the files as stored (${partTypes.join(", ")}; transfer syntax ${[...new Set(transferSyntaxes)].join(", ")}) and does not transcode; accept that, or transfer-syntax=*`);
  }
}
