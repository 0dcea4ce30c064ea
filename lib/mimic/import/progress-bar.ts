import type { ImportProgress } from "./import-directory";

const mb = (n: number) => `${(n / 1e6).toFixed(1)} MB`;

/** One terminal line: phase, a bar over bytes read, rows, and the rate so far. */
export function formatProgress(p: ImportProgress, width = 24): string {
  const fraction = p.bytesTotal > 0 ? Math.min(1, p.bytesDone / p.bytesTotal) : 0;
  const filled = Math.round(fraction * width);
  const seconds = Math.max(0.001, (Date.now() - p.startedAt) / 1000);
  const rate = p.rowsDone / seconds;
  return `[${"#".repeat(filled)}${"-".repeat(width - filled)}] ${(fraction * 100).toFixed(0).padStart(3)}% ${mb(p.bytesDone)}/${mb(p.bytesTotal)} · ${p.rowsDone.toLocaleString("en-US")} rows · ${Math.round(rate).toLocaleString("en-US")} rows/s · ${p.phase}`;
}
