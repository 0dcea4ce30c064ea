import { describe, expect, it } from "vitest";
import { createLogger, errorFields } from "@/lib/log/logger";
import { scrub } from "@/lib/log/scrub";

function capture() {
  const lines: string[] = [];
  const logger = createLogger({ service: "web", destination: { write: (l: string) => void lines.push(l) } });
  return { logger, lines, parsed: () => lines.map((l) => JSON.parse(l) as Record<string, unknown>) };
}

describe("the log", () => {
  it("writes one JSON object per line: time, level, service, msg and the fields", () => {
    const { logger, lines, parsed } = capture();
    logger.info({ reqId: "r1", status: 200 }, "request");
    logger.error({ job: "download" }, "job");
    expect(lines).toHaveLength(2);
    for (const l of lines) expect(l.endsWith("\n") && !l.slice(0, -1).includes("\n")).toBe(true);
    expect(parsed()[0]).toMatchObject({ level: "info", service: "web", msg: "request", reqId: "r1", status: 200, time: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/) });
    expect(parsed()[1]).toMatchObject({ level: "error", msg: "job", job: "download" });
  });

  it("never writes a field named like a secret, at any of the first three levels", () => {
    const { logger, lines } = capture();
    logger.info({ password: "hunter2-pw", token: "tok-123456", user: { cookie: "sess-cookie-v", secret: "s3cr3t" }, a: { b: { authorization: "Basic QWxhZGRpbg==" } }, secretAccessKey: "AWSSECRETKEY" }, "oops");
    const text = lines.join("");
    for (const s of ["hunter2-pw", "tok-123456", "sess-cookie-v", "s3cr3t", "QWxhZGRpbg", "AWSSECRETKEY"]) expect(text).not.toContain(s);
    expect(text).toContain("[redacted]");
  });

  it("scrubs credentials out of text that came from elsewhere (error messages, URLs)", () => {
    const cases: [string, string][] = [
      ["GET https://alice:pa55word@physionet.org/files/x failed", "pa55word"],
      ["upstream said Authorization: Bearer eyJhbGciOi.abc.def", "eyJhbGciOi"],
      ["Basic YWxpY2U6cGFzcw== rejected", "YWxpY2U6cGFzcw"],
      ["token lgt_AbCdEf0123456789_xyz was revoked", "AbCdEf0123456789"],
      ["key AKIAIOSFODNN7EXAMPLE denied", "IOSFODNN7EXAMPLE"],
      ["/reset-password?token=abcdef123456&x=1", "abcdef123456"],
      ["/invite/Zm9vYmFyYmF6cXV4cXV1eA-_Zm9v", "Zm9vYmFyYmF6cXV4cXV1eA"],
    ];
    for (const [text, secret] of cases) expect(scrub(text), text).not.toContain(secret);
    // and leaves ordinary text alone
    expect(scrub("download 3 of 5 files verified in 12 ms")).toBe("download 3 of 5 files verified in 12 ms");
    const { logger, lines } = capture();
    logger.error(errorFields(new Error("connect https://bob:pw0rd123@example.org refused\n    at stack (file.ts:1:1)")), "job");
    expect(lines.join("")).not.toMatch(/pw0rd123|file\.ts/);
  });

  it("gives an error's first line, name and code, never its stack", () => {
    const e = Object.assign(new Error("disk full\nmore detail"), { code: "ENOSPC" });
    expect(errorFields(e)).toEqual({ err: "disk full", errName: "Error", errCode: "ENOSPC" });
    expect(errorFields("plain")).toEqual({ err: "plain" });
  });
});
