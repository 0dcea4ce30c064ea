export type ByteRange =
  | { kind: "full" }
  | { kind: "partial"; start: number; end: number } // inclusive end, as in Content-Range
  | { kind: "unsatisfiable" };

/**
 * One `bytes=` range, the way nginx answers it: `a-b`, `a-` and `-n` give 206; a start at or past the
 * end gives 416; anything unparsable or several ranges fall back to the whole file (RFC 9110 lets a
 * server ignore Range; wget -c only ever sends `bytes=N-`).
 */
export function parseByteRange({ header, size }: { header: string | undefined; size: number }): ByteRange {
  if (!header) return { kind: "full" };
  const match = /^bytes=(\d*)-(\d*)$/.exec(header.trim());
  if (!match) return { kind: "full" };
  const [, startText = "", endText = ""] = match;
  if (startText === "" && endText === "") return { kind: "full" };
  if (startText === "") {
    const suffix = Number(endText);
    if (suffix === 0) return { kind: "unsatisfiable" };
    return size === 0 ? { kind: "unsatisfiable" } : { kind: "partial", start: Math.max(0, size - suffix), end: size - 1 };
  }
  const start = Number(startText);
  if (start >= size) return { kind: "unsatisfiable" };
  const end = endText === "" ? size - 1 : Math.min(Number(endText), size - 1);
  if (end < start) return { kind: "full" };
  return { kind: "partial", start, end };
}
