import { randomBytes } from "node:crypto";
import type { Readable } from "node:stream";

export type Part = { contentType: string; location?: string; body: Uint8Array | (() => Promise<Readable | null>) };

/**
 * A multipart/related body (RFC 2387, PS3.18 8.7.1): each part's bytes (a stored file streamed as it
 * is read, so a 30 MB instance is never held whole) between `--boundary` lines. Parts are opened one
 * after another, when the client has read the previous one.
 */
export function multipartRelated(type: string, parts: Part[]): { contentType: string; body: ReadableStream<Uint8Array> } {
  const boundary = `labgate-${randomBytes(12).toString("hex")}`;
  const enc = (s: string) => new TextEncoder().encode(s);
  async function* chunks(): AsyncGenerator<Uint8Array> {
    for (const part of parts) {
      yield enc(`--${boundary}\r\nContent-Type: ${part.contentType}\r\n${part.location ? `Content-Location: ${part.location}\r\n` : ""}\r\n`);
      if (part.body instanceof Uint8Array) yield part.body;
      else {
        const stream = await part.body();
        if (!stream) throw new Error("a stored file went missing while it was being sent");
        for await (const c of stream) yield c as Uint8Array;
      }
      yield enc("\r\n");
    }
    yield enc(`--${boundary}--\r\n`);
  }
  const iterator = chunks();
  const body = new ReadableStream<Uint8Array>({
    async pull(controller) {
      const { value, done } = await iterator.next();
      if (done) controller.close();
      else controller.enqueue(value);
    },
    async cancel() {
      await iterator.return(undefined);
    },
  });
  return { contentType: `multipart/related; type="${type}"; boundary=${boundary}`, body };
}
