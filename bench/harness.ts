import { existsSync, readFileSync, writeFileSync } from "node:fs";

/**
 * Every figure is measured next to its baseline in the same run and reported as a ratio, so results
 * from different machines or loads stay comparable. Results are merged into bench/results.json by
 * measure name (a run of some measures keeps the others), and rendered to bench/results.md.
 */
export type MeasureResult = Record<string, number | string> & { ratio?: number };
export type BenchContext = { databaseUrl: string; log: (line: string) => void };
export type Measure = { name: string; description: string; run: (ctx: BenchContext) => Promise<MeasureResult> };

const JSON_FILE = "bench/results.json";
const MD_FILE = "bench/results.md";

export function percentile(samples: number[], p: number): number {
  const sorted = [...samples].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

export function round(n: number, digits = 2): number {
  const f = 10 ** digits;
  return Math.round(n * f) / f;
}

export function saveResults(results: Record<string, MeasureResult>, descriptions: Record<string, string>): void {
  const existing = existsSync(JSON_FILE) ? (JSON.parse(readFileSync(JSON_FILE, "utf8")) as Record<string, MeasureResult>) : {};
  const merged = { ...existing, ...results };
  writeFileSync(JSON_FILE, `${JSON.stringify(merged, null, 2)}\n`);
  const rows = Object.entries(merged)
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([name, r]) => {
      const figures = Object.entries(r)
        .filter(([k]) => k !== "measured_at")
        .map(([k, v]) => `${k} ${v}`)
        .join(", ");
      return `| \`${name}\` | ${descriptions[name] ?? ""} | ${figures} | ${String(r.measured_at ?? "").slice(0, 10)} |`;
    });
  writeFileSync(MD_FILE, ["| measure | what | figures | measured |", "| --- | --- | --- | --- |", ...rows, ""].join("\n"));
}
