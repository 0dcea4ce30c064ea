import { execFile } from "node:child_process";
import fs, { constants } from "node:fs";
import net from "node:net";
import { setTimeout as sleep } from "node:timers/promises";
import { promisify } from "node:util";

// Secrets reach wget through named pipes (FIFOs) in its private folder: a FIFO is a name on disk,
// but what passes through it lives only in the kernel's pipe buffer, and is gone when both ends
// close — so a crash strands an empty FIFO, never a password. (An anonymous pipe would be better
// still, but wget 1.21 accepts only a regular file for --config, and Node's "pipe" stdio is a
// socket that /dev/fd/N cannot reopen; wget does read ~/.netrc, --load-cookies and --input-file
// from a FIFO.)

const execFileAsync = promisify(execFile);
const openFd = promisify(fs.open);
const closeFd = promisify(fs.close);
const FAST_POLL_MS = 3;
const FAST_POLL_FOR_MS = 2_000;

/** Creates 0600 FIFOs (coreutils' mkfifo: Node has no mkfifo of its own). */
export async function makeFifos(paths: string[]): Promise<void> {
  if (paths.length === 0) return;
  await execFileAsync("mkfifo", ["-m", "600", "--", ...paths], { timeout: 10_000 });
}

/**
 * Hands `content` to the process that opens `fifoPath` for reading, once, then closes the pipe so
 * it sees the end. Waits for that open by trying a non-blocking open for writing (which fails with
 * ENXIO while nobody reads); gives up when `ended` resolves (the process exited without reading).
 * Resolves true if the content was handed over.
 */
export async function feedFifo(fifoPath: string, content: string, ended: Promise<unknown>): Promise<boolean> {
  let done = false;
  void ended.then(() => (done = true));
  const started = Date.now();
  // wget opens its FIFOs within its first moments (the list at start, the jar and the .netrc at its
  // first request) and blocks until we open our end: a doubling pause here (2, 4, … 100 ms) was paid
  // again by every wget a lane starts. Poll briskly while wget starts, then back off.
  for (let wait = FAST_POLL_MS; ; wait = Date.now() - started < FAST_POLL_FOR_MS ? FAST_POLL_MS : Math.min(wait * 2, 100)) {
    let fd: number;
    try {
      fd = await openFd(fifoPath, constants.O_WRONLY | constants.O_NONBLOCK);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== "ENXIO" || done) return false;
      await sleep(wait);
      continue;
    }
    // A pipe socket writes as the reader drains, without blocking the event loop.
    const pipe = new net.Socket({ fd, readable: false, writable: true });
    return new Promise<boolean>((resolve) => {
      pipe.on("error", () => {
        pipe.destroy();
        resolve(false);
      });
      pipe.end(content, () => {
        // Closing our end is what tells the reader it has everything.
        pipe.destroy();
        resolve(true);
      });
    });
  }
}

/**
 * Reads what a process writes to `fifoPath` (wget's --save-cookies). Holds a write end of its own
 * so the reader does not see an end before the process opened the pipe; `finish()` (after the
 * process exited) drops it and resolves with everything written.
 */
export async function collectFifo(fifoPath: string): Promise<{ finish(): Promise<string> }> {
  const readFd = await openFd(fifoPath, constants.O_RDONLY | constants.O_NONBLOCK);
  const holdFd = await openFd(fifoPath, constants.O_WRONLY | constants.O_NONBLOCK);
  const pipe = new net.Socket({ fd: readFd, readable: true, writable: false });
  const chunks: Buffer[] = [];
  pipe.on("data", (chunk: Buffer) => chunks.push(chunk));
  const ended = new Promise<string>((resolve) => {
    pipe.on("end", () => resolve(Buffer.concat(chunks).toString("utf8")));
    pipe.on("error", () => resolve(Buffer.concat(chunks).toString("utf8")));
  });
  return {
    async finish() {
      await closeFd(holdFd).catch(() => {});
      return ended;
    },
  };
}
