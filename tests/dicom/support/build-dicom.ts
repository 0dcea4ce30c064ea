// Writes small Explicit VR Little Endian Part 10 files for tests that need header values none of the
// real fixtures has (several windows, shifted HighBit, a modality LUT, an unsupported syntax…).

export type BuiltElement = { tag: number; vr: string; value: string | number[] | Uint8Array | BuiltElement[][] };

const LONG_VRS = new Set(["OB", "OW", "OF", "SQ", "UT", "UN"]);

export function buildDicom(options: { transferSyntax?: string; elements: BuiltElement[]; encapsulated?: Uint8Array[] }): Uint8Array {
  const transferSyntax = options.transferSyntax ?? "1.2.840.10008.1.2.1";
  const meta = encodeElements([
    { tag: 0x00020001, vr: "OB", value: new Uint8Array([0, 1]) },
    { tag: 0x00020002, vr: "UI", value: "1.2.840.10008.5.1.4.1.1.7" },
    { tag: 0x00020003, vr: "UI", value: "1.2.3.4" },
    { tag: 0x00020010, vr: "UI", value: transferSyntax },
  ]);
  const groupLength = encodeElements([{ tag: 0x00020000, vr: "UL", value: [meta.length] }]);
  const body = encodeElements(options.elements);
  const parts = [new Uint8Array(128), ascii("DICM"), groupLength, meta, body];
  if (options.encapsulated) parts.push(encapsulate(options.encapsulated));
  return concat(parts);
}

function encapsulate(fragments: Uint8Array[]): Uint8Array {
  const parts: Uint8Array[] = [header(0x7fe00010, "OB", 0xffffffff), item(new Uint8Array(0))];
  for (const f of fragments) parts.push(item(f));
  parts.push(tagBytes(0xfffee0dd), u32(0));
  return concat(parts);
}

function item(body: Uint8Array) {
  return concat([tagBytes(0xfffee000), u32(body.length), body]);
}

function encodeElements(elements: BuiltElement[]): Uint8Array {
  return concat(elements.map(encodeElement));
}

function encodeElement(e: BuiltElement): Uint8Array {
  if (e.vr === "SQ") {
    const items = (e.value as BuiltElement[][]).map((i) => item(encodeElements(i)));
    const body = concat(items);
    return concat([header(e.tag, "SQ", body.length), body]);
  }
  const body = valueBytes(e);
  return concat([header(e.tag, e.vr, body.length), body]);
}

function valueBytes(e: BuiltElement): Uint8Array {
  if (e.value instanceof Uint8Array) return pad(e.value, 0);
  if (typeof e.value === "string") return pad(ascii(e.value), e.vr === "UI" ? 0 : 0x20);
  const numbers = e.value as number[];
  const size = e.vr === "UL" || e.vr === "SL" ? 4 : 2;
  const out = new DataView(new ArrayBuffer(numbers.length * size));
  numbers.forEach((n, i) => {
    if (e.vr === "UL") out.setUint32(i * 4, n, true);
    else if (e.vr === "SL") out.setInt32(i * 4, n, true);
    else if (e.vr === "SS") out.setInt16(i * 2, n, true);
    else out.setUint16(i * 2, n, true);
  });
  return new Uint8Array(out.buffer);
}

function header(tag: number, vr: string, length: number): Uint8Array {
  if (LONG_VRS.has(vr)) return concat([tagBytes(tag), ascii(vr), new Uint8Array(2), u32(length)]);
  const h = new DataView(new ArrayBuffer(2));
  h.setUint16(0, length, true);
  return concat([tagBytes(tag), ascii(vr), new Uint8Array(h.buffer)]);
}

function tagBytes(tag: number) {
  const v = new DataView(new ArrayBuffer(4));
  v.setUint16(0, tag >>> 16, true);
  v.setUint16(2, tag & 0xffff, true);
  return new Uint8Array(v.buffer);
}

function u32(n: number) {
  const v = new DataView(new ArrayBuffer(4));
  v.setUint32(0, n, true);
  return new Uint8Array(v.buffer);
}

function ascii(s: string) {
  return new TextEncoder().encode(s);
}

function pad(b: Uint8Array, fill: number) {
  if (b.length % 2 === 0) return b;
  const out = new Uint8Array(b.length + 1);
  out.set(b);
  out[b.length] = fill;
  return out;
}

export function concat(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let offset = 0;
  for (const p of parts) {
    out.set(p, offset);
    offset += p.length;
  }
  return out;
}

/** Image pixel module elements for a grayscale image. */
export function grayscaleImage(o: {
  rows: number;
  columns: number;
  bitsAllocated: number;
  bitsStored: number;
  highBit: number;
  signed?: boolean;
  photometric?: string;
  pixels?: Uint8Array;
  extra?: BuiltElement[];
}): BuiltElement[] {
  const elements: BuiltElement[] = [
    { tag: 0x00080016, vr: "UI", value: "1.2.840.10008.5.1.4.1.1.7" },
    { tag: 0x00080018, vr: "UI", value: "1.2.3.4" },
    ...(o.extra ?? []),
    { tag: 0x00280002, vr: "US", value: [1] },
    { tag: 0x00280004, vr: "CS", value: o.photometric ?? "MONOCHROME2" },
    { tag: 0x00280010, vr: "US", value: [o.rows] },
    { tag: 0x00280011, vr: "US", value: [o.columns] },
    { tag: 0x00280100, vr: "US", value: [o.bitsAllocated] },
    { tag: 0x00280101, vr: "US", value: [o.bitsStored] },
    { tag: 0x00280102, vr: "US", value: [o.highBit] },
    { tag: 0x00280103, vr: "US", value: [o.signed ? 1 : 0] },
  ];
  if (o.pixels) elements.push({ tag: 0x7fe00010, vr: o.bitsAllocated > 8 ? "OW" : "OB", value: o.pixels });
  return elements.sort((a, b) => a.tag - b.tag);
}

export function words(values: number[]): Uint8Array {
  const v = new DataView(new ArrayBuffer(values.length * 2));
  values.forEach((n, i) => v.setUint16(i * 2, n & 0xffff, true));
  return new Uint8Array(v.buffer);
}
