import type { ServerResponse } from "node:http";

const REASONS: Record<number, string> = {
  401: "Unauthorized",
  403: "Forbidden",
  404: "Not Found",
  405: "Not Allowed",
  429: "Too Many Requests",
  500: "Internal Server Error",
  503: "Service Temporarily Unavailable",
};

/** A small HTML error page in nginx's shape; HEAD gets the headers only. */
export function sendStatusPage({ res, status, headers = {} }: { res: ServerResponse; status: number; headers?: Record<string, string> }): void {
  const reason = REASONS[status] ?? "Error";
  const body =
    status === 401 ? "" : `<html>\r\n<head><title>${status} ${reason}</title></head>\r\n<body>\r\n<center><h1>${status} ${reason}</h1></center>\r\n<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n`;
  res.writeHead(status, { ...headers, "Content-Type": "text/html", "Content-Length": Buffer.byteLength(body) });
  res.end(res.req.method === "HEAD" ? undefined : body);
}
