import { deflateRawSync } from "node:zlib";
import { crc32 } from "./crc32";
import { HashedSink, type SinkResult } from "./hashed-sink";

/**
 * A streaming zip writer for the reports archive: deflated entries, sizes in the local headers (no
 * data descriptors), and ZIP64 end records once there are more than 65,535 entries, which the real
 * archive (227,835 reports) needs. yazl is not used here: its pump looks for the next entry by
 * scanning every entry from the first, so its cost grows with the square of the entry count
 * (measured: 100,000 small entries took minutes). Only the central directory (~90 bytes per entry)
 * stays in memory, as the format requires.
 */
const SLAB = 1 << 20;
// 2019-09-17 00:00, the fixed timestamp of every entry: output depends only on the seed.
const DOS_DATE = ((2019 - 1980) << 9) | (9 << 5) | 17;
const DOS_TIME = 0;
const FILE_MODE = (0o100644 << 16) >>> 0;

export class ZipWriter {
  private readonly sink: HashedSink;
  private readonly slabs: Buffer[] = [];
  private slab = Buffer.allocUnsafe(SLAB);
  private slabUsed = 0;
  private offset = 0;
  private entries = 0;

  constructor(
    file: string,
    private readonly opts: { forceZip64?: boolean } = {},
  ) {
    this.sink = new HashedSink(file, { gzip: false });
  }

  get count(): number {
    return this.entries;
  }

  async add(name: string, data: Buffer): Promise<void> {
    const nameBytes = Buffer.from(name, "utf8");
    const compressed = deflateRawSync(data, { level: 6 });
    const crc = crc32(data);
    if (this.offset + 30 + nameBytes.length + compressed.length > 0xfffffffe) throw new Error("the reports archive would exceed 4 GB");
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    local.writeUInt16LE(20, 4);
    local.writeUInt16LE(0x0800, 6); // UTF-8 names
    local.writeUInt16LE(8, 8);
    local.writeUInt16LE(DOS_TIME, 10);
    local.writeUInt16LE(DOS_DATE, 12);
    local.writeUInt32LE(crc, 14);
    local.writeUInt32LE(compressed.length, 18);
    local.writeUInt32LE(data.length, 22);
    local.writeUInt16LE(nameBytes.length, 26);
    local.writeUInt16LE(0, 28);
    this.sink.buffer(Buffer.concat([local, nameBytes, compressed]));

    const central = this.reserve(46 + nameBytes.length);
    central.writeUInt32LE(0x02014b50, 0);
    central.writeUInt16LE(0x0314, 4); // made by: Unix, spec 2.0
    central.writeUInt16LE(20, 6);
    central.writeUInt16LE(0x0800, 8);
    central.writeUInt16LE(8, 10);
    central.writeUInt16LE(DOS_TIME, 12);
    central.writeUInt16LE(DOS_DATE, 14);
    central.writeUInt32LE(crc, 16);
    central.writeUInt32LE(compressed.length, 20);
    central.writeUInt32LE(data.length, 24);
    central.writeUInt16LE(nameBytes.length, 28);
    central.writeUInt16LE(0, 30);
    central.writeUInt16LE(0, 32);
    central.writeUInt16LE(0, 34);
    central.writeUInt16LE(0, 36);
    central.writeUInt32LE(FILE_MODE, 38);
    central.writeUInt32LE(this.offset, 42);
    nameBytes.copy(central, 46);

    this.offset += 30 + nameBytes.length + compressed.length;
    this.entries++;
    await this.sink.drain();
  }

  private reserve(size: number): Buffer {
    if (this.slabUsed + size > SLAB) {
      this.slabs.push(this.slab.subarray(0, this.slabUsed));
      this.slab = Buffer.allocUnsafe(SLAB);
      this.slabUsed = 0;
    }
    const out = this.slab.subarray(this.slabUsed, this.slabUsed + size);
    this.slabUsed += size;
    return out;
  }

  async close(): Promise<SinkResult> {
    this.slabs.push(this.slab.subarray(0, this.slabUsed));
    const cdOffset = this.offset;
    let cdSize = 0;
    for (const slab of this.slabs) {
      this.sink.buffer(slab);
      cdSize += slab.length;
      await this.sink.drain();
    }
    const zip64 = this.opts.forceZip64 || this.entries > 0xfffe;
    if (zip64) {
      const record = Buffer.alloc(56 + 20);
      record.writeUInt32LE(0x06064b50, 0);
      record.writeBigUInt64LE(44n, 4);
      record.writeUInt16LE(0x032d, 12);
      record.writeUInt16LE(45, 14);
      record.writeUInt32LE(0, 16);
      record.writeUInt32LE(0, 20);
      record.writeBigUInt64LE(BigInt(this.entries), 24);
      record.writeBigUInt64LE(BigInt(this.entries), 32);
      record.writeBigUInt64LE(BigInt(cdSize), 40);
      record.writeBigUInt64LE(BigInt(cdOffset), 48);
      // The locator, pointing back at the record above.
      record.writeUInt32LE(0x07064b50, 56);
      record.writeUInt32LE(0, 60);
      record.writeBigUInt64LE(BigInt(cdOffset + cdSize), 64);
      record.writeUInt32LE(1, 72);
      this.sink.buffer(record);
    }
    const end = Buffer.alloc(22);
    end.writeUInt32LE(0x06054b50, 0);
    end.writeUInt16LE(zip64 ? 0xffff : this.entries, 8);
    end.writeUInt16LE(zip64 ? 0xffff : this.entries, 10);
    end.writeUInt32LE(cdSize, 12);
    end.writeUInt32LE(cdOffset, 16);
    this.sink.buffer(end);
    return this.sink.close();
  }
}
