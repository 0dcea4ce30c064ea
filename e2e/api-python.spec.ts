import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import * as jpegJs from "jpeg-js";
import { seedCohort, seedStoredImages } from "./support/api-files";
import { expect, test } from "./support/fixtures";

// The machine's python3, or another one to try the example with (LABGATE_PYTHON, e.g. a venv's).
const PYTHON = process.env.LABGATE_PYTHON ?? "python3";
const hasDeps = spawnSync(PYTHON, ["-c", "import requests, pandas"], { stdio: "ignore" }).status === 0;

/** The README's Python example, exactly as the README shows it. */
function readmeExample(): string {
  const readme = readFileSync("README.md", "utf8");
  const m = /<!-- api-python-example -->\n```python\n([\s\S]*?)```/.exec(readme);
  if (!m) throw new Error("README.md has no Python example after <!-- api-python-example -->");
  return m[1]!;
}

test("the README's Python example lists a cohort, loads its manifest into pandas and reads one image", async ({ page, lab, login, baseURL }) => {
  test.skip(!hasDeps, `${PYTHON} cannot import requests and pandas: the README's Python example was not run (pip install requests pandas, or set LABGATE_PYTHON)`);
  await login("researcher");
  const jpeg = jpegJs.encode({ data: Buffer.alloc(32 * 16 * 4, 128), width: 32, height: 16 }, 90).data;
  const files = await seedStoredImages({ labId: lab.lab.id, datasetId: lab.datasetIds.jpg, bytesEach: 0, bytesFor: () => Buffer.from(jpeg) });
  await seedCohort({ labId: lab.lab.id, datasetId: lab.datasetIds.jpg, createdBy: lab.researcher.id, name: "my-cohort" });
  const res = await page.request.post("/api/account/tokens", { data: { name: "python example", expiresInDays: 1 } });
  expect(res.status()).toBe(200);
  const { token } = (await res.json()) as { token: string };

  const dir = mkdtempSync(path.join(tmpdir(), "labgate-python-"));
  try {
    writeFileSync(path.join(dir, "example.py"), readmeExample());
    const run = spawnSync(PYTHON, [path.join(dir, "example.py")], { env: { ...process.env, LABGATE_URL: baseURL!, LABGATE_TOKEN: token }, encoding: "utf8", timeout: 60_000 });
    expect(run.status, `${run.stdout}\n${run.stderr}`).toBe(0);
    expect(run.stdout).toContain(`my-cohort: ${files.length} images, ${files.length} in lab storage`);
    expect(run.stdout).toMatch(/^files\/p\d{2}\/p\d+\/s\d+\/[0-9a-f-]+\.jpg (\(32, 16\)|\d+ bytes)$/m);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
