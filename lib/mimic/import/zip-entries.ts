import { open, type FileHandle } from "node:fs/promises";
import { constants, createInflateRaw, inflateRawSync } from "node:zlib";
import { ImportError } from "./import-error";

/**
 * Reads a zip archive's entries in file order: the central directory once (ZIP64 included: the real
 * reports archive has 227,835 entries), then the file front to back in large reads, each wanted
 * entry inflated in one synchronous call on one reused zlib stream. yauzl did the same work with
 * several small reads, a read stream and a new zlib stream per entry, ~0.8 ms each: 185 s for the
 * reports archive that `unzip -p` reads in 1.5 s.
 *
 * Every entry has a bound: one that says, or turns out, to be larger is refused before or while it
 * is inflated, never held whole in memory (a 1 GiB entry of zeros is ~1 MB compressed).
 */
export type ZipEntry = { name: string; method: number; flags: number; compressedSize: number; size: number; offset: number };

const EOCD = 0x06054b50;
const ZIP64_LOCATOR = 0x07064b50;
const ZIP64_EOCD = 0x06064b50;
const CENTRAL = 0x02014b50;
const LOCAL = 0x04034b50;
const WINDOW = 8 << 20;
// The central directory is held in memory: ~90 bytes an entry, so 256 MiB is ~3 million entries.
const MAX_CENTRAL_DIRECTORY = 256 << 20;

async function readAt(fh: FileHandle, position: number, length: number): Promise<Buffer> {
  const buf = Buffer.allocUnsafe(length);
  let done = 0;
  while (done < length) {
    const { bytesRead } = await fh.read(buf, done, length - done, position + done);
    if (bytesRead === 0) break;
    done += bytesRead;
  }
  return done === length ? buf : buf.subarray(0, done);
}

async function centralDirectory(fh: FileHandle, fileSize: number, name: string): Promise<ZipEntry[]> {
  const damaged = (why: string) => new ImportError(`not a readable zip archive (${why})`, name);
  const tailLength = Math.min(fileSize, 22 + 0xffff);
  const tail = await readAt(fh, fileSize - tailLength, tailLength);
  let eocd = -1;
  for (let i = tail.length - 22; i >= 0; i--) {
    if (tail.readUInt32LE(i) === EOCD) {
      eocd = i;
      break;
    }
  }
  if (eocd < 0) throw damaged("no end of central directory record");
  let count = tail.readUInt16LE(eocd + 10);
  let cdSize = tail.readUInt32LE(eocd + 12);
  let cdOffset = tail.readUInt32LE(eocd + 16);
  if (count === 0xffff || cdSize === 0xffffffff || cdOffset === 0xffffffff) {
    const locatorAt = eocd - 20;
    if (locatorAt < 0 || tail.readUInt32LE(locatorAt) !== ZIP64_LOCATOR) throw damaged("ZIP64 locator missing");
    const z64Offset = Number(tail.readBigUInt64LE(locatorAt + 8));
    const z64 = await readAt(fh, z64Offset, 56);
    if (z64.length < 56 || z64.readUInt32LE(0) !== ZIP64_EOCD) throw damaged("ZIP64 end record missing");
    count = Number(z64.readBigUInt64LE(32));
    cdSize = Number(z64.readBigUInt64LE(40));
    cdOffset = Number(z64.readBigUInt64LE(48));
  }
  if (cdOffset + cdSize > fileSize) throw damaged("the central directory lies past the end of the file");
  if (cdSize > MAX_CENTRAL_DIRECTORY) throw new ImportError(`its central directory is ${cdSize.toLocaleString("en-US")} bytes, more than labgate reads (${MAX_CENTRAL_DIRECTORY.toLocaleString("en-US")})`, name);
  const cd = await readAt(fh, cdOffset, cdSize);
  const entries: ZipEntry[] = new Array<ZipEntry>(count);
  let p = 0;
  for (let n = 0; n < count; n++) {
    if (p + 46 > cd.length || cd.readUInt32LE(p) !== CENTRAL) throw damaged(`central directory entry ${n + 1} is damaged`);
    const nameLength = cd.readUInt16LE(p + 28);
    const extraLength = cd.readUInt16LE(p + 30);
    const commentLength = cd.readUInt16LE(p + 32);
    let compressedSize = cd.readUInt32LE(p + 20);
    let size = cd.readUInt32LE(p + 24);
    let offset = cd.readUInt32LE(p + 42);
    const extraStart = p + 46 + nameLength;
    if (size === 0xffffffff || compressedSize === 0xffffffff || offset === 0xffffffff) {
      // ZIP64 extended information: the 64-bit values of exactly the fields set to 0xffffffff, in this order.
      for (let e = extraStart; e + 4 <= extraStart + extraLength; ) {
        const id = cd.readUInt16LE(e);
        const len = cd.readUInt16LE(e + 2);
        if (id === 0x0001) {
          let q = e + 4;
          if (size === 0xffffffff) {
            size = Number(cd.readBigUInt64LE(q));
            q += 8;
          }
          if (compressedSize === 0xffffffff) {
            compressedSize = Number(cd.readBigUInt64LE(q));
            q += 8;
          }
          if (offset === 0xffffffff) offset = Number(cd.readBigUInt64LE(q));
          break;
        }
        e += 4 + len;
      }
    }
    entries[n] = {
      name: cd.toString("utf8", p + 46, p + 46 + nameLength),
      flags: cd.readUInt16LE(p + 8),
      method: cd.readUInt16LE(p + 10),
      compressedSize,
      size,
      offset,
    };
    p = extraStart + extraLength + commentLength;
  }
  return entries;
}

type ZlibHandle = { writeSync: (...args: unknown[]) => void; reset: () => void; onerror: unknown };
class TooLarge extends Error {}

/**
 * Inflates many small raw-deflate buffers with one zlib stream, reset between them. inflateRawSync
 * builds and tears down a zlib stream per call (~20 µs of CPU, 5× the inflating of a 1.4 KB
 * report); this drives the handle of one InflateRaw as inflateRawSync itself does, minus the
 * set-up. Those are Node internals, so their presence is checked, and without them every buffer
 * goes through inflateRawSync (same results, slower).
 */
class RawInflater {
  private readonly engine = createInflateRaw();
  private readonly handle: ZlibHandle | null;
  private readonly state: Uint32Array | null;
  private readonly out: Buffer;
  private error: Error | null = null;

  constructor(private readonly maxBytes: number) {
    const internals = this.engine as unknown as { _handle?: ZlibHandle; _writeState?: unknown };
    const handle = internals._handle;
    const usable = handle && typeof handle.writeSync === "function" && typeof handle.reset === "function" && internals._writeState instanceof Uint32Array;
    this.handle = usable ? handle : null;
    this.state = usable ? (internals._writeState as Uint32Array) : null;
    if (this.handle) this.handle.onerror = (message: string) => void (this.error = new Error(message));
    // One byte more than the bound: output that fills it is past the bound.
    this.out = Buffer.allocUnsafe(usable ? maxBytes + 1 : 0);
  }

  inflate(input: Buffer<ArrayBufferLike>): Buffer<ArrayBufferLike> {
    if (!this.handle || !this.state) {
      try {
        return inflateRawSync(input, { maxOutputLength: this.maxBytes });
      } catch (e) {
        if ((e as { code?: string }).code === "ERR_BUFFER_TOO_LARGE") throw new TooLarge();
        throw e;
      }
    }
    this.handle.writeSync(constants.Z_FINISH, input, 0, input.length, this.out, 0, this.out.length);
    if (this.error) throw this.error;
    const availOut = this.state[0]!;
    if (availOut === 0) throw new TooLarge();
    const data = Buffer.from(this.out.subarray(0, this.out.length - availOut));
    this.handle.reset();
    return data;
  }

  close(): void {
    this.engine.close();
  }
}

/**
 * Yields the wanted entries' contents in file order. `maxBytes` bounds an entry's inflated size;
 * `want` sees the name before anything of the entry is read.
 */
export async function* readZipEntries(opts: { path: string; name: string; maxBytes: number; want: (entryName: string) => boolean; onBytes?: (n: number) => void }): AsyncGenerator<{ entry: ZipEntry; data: Buffer<ArrayBufferLike> }> {
  const fh = await open(opts.path, "r").catch((e: Error) => {
    throw new ImportError(`cannot open it (${e.message})`, opts.name);
  });
  const inflater = new RawInflater(opts.maxBytes);
  try {
    const fileSize = (await fh.stat()).size;
    const wanted = (await centralDirectory(fh, fileSize, opts.name)).filter((e) => opts.want(e.name)).sort((a, b) => a.offset - b.offset);
    const bound = `${opts.maxBytes.toLocaleString("en-US")} bytes`;
    const tooLarge = (e: ZipEntry, what: string) => new ImportError(`${e.name} ${what}, more than the ${bound} an entry may have; refused`, opts.name);
    let window: Buffer<ArrayBufferLike> = Buffer.alloc(0);
    let windowStart = 0;
    const slice = async (start: number, length: number): Promise<Buffer<ArrayBufferLike>> => {
      if (start < windowStart || start + length > windowStart + window.length) {
        window = await readAt(fh, start, Math.max(WINDOW, length));
        windowStart = start;
        if (window.length < length) throw new ImportError(`the archive is damaged (${length} bytes at ${start} lie past its end)`, opts.name);
      }
      return window.subarray(start - windowStart, start - windowStart + length);
    };
    for (const entry of wanted) {
      if (entry.flags & 0x1) throw new ImportError(`${entry.name} is encrypted`, opts.name);
      if (entry.method !== 0 && entry.method !== 8) throw new ImportError(`${entry.name} uses compression method ${entry.method}; only stored and deflated entries are read`, opts.name);
      if (entry.size > opts.maxBytes) throw tooLarge(entry, `is ${entry.size.toLocaleString("en-US")} bytes`);
      // Deflate can grow incompressible data a little, never by this much.
      if (entry.compressedSize > opts.maxBytes + (opts.maxBytes >> 4) + 1024) throw tooLarge(entry, `is ${entry.compressedSize.toLocaleString("en-US")} bytes even compressed`);
      const local = await slice(entry.offset, 30);
      if (local.readUInt32LE(0) !== LOCAL) throw new ImportError(`the archive is damaged (no local header for ${entry.name})`, opts.name);
      const dataStart = entry.offset + 30 + local.readUInt16LE(26) + local.readUInt16LE(28);
      const raw = await slice(dataStart, entry.compressedSize);
      let data: Buffer<ArrayBufferLike>;
      if (entry.method === 0) data = Buffer.from(raw);
      else {
        try {
          // The bound also holds when the central directory lies about the size: inflation stops there.
          data = inflater.inflate(raw);
        } catch (e) {
          if (e instanceof TooLarge) throw tooLarge(entry, `inflates past ${bound} (its directory says ${entry.size.toLocaleString("en-US")})`);
          throw new ImportError(`the archive is damaged (${entry.name}: ${(e as Error).message})`, opts.name);
        }
      }
      if (data.length !== entry.size) throw new ImportError(`the archive is damaged (${entry.name} inflates to ${data.length} bytes, its directory says ${entry.size})`, opts.name);
      opts.onBytes?.(entry.compressedSize);
      yield { entry, data };
    }
  } finally {
    inflater.close();
    await fh.close().catch(() => {});
  }
}
