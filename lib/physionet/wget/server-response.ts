// Reads what `wget --server-response` (-S) prints on stderr: each response head, indented by two
// spaces, status line first. Everything else wget says (progress, errors, retries) is interleaved
// without that indent, so the indent is what separates the server's words from wget's.

export type ServerResponse = { status: number; reason: string; headers: [name: string, value: string][] };

const STATUS_LINE = /^ {2}HTTP\/\d(?:\.\d)? (\d{3})(?: (.*))?$/;
const HEADER_LINE = /^ {2}([!#$%&'*+.^_`|~0-9A-Za-z-]+):[ \t]*(.*)$/;

export function parseServerResponses({ lines }: { lines: readonly string[] }): ServerResponse[] {
  const responses: ServerResponse[] = [];
  let current: ServerResponse | null = null;
  for (const raw of lines) {
    const line = raw.replace(/\r$/, "");
    const status = STATUS_LINE.exec(line);
    if (status?.[1]) {
      current = { status: Number(status[1]), reason: (status[2] ?? "").trim(), headers: [] };
      responses.push(current);
      continue;
    }
    const header = current ? HEADER_LINE.exec(line) : null;
    if (current && header?.[1]) {
      current.headers.push([header[1], header[2] ?? ""]);
      continue;
    }
    current = null;
  }
  return responses;
}

export function headerValue({ response, name }: { response: ServerResponse; name: string }): string | undefined {
  const lower = name.toLowerCase();
  return response.headers.find(([n]) => n.toLowerCase() === lower)?.[1];
}
