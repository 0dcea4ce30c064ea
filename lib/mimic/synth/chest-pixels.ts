import { Prng } from "./prng";

/**
 * A chest-like picture for synthetic images: a bright body outline, two dark lung fields, a bright
 * spine and heart in the middle, faint ribs, the diaphragm at the bottom; or, for lateral views,
 * one lung field with the spine behind it. Values are 0–1 (higher is whiter, as in MONOCHROME2).
 */
function ellipse(x: number, y: number, cx: number, cy: number, rx: number, ry: number): number {
  const d = ((x - cx) / rx) ** 2 + ((y - cy) / ry) ** 2;
  // Soft edge instead of a hard cut, so the picture has gradients.
  return Math.max(0, Math.min(1, (1.15 - d) / 0.3));
}

export function chestPixels(opts: { width: number; height: number; lateral: boolean; seed: number[] }): Float32Array {
  const { width, height } = opts;
  const rng = new Prng(...opts.seed);
  const out = new Float32Array(width * height);
  const tilt = (rng.float() - 0.5) * 0.04;
  for (let j = 0; j < height; j++) {
    for (let i = 0; i < width; i++) {
      const x = i / (width - 1) + tilt * (j / height);
      const y = j / (height - 1);
      const body = ellipse(x, y, 0.5, 0.55, 0.48, 0.6);
      let v = 0.05 + 0.55 * body;
      if (opts.lateral) {
        v -= 0.35 * ellipse(x, y, 0.48, 0.45, 0.3, 0.33);
        v += 0.3 * ellipse(x, y, 0.82, 0.55, 0.07, 0.45);
      } else {
        const lungs = Math.max(ellipse(x, y, 0.3, 0.45, 0.16, 0.3), ellipse(x, y, 0.7, 0.45, 0.16, 0.3));
        const ribs = 0.06 * Math.max(0, Math.sin(y * 40 + Math.abs(x - 0.5) * 8));
        v -= lungs * (0.38 - ribs);
        v += 0.25 * ellipse(x, y, 0.5, 0.5, 0.05, 0.5); // spine and mediastinum
        v += 0.2 * ellipse(x, y, 0.57, 0.63, 0.15, 0.12); // heart, to the patient's left
      }
      if (y > 0.78) v += 0.25 * body * Math.min(1, (y - 0.78) / 0.05);
      out[j * width + i] = Math.max(0, Math.min(1, v + (rng.float() - 0.5) * 0.03));
    }
  }
  return out;
}
