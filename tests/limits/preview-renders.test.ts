import { expect, it } from "vitest";
import { createLimiter, RendersBusyError } from "@/lib/thumbnails/thumbnail-cache";

// Previews render through the thumbnails' limiter with a short waiting line (lib/thumbnails/preview-renders.ts).

it("a limiter with a waiting line refuses past it instead of queueing forever, and serves the line in order", async () => {
  const limit = createLimiter(2, { maxWaiting: 3 });
  const release: (() => void)[] = [];
  const started: number[] = [];
  const job = (i: number) => () =>
    new Promise<number>((resolve) => {
      started.push(i);
      release.push(() => resolve(i));
    });
  const settled = Array.from({ length: 8 }, (_, i) => limit(job(i)).then((v) => `ok ${v}`, (e: unknown) => (e instanceof RendersBusyError ? "busy" : `error ${String(e)}`)));
  await new Promise((r) => setTimeout(r, 10));
  expect(started).toEqual([0, 1]);
  // Two run, three wait, three are refused at once.
  while (release.length) {
    release.shift()!();
    await new Promise((r) => setTimeout(r, 5));
  }
  expect(await Promise.all(settled)).toEqual(["ok 0", "ok 1", "ok 2", "ok 3", "ok 4", "busy", "busy", "busy"]);
  expect(started).toEqual([0, 1, 2, 3, 4]);
  // The line is free again afterwards.
  expect(await limit(async () => "again")).toBe("again");
});
