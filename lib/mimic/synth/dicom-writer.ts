/**
 * A minimal DICOM Part 10 file: 128-byte preamble, "DICM", the group 0002 meta header and a dataset
 * in explicit VR little endian, with 16-bit-allocated, 12-bit-stored MONOCHROME2 pixels. Enough
 * for a viewer (and dicom-parser) to treat it like a MIMIC-CXR radiograph, only much smaller.
 */
export type DicomImage = {
  patientId: string;
  studyId: string;
  studyInstanceUid: string;
  seriesInstanceUid: string;
  sopInstanceUid: string;
  studyDate: string;
  /** HHMMSS.ffffff, zero-padded (the DICOM TM form, unlike the CSV's float). */
  studyTime: string;
  viewPosition: string;
  rows: number;
  columns: number;
  /** rows × columns values, 0–4095. */
  pixels: Uint16Array;
  windowCenter: number;
  windowWidth: number;
};

const CR_IMAGE_STORAGE = "1.2.840.10008.5.1.4.1.1.1";
const EXPLICIT_VR_LE = "1.2.840.10008.1.2.1";
const IMPLEMENTATION_UID = "1.2.826.0.1.3680043.10.1395.1";

type Element = { group: number; element: number; vr: string; value: Buffer };

const LONG_VRS = new Set(["OB", "OW", "OF", "SQ", "UT", "UN"]);

function str(group: number, element: number, vr: string, text: string): Element {
  // Even lengths: UIDs pad with NUL, other strings with a space.
  const padded = text.length % 2 ? text + (vr === "UI" ? "\0" : " ") : text;
  return { group, element, vr, value: Buffer.from(padded, "latin1") };
}

function us(group: number, element: number, n: number): Element {
  const value = Buffer.alloc(2);
  value.writeUInt16LE(n);
  return { group, element, vr: "US", value };
}

function encode(e: Element): Buffer {
  const long = LONG_VRS.has(e.vr);
  const head = Buffer.alloc(long ? 12 : 8);
  head.writeUInt16LE(e.group, 0);
  head.writeUInt16LE(e.element, 2);
  head.write(e.vr, 4, "latin1");
  if (long) head.writeUInt32LE(e.value.length, 8);
  else head.writeUInt16LE(e.value.length, 6);
  return Buffer.concat([head, e.value]);
}

export function writeDicom(img: DicomImage): Buffer {
  const metaElements = [
    { group: 0x0002, element: 0x0001, vr: "OB", value: Buffer.from([0, 1]) },
    str(0x0002, 0x0002, "UI", CR_IMAGE_STORAGE),
    str(0x0002, 0x0003, "UI", img.sopInstanceUid),
    str(0x0002, 0x0010, "UI", EXPLICIT_VR_LE),
    str(0x0002, 0x0012, "UI", IMPLEMENTATION_UID),
    str(0x0002, 0x0013, "SH", "LABGATE_SYNTH"),
  ].map(encode);
  const metaBody = Buffer.concat(metaElements);
  const groupLength = Buffer.alloc(4);
  groupLength.writeUInt32LE(metaBody.length);
  const meta = Buffer.concat([encode({ group: 0x0002, element: 0x0000, vr: "UL", value: groupLength }), metaBody]);

  const pixelBytes = Buffer.alloc(img.pixels.length * 2);
  img.pixels.forEach((v, i) => pixelBytes.writeUInt16LE(v, i * 2));
  // Elements in ascending tag order, as Part 10 requires.
  const dataset = [
    str(0x0008, 0x0016, "UI", CR_IMAGE_STORAGE),
    str(0x0008, 0x0018, "UI", img.sopInstanceUid),
    str(0x0008, 0x0020, "DA", img.studyDate),
    str(0x0008, 0x0030, "TM", img.studyTime),
    str(0x0008, 0x0060, "CS", "CR"),
    str(0x0010, 0x0020, "LO", img.patientId),
    str(0x0018, 0x5101, "CS", img.viewPosition),
    str(0x0020, 0x000d, "UI", img.studyInstanceUid),
    str(0x0020, 0x000e, "UI", img.seriesInstanceUid),
    str(0x0020, 0x0010, "SH", img.studyId),
    us(0x0028, 0x0002, 1),
    str(0x0028, 0x0004, "CS", "MONOCHROME2"),
    us(0x0028, 0x0010, img.rows),
    us(0x0028, 0x0011, img.columns),
    us(0x0028, 0x0100, 16),
    us(0x0028, 0x0101, 12),
    us(0x0028, 0x0102, 11),
    us(0x0028, 0x0103, 0),
    str(0x0028, 0x1050, "DS", String(img.windowCenter)),
    str(0x0028, 0x1051, "DS", String(img.windowWidth)),
    str(0x0028, 0x1052, "DS", "0"),
    str(0x0028, 0x1053, "DS", "1"),
    { group: 0x7fe0, element: 0x0010, vr: "OW", value: pixelBytes },
  ].map(encode);
  return Buffer.concat([Buffer.alloc(128), Buffer.from("DICM", "latin1"), meta, ...dataset]);
}
