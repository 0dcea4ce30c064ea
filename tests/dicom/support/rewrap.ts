// Re-encapsulates a compressed fixture's codestream the ways scanners write it: padding after the
// JPEG EOI marker, a frame split over several fragments, an empty or filled Basic Offset Table, an
// Extended Offset Table. The header and the codestream are the fixture's own, so the decoded pixels
// must be the same as the fixture's.
import * as dicomParser from "dicom-parser";
import { concat } from "./build-dicom";

export type Wrapping = {
  /** The frame's codestream, cut into fragments of these lengths (the rest is the last fragment). */
  split?: number[];
  /** Bytes appended to the last fragment after the codestream's end (0x00 or 0xFF in the wild). */
  padding?: Uint8Array;
  basicOffsetTable?: boolean;
  extendedOffsetTable?: boolean;
};

/** The fixture's codestream (all of its fragments, in order) and the bytes before its Pixel Data element. */
export function codestreamOf(file: Uint8Array): { head: Uint8Array; codestream: Uint8Array } {
  const ds = dicomParser.parseDicom(file);
  const pixel = ds.elements.x7fe00010!;
  const fragments = pixel.fragments!.map((f) => file.subarray(f.position, f.position + f.length));
  // Explicit VR: tag, VR, two reserved bytes and a 4-byte length before the value.
  return { head: file.subarray(0, pixel.dataOffset - 12), codestream: concat(fragments) };
}

export function rewrap(file: Uint8Array, wrapping: Wrapping): Uint8Array {
  const { head, codestream } = codestreamOf(file);
  const fragments: Uint8Array[] = [];
  let at = 0;
  for (const n of wrapping.split ?? []) {
    fragments.push(codestream.subarray(at, at + n));
    at += n;
  }
  fragments.push(concat([codestream.subarray(at), wrapping.padding ?? new Uint8Array(0)]));
  // Fragments have even lengths: odd ones get one more padding byte, as writers do.
  const even = fragments.map((f) => (f.length % 2 ? concat([f, new Uint8Array([wrapping.padding?.[0] ?? 0])]) : f));
  const frameLength = even.reduce((n, f) => n + 8 + f.length, 0);
  const parts: Uint8Array[] = [head];
  if (wrapping.extendedOffsetTable) {
    parts.push(element(0x7fe00001, "OV", u64(0)), element(0x7fe00002, "OV", u64(frameLength)));
  }
  parts.push(tag(0x7fe00010), ascii("OB"), new Uint8Array(2), u32(0xffffffff));
  parts.push(tag(0xfffee000), ...(wrapping.basicOffsetTable ? [u32(4), u32(0)] : [u32(0)]));
  for (const f of even) parts.push(tag(0xfffee000), u32(f.length), f);
  parts.push(tag(0xfffee0dd), u32(0));
  return concat(parts);
}

function element(t: number, vr: string, value: Uint8Array): Uint8Array {
  return concat([tag(t), ascii(vr), new Uint8Array(2), u32(value.length), value]);
}

function tag(t: number): Uint8Array {
  const v = new DataView(new ArrayBuffer(4));
  v.setUint16(0, t >>> 16, true);
  v.setUint16(2, t & 0xffff, true);
  return new Uint8Array(v.buffer);
}

function u32(n: number): Uint8Array {
  const v = new DataView(new ArrayBuffer(4));
  v.setUint32(0, n, true);
  return new Uint8Array(v.buffer);
}

function u64(n: number): Uint8Array {
  const v = new DataView(new ArrayBuffer(8));
  v.setBigUint64(0, BigInt(n), true);
  return new Uint8Array(v.buffer);
}

const ascii = (s: string) => new TextEncoder().encode(s);

