import { createReadStream } from "node:fs";
import type { ServerResponse } from "node:http";
import { setTimeout as sleep } from "node:timers/promises";
import type { Throttle } from "./throttle";

export type SendResult = "complete" | "client-gone";

/**
 * Streams `length` bytes of a file from `start` (never the whole file in memory), paced by the
 * connection's throttle and honouring backpressure. Stops early if the client goes away.
 */
export async function sendFileRange({
  res,
  filePath,
  start,
  length,
  throttle,
  sliceBytes,
  corruptAt = null,
  onBytes,
}: {
  res: ServerResponse;
  filePath: string;
  start: number;
  length: number;
  throttle: Throttle | null;
  sliceBytes: number;
  /** Offset inside the sent range whose byte is inverted (the corrupted-body fault). */
  corruptAt?: number | null;
  onBytes: (bytes: number) => void;
}): Promise<SendResult> {
  if (length <= 0) return "complete";
  const stream = createReadStream(filePath, { start, end: start + length - 1, highWaterMark: Math.max(sliceBytes, 16 * 1024) });
  let position = 0;
  try {
    for await (const chunk of stream as AsyncIterable<Buffer>) {
      if (corruptAt !== null && corruptAt >= position && corruptAt < position + chunk.length) {
        chunk[corruptAt - position] = (chunk[corruptAt - position] ?? 0) ^ 0xff;
      }
      position += chunk.length;
      for (let offset = 0; offset < chunk.length; offset += sliceBytes) {
        const slice = chunk.subarray(offset, offset + sliceBytes);
        if (throttle) await throttle.take(slice.length);
        if (res.destroyed) return "client-gone";
        const flushed = res.write(slice);
        onBytes(slice.length);
        if (!flushed && !(await drained(res))) return "client-gone";
      }
    }
  } finally {
    stream.destroy();
  }
  return "complete";
}

/** Resolves true on 'drain', false if the connection closes first (so a dead client never hangs us). */
export function drained(res: ServerResponse): Promise<boolean> {
  return new Promise((resolve) => {
    const onDrain = () => done(true);
    const onClose = () => done(false);
    const done = (value: boolean) => {
      res.off("drain", onDrain);
      res.off("close", onClose);
      resolve(value);
    };
    res.on("drain", onDrain);
    res.on("close", onClose);
  });
}

/**
 * Ends a connection in the middle of a response: "close" flushes what was written and sends FIN (a
 * truncated body), "reset" sends RST once the written bytes have left the process.
 */
export async function cutConnection({ res, how }: { res: ServerResponse; how: "close" | "reset" }): Promise<void> {
  const socket = res.socket;
  if (!socket || socket.destroyed) return;
  if (how === "close") {
    socket.end();
    return;
  }
  if (socket.writableLength > 0) {
    await new Promise<void>((resolve) => {
      socket.once("drain", resolve);
      socket.once("close", resolve);
    });
  }
  // Give loopback a moment to deliver the bytes, or the RST may overtake them.
  await sleep(20);
  if (socket.destroyed) return;
  try {
    socket.resetAndDestroy();
  } catch {
    // A TLS socket has no TCP handle of its own; dropping it without close_notify is the TLS equivalent.
    socket.destroy();
  }
}
