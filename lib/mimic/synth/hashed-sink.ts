import { createHash } from "node:crypto";
import { once } from "node:events";
import { createWriteStream } from "node:fs";
import { PassThrough, Transform, type Duplex } from "node:stream";
import { pipeline } from "node:stream/promises";
import { createGzip } from "node:zlib";

/**
 * A file written as a stream (gzipped or not) whose SHA-256 is taken from the bytes on their way
 * to disk, so SHA256SUMS.txt needs no second read. Text is batched into ~256 KB chunks: one write
 * per CSV line would cost more than generating the line.
 */
export type SinkResult = { sha256: string; bytes: number };

const BATCH_CHARS = 256 * 1024;

export class HashedSink {
  private readonly head: Duplex;
  private readonly done: Promise<void>;
  private readonly hash = createHash("sha256");
  private bytes = 0;
  private pending: string[] = [];
  private pendingChars = 0;

  constructor(file: string, opts: { gzip: boolean }) {
    this.head = opts.gzip ? createGzip({ level: 6, chunkSize: 1 << 16 }) : new PassThrough({ highWaterMark: 1 << 20 });
    const tap = new Transform({
      transform: (chunk: Buffer, _enc, callback) => {
        this.hash.update(chunk);
        this.bytes += chunk.length;
        callback(null, chunk);
      },
    });
    this.done = pipeline(this.head, tap, createWriteStream(file, { highWaterMark: 1 << 20 }));
    // Errors surface from drain() and close(); this keeps them from being unhandled meanwhile.
    this.done.catch(() => {});
  }

  /** Appends text (whole CSV lines, newline included). */
  text(chunk: string): void {
    this.pending.push(chunk);
    this.pendingChars += chunk.length;
    if (this.pendingChars >= BATCH_CHARS) this.flush();
  }

  buffer(chunk: Buffer): void {
    this.flush();
    this.head.write(chunk);
  }

  private flush(): void {
    if (this.pendingChars === 0) return;
    this.head.write(this.pending.join(""));
    this.pending = [];
    this.pendingChars = 0;
  }

  /** Waits while the disk (or gzip) is behind, so memory stays bounded whatever the file size. */
  async drain(): Promise<void> {
    if (this.head.writableNeedDrain) await Promise.race([once(this.head, "drain"), this.done]);
  }

  async close(): Promise<SinkResult> {
    this.flush();
    this.head.end();
    await this.done;
    return { sha256: this.hash.digest("hex"), bytes: this.bytes };
  }
}
