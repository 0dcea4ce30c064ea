import http from "node:http";
import https from "node:https";

export type RawResponse = { status: number; headers: http.IncomingHttpHeaders; body: Buffer; error: string | null };

/**
 * One request with exactly the headers given (no default User-Agent), reporting a broken body
 * instead of throwing, so tests can look at what a fault did to the bytes.
 */
export function rawRequest({
  url,
  method = "GET",
  headers = {},
  ca,
}: {
  url: string;
  method?: string;
  headers?: Record<string, string>;
  ca?: string;
}): Promise<RawResponse> {
  const target = new URL(url);
  const client = target.protocol === "https:" ? https : http;
  return new Promise((resolve, reject) => {
    const req = client.request(target, { method, headers, ca, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      let error: string | null = null;
      res.on("data", (chunk: Buffer) => chunks.push(chunk));
      res.on("error", (e) => (error = e.message));
      res.on("aborted", () => (error ??= "aborted"));
      res.on("close", () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks), error: error ?? (res.complete ? null : "incomplete") }));
    });
    req.on("error", reject);
    req.end();
  });
}
