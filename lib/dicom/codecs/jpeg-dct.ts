// Sequential Huffman DCT JPEG (ISO 10918-1 processes 1, 2 and 4) for 12-bit grayscale. jpeg-js and the
// libjpeg-turbo WASM build only produce 8-bit samples, yet DICOM's "JPEG Extended (Process 2 and 4)"
// mostly means 12-bit CR/DX/CT images, so this small decoder fills that one gap. Colour and 8-bit
// images still go to jpeg-js.
import { DicomDecodeError, UnsupportedImageError } from "../errors";

export type DctImage = { width: number; height: number; precision: number; components: number; samples: Uint16Array };

type Huffman = { maxCode: Int32Array; valPtr: Int32Array; minCode: Int32Array; values: Uint8Array };
type Component = { id: number; h: number; v: number; tq: number };

const ZIGZAG = new Uint8Array([
  0, 1, 8, 16, 9, 2, 3, 10, 17, 24, 32, 25, 18, 11, 4, 5, 12, 19, 26, 33, 40, 48, 41, 34, 27, 20, 13, 6, 7, 14, 21,
  28, 35, 42, 49, 56, 57, 50, 43, 36, 29, 22, 15, 23, 30, 37, 44, 51, 58, 59, 52, 45, 38, 31, 39, 46, 53, 60, 61, 54,
  47, 55, 62, 63,
]);

/** cos((2x+1)uπ/16) · C(u)/2, indexed [u*8 + x]. */
const IDCT_TABLE = (() => {
  const t = new Float64Array(64);
  for (let u = 0; u < 8; u++) {
    const c = u === 0 ? Math.SQRT1_2 : 1;
    for (let x = 0; x < 8; x++) t[u * 8 + x] = (c / 2) * Math.cos(((2 * x + 1) * u * Math.PI) / 16);
  }
  return t;
})();

function corrupt(detail: string): DicomDecodeError {
  return new DicomDecodeError(`The JPEG pixel data is damaged or cut short (${detail}).`);
}

export function readJpegPrecision(data: Uint8Array): number | null {
  let i = 2;
  while (i + 4 < data.length) {
    if (data[i] !== 0xff) return null;
    const marker = data[i + 1]!;
    if (marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc) return data[i + 4] ?? null;
    i += 2 + ((data[i + 2]! << 8) | data[i + 3]!);
  }
  return null;
}

export function decodeJpegDct(data: Uint8Array): DctImage {
  if (data[0] !== 0xff || data[1] !== 0xd8) throw corrupt("no start-of-image marker");
  const quant: (Int32Array | undefined)[] = [];
  const dcTables: (Huffman | undefined)[] = [];
  const acTables: (Huffman | undefined)[] = [];
  let frame: { precision: number; height: number; width: number; components: Component[] } | null = null;
  let restartInterval = 0;
  let samples: Uint16Array | null = null;
  let pos = 2;
  const u16 = (p: number) => {
    if (p + 1 >= data.length) throw corrupt("segment runs past the end");
    return (data[p]! << 8) | data[p + 1]!;
  };

  while (pos < data.length) {
    if (data[pos] !== 0xff) {
      pos++;
      continue;
    }
    const marker = data[pos + 1];
    if (marker === undefined) break;
    if (marker === 0xff || marker === 0x00 || (marker >= 0xd0 && marker <= 0xd7)) {
      pos++;
      continue;
    }
    if (marker === 0xd9) break;
    const length = u16(pos + 2);
    const body = pos + 4;
    const end = pos + 2 + length;
    if (end > data.length) throw corrupt("segment runs past the end");
    switch (marker) {
      case 0xdb: {
        let p = body;
        while (p < end) {
          const pq = data[p]! >> 4;
          const tq = data[p]! & 15;
          p++;
          const table = new Int32Array(64);
          for (let k = 0; k < 64; k++) {
            table[k] = pq ? u16(p + 2 * k) : data[p + k]!;
          }
          p += pq ? 128 : 64;
          quant[tq] = table;
        }
        break;
      }
      case 0xc4: {
        let p = body;
        while (p < end) {
          const tc = data[p]! >> 4;
          const th = data[p]! & 15;
          const counts = data.subarray(p + 1, p + 17);
          const total = counts.reduce((a, b) => a + b, 0);
          const table = buildHuffman(counts, data.subarray(p + 17, p + 17 + total));
          (tc === 0 ? dcTables : acTables)[th] = table;
          p += 17 + total;
        }
        break;
      }
      case 0xc0:
      case 0xc1: {
        const precision = data[body]!;
        const height = u16(body + 1);
        const width = u16(body + 3);
        const count = data[body + 5]!;
        const components: Component[] = [];
        for (let c = 0; c < count; c++) {
          const p = body + 6 + 3 * c;
          components.push({ id: data[p]!, h: data[p + 1]! >> 4, v: data[p + 1]! & 15, tq: data[p + 2]! });
        }
        if (components.length !== 1) {
          throw new UnsupportedImageError("The viewer decodes 12-bit JPEG only for grayscale images.");
        }
        if (width === 0 || height === 0) throw corrupt("image size missing from the frame header");
        frame = { precision, height, width, components };
        samples = new Uint16Array(width * height);
        break;
      }
      case 0xdd:
        restartInterval = u16(body);
        break;
      case 0xda: {
        if (!frame || !samples) throw corrupt("scan before frame header");
        const selector = data[body + 1]!;
        const tables = data[body + 2]!;
        const component = frame.components.find((c) => c.id === selector) ?? frame.components[0]!;
        const q = quant[component.tq];
        const dc = dcTables[tables >> 4];
        const ac = acTables[tables & 15];
        if (!q || !dc || !ac) throw corrupt("missing quantisation or Huffman table");
        pos = decodeScan(data, end, frame, q, dc, ac, restartInterval, samples);
        continue;
      }
      default:
        if (marker >= 0xc2 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc) {
          throw new UnsupportedImageError("This JPEG uses a progressive, lossless or arithmetic-coded process the 12-bit decoder does not handle.");
        }
    }
    pos = end;
  }
  if (!frame || !samples) throw corrupt("no image in the JPEG stream");
  return { width: frame.width, height: frame.height, precision: frame.precision, components: 1, samples };
}

function buildHuffman(counts: Uint8Array, values: Uint8Array): Huffman {
  const maxCode = new Int32Array(18).fill(-1);
  const valPtr = new Int32Array(17);
  const minCode = new Int32Array(17);
  let code = 0;
  let k = 0;
  for (let l = 1; l <= 16; l++) {
    const n = counts[l - 1]!;
    valPtr[l] = k;
    minCode[l] = code;
    code += n;
    k += n;
    maxCode[l] = n ? code - 1 : -1;
    code <<= 1;
  }
  return { maxCode, valPtr, minCode, values };
}

/** Decodes one non-interleaved scan into `out`; returns the position after its entropy-coded data. */
function decodeScan(
  data: Uint8Array,
  start: number,
  frame: { precision: number; height: number; width: number },
  q: Int32Array,
  dc: Huffman,
  ac: Huffman,
  restartInterval: number,
  out: Uint16Array,
): number {
  let pos = start;
  let bitBuffer = 0;
  let bitCount = 0;

  const readBit = (): number => {
    if (bitCount === 0) {
      if (pos >= data.length) throw corrupt("data ends inside the image");
      const byte = data[pos]!;
      if (byte === 0xff) {
        const next = data[pos + 1];
        if (next !== 0) throw corrupt("a marker interrupts the image data");
        pos += 2;
      } else {
        pos += 1;
      }
      bitBuffer = byte;
      bitCount = 8;
    }
    bitCount--;
    return (bitBuffer >> bitCount) & 1;
  };
  const receive = (n: number): number => {
    let v = 0;
    for (let i = 0; i < n; i++) v = (v << 1) | readBit();
    return v;
  };
  const decodeSymbol = (h: Huffman): number => {
    let code = 0;
    for (let l = 1; l <= 16; l++) {
      code = (code << 1) | readBit();
      if (code <= h.maxCode[l]!) return h.values[h.valPtr[l]! + code - h.minCode[l]!]!;
    }
    throw corrupt("invalid Huffman code");
  };
  const extend = (v: number, t: number) => (v < 1 << (t - 1) ? v - (1 << t) + 1 : v);

  const { width, height, precision } = frame;
  const blocksPerLine = Math.ceil(width / 8);
  const blockRows = Math.ceil(height / 8);
  const total = blocksPerLine * blockRows;
  const shift = 1 << (precision - 1);
  const maxValue = (1 << precision) - 1;
  const coefficients = new Float64Array(64);
  const temp = new Float64Array(64);
  let predictor = 0;

  for (let n = 0; n < total; n++) {
    if (restartInterval && n > 0 && n % restartInterval === 0) {
      bitCount = 0;
      predictor = 0;
      while (pos + 1 < data.length && !(data[pos] === 0xff && data[pos + 1]! >= 0xd0 && data[pos + 1]! <= 0xd7)) pos++;
      if (pos + 1 >= data.length) throw corrupt("restart marker missing");
      pos += 2;
    }
    coefficients.fill(0);
    const t = decodeSymbol(dc);
    if (t > 16) throw corrupt("DC difference out of range");
    predictor += t ? extend(receive(t), t) : 0;
    coefficients[0] = predictor * q[0]!;
    for (let k = 1; k < 64; ) {
      const rs = decodeSymbol(ac);
      const r = rs >> 4;
      const s = rs & 15;
      if (s === 0) {
        if (r !== 15) break;
        k += 16;
        continue;
      }
      k += r;
      if (k > 63) throw corrupt("AC coefficient index out of range");
      coefficients[ZIGZAG[k]!] = extend(receive(s), s) * q[k]!;
      k++;
    }
    // Separable 2-D inverse DCT: rows, then columns.
    for (let y = 0; y < 8; y++) {
      for (let x = 0; x < 8; x++) {
        let sum = 0;
        for (let u = 0; u < 8; u++) sum += IDCT_TABLE[u * 8 + x]! * coefficients[y * 8 + u]!;
        temp[y * 8 + x] = sum;
      }
    }
    const bx = (n % blocksPerLine) * 8;
    const by = Math.floor(n / blocksPerLine) * 8;
    for (let x = 0; x < 8; x++) {
      if (bx + x >= width) break;
      for (let y = 0; y < 8; y++) {
        if (by + y >= height) break;
        let sum = 0;
        for (let v = 0; v < 8; v++) sum += IDCT_TABLE[v * 8 + y]! * temp[v * 8 + x]!;
        const value = Math.round(sum) + shift;
        out[(by + y) * width + bx + x] = value < 0 ? 0 : value > maxValue ? maxValue : value;
      }
    }
  }
  // Skip to the next marker after the scan's entropy-coded data.
  while (pos + 1 < data.length && !(data[pos] === 0xff && data[pos + 1] !== 0 && !(data[pos + 1]! >= 0xd0 && data[pos + 1]! <= 0xd7))) pos++;
  return pos;
}
