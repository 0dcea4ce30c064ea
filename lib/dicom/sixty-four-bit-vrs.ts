// dicom-parser 1.8 predates the 64-bit VRs (OV, SV, UV; DICOM 2019): it reads their explicit-VR
// header as a short one and loses its place in the file. The one such element an image file commonly
// has is the Extended Offset Table (7FE0,0001) and its lengths (7FE0,0002), both OV, just before the
// pixel data. OV is laid out exactly like OB (2 reserved bytes, 4-byte length), so a copy of the file
// with those two VRs written as OB parses correctly; the offsets are read back as 64-bit numbers.

const EXTENDED_OFFSET_TABLE = [0x01, 0x02];

/** The bytes unchanged, or a copy with the Extended Offset Table's OV VRs read as OB. */
export function withExtendedOffsetTableReadable(bytes: Uint8Array): Uint8Array {
  let copy: Uint8Array | null = null;
  // Little-endian (7FE0,xxxx) followed by "OV"; stops at the pixel data, which comes after both.
  for (let i = 132; i + 6 <= bytes.length; i++) {
    if (bytes[i] !== 0xe0 || bytes[i + 1] !== 0x7f || bytes[i + 3] !== 0) continue;
    const element = bytes[i + 2]!;
    if (element === 0x10) break;
    if (EXTENDED_OFFSET_TABLE.includes(element) && bytes[i + 4] === 0x4f && bytes[i + 5] === 0x56) {
      copy ??= bytes.slice();
      copy[i + 5] = 0x42;
    }
  }
  return copy ?? bytes;
}

/** 64-bit little-endian unsigned values of an element read as OB. */
export function readUint64s(bytes: Uint8Array, offset: number, length: number): number[] {
  const view = new DataView(bytes.buffer, bytes.byteOffset + offset, length);
  const out: number[] = [];
  for (let i = 0; i + 8 <= length; i += 8) out.push(Number(view.getBigUint64(i, true)));
  return out;
}
