import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { ZipWriter } from "@/lib/mimic/synth/zip-writer";
import { readZip } from "./read-zip";

const dir = mkdtempSync(path.join(tmpdir(), "labgate-zip-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("ZipWriter", () => {
  it("writes entries yauzl reads back byte for byte, UTF-8 included", async () => {
    const file = path.join(dir, "small.zip");
    const zip = new ZipWriter(file);
    const texts = ["FINAL REPORT\n Café 15°\n", "", "x".repeat(100_000)];
    for (const [i, t] of texts.entries()) await zip.add(`files/p10/p1000000${i}/s5000000${i}.txt`, Buffer.from(t, "utf8"));
    await zip.close();
    const back = await readZip(file);
    expect([...back.values()]).toEqual(texts);
  });

  it("switches to ZIP64 end records past 65,535 entries, as the real 227,835-report archive needs", async () => {
    const file = path.join(dir, "many.zip");
    const zip = new ZipWriter(file);
    const n = 65_540;
    for (let i = 0; i < n; i++) await zip.add(`r/${i}.txt`, Buffer.from(String(i)));
    await zip.close();
    const back = await readZip(file, (name) => name.startsWith("r/6553"));
    expect(back.size).toBe(n);
    expect(back.get("r/65539.txt")).toBe("65539");
  }, 30_000);
});
