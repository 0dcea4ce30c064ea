import { Transform, type TransformCallback } from "node:stream";
import { ImportError } from "./import-error";

/**
 * Passes a CSV through without its first line, after checking that line is exactly the expected
 * header. PostgreSQL then parses the body itself (COPY … CSV), which is what keeps the import close
 * to a raw COPY in speed.
 */
export function stripCheckedHeader(opts: { file: string; header: readonly string[] }): Transform {
  let pending: Buffer | null = Buffer.alloc(0);
  return new Transform({
    transform(chunk: Buffer, _enc, done: TransformCallback) {
      if (pending === null) return done(null, chunk);
      pending = Buffer.concat([pending, chunk]);
      const nl = pending.indexOf(10);
      if (nl < 0) {
        if (pending.length > 64 * 1024) return done(new ImportError("no header line found", opts.file, 1));
        return done();
      }
      const line = pending.subarray(0, nl).toString("utf8").replace(/^\uFEFF/, "").replace(/\r$/, "");
      const found = line.split(",").map((c) => c.replace(/^"(.*)"$/, "$1"));
      if (found.length !== opts.header.length || found.some((c, i) => c !== opts.header[i])) {
        return done(new ImportError(`unexpected header "${line.slice(0, 200)}"; expected "${opts.header.join(",")}"`, opts.file, 1));
      }
      const rest = pending.subarray(nl + 1);
      pending = null;
      done(null, rest);
    },
    flush(done) {
      if (pending !== null) return done(new ImportError("the file is empty or has no header line", opts.file, 1));
      done();
    },
  });
}
