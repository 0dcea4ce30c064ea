// Reads Modality and VOI LUT Sequence items (PS3.3 C.11.1 and C.11.2) into plain tables.
import type { DataSet } from "dicom-parser";
import type { LookupTable } from "./types";

const LUT_DESCRIPTOR = "x00283002";
const LUT_EXPLANATION = "x00283003";
const LUT_DATA = "x00283006";

/**
 * One LUT item, or null when it is unusable (missing descriptor or data). The descriptor's first
 * mapped value is US or SS depending on the pixel representation; implicit VR files do not say which,
 * so signed images read it as two's complement.
 */
export function readLookupTable(item: DataSet, signedInput: boolean): LookupTable | null {
  const descriptor = item.elements[LUT_DESCRIPTOR];
  const dataElement = item.elements[LUT_DATA];
  if (!descriptor || !dataElement || descriptor.length < 6) return null;
  const entries = item.uint16(LUT_DESCRIPTOR, 0) || 65536;
  let firstValueMapped = item.uint16(LUT_DESCRIPTOR, 1) ?? 0;
  if (signedInput && firstValueMapped > 0x7fff) firstValueMapped -= 0x10000;
  const bitsPerEntry = item.uint16(LUT_DESCRIPTOR, 2) ?? 16;
  const data = new Uint16Array(entries);
  if (dataElement.length >= entries * 2) {
    for (let i = 0; i < entries; i++) data[i] = item.uint16(LUT_DATA, i) ?? 0;
  } else if (dataElement.length >= entries) {
    // 8-bit entries packed one per byte (OB); rare but seen in the wild.
    const bytes = item.byteArray;
    for (let i = 0; i < entries; i++) data[i] = bytes[dataElement.dataOffset + i] ?? 0;
  } else {
    return null;
  }
  return { firstValueMapped, bitsPerEntry, data, explanation: item.string(LUT_EXPLANATION) ?? null };
}

export function readLookupTableSequence(dataSet: DataSet, tag: string, signedInput: boolean): LookupTable[] {
  const items = dataSet.elements[tag]?.items ?? [];
  const tables: LookupTable[] = [];
  for (const item of items) {
    if (!item.dataSet) continue;
    const table = readLookupTable(item.dataSet, signedInput);
    if (table) tables.push(table);
  }
  return tables;
}
