import { mkdtemp, readFile, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { writeSyntheticVersion } from "@/lib/mimic/synth/write-version";
import type { Upstream } from "@/lib/physionet/upstream/start-upstream";
import { runWget } from "@/lib/physionet/wget/run-wget";
import { verifyPhysionetAccess } from "@/lib/physionet/wget/verify-access";
import { DEMO_DATASETS, DEMO_PHYSIONET_USERNAME } from "@/scripts/lib/demo-seed";
import { DEMO_PHYSIONET_PASSWORD, startDemoUpstream } from "@/scripts/lib/demo-upstream";

// `npm start` serves the demo datasets from the test upstream so that the demo researcher can verify
// with "PhysioNet" and download on a machine that cannot reach physionet.org.
let demoRoot: string;
let upstream: Upstream;
beforeAll(async () => {
  demoRoot = await mkdtemp(path.join(os.tmpdir(), "labgate-demo-"));
  for (const ref of DEMO_DATASETS) await writeSyntheticVersion({ out: path.join(demoRoot, ref.slug, ref.version), project: ref.slug, version: ref.version, studies: 5, seed: 7 });
  upstream = await startDemoUpstream({ demoRoot });
}, 60_000);
afterAll(async () => {
  await upstream?.close();
  await rm(demoRoot, { recursive: true, force: true });
});

describe("the demo's PhysioNet", () => {
  it("confirms the demo researcher's access to every demo dataset version with the printed password", async () => {
    for (const ref of DEMO_DATASETS) {
      const result = await verifyPhysionetAccess({ baseUrl: upstream.url, slug: ref.slug, version: ref.version, username: DEMO_PHYSIONET_USERNAME, password: DEMO_PHYSIONET_PASSWORD });
      expect(result.httpStatus, `${ref.slug} ${ref.version}: ${result.detail}`).toBe(200);
    }
  });

  it("refuses a wrong password with 401 and serves nothing it was not given", async () => {
    const [ref] = DEMO_DATASETS;
    const wrong = await verifyPhysionetAccess({ baseUrl: upstream.url, slug: ref.slug, version: ref.version, username: DEMO_PHYSIONET_USERNAME, password: "not-the-demo-password" });
    expect(wrong.httpStatus).toBe(401);
    const other = await verifyPhysionetAccess({ baseUrl: upstream.url, slug: "mimic-cxr", version: "2.1.0", username: DEMO_PHYSIONET_USERNAME, password: DEMO_PHYSIONET_PASSWORD });
    expect(other.httpStatus).toBe(404);
  });

  it("serves the demo files themselves to wget (what a demo download fetches)", async () => {
    const [ref] = DEMO_DATASETS;
    const out = path.join(demoRoot, "fetched-sums.txt");
    const run = await runWget({ args: ["-q", "-O", out, `${upstream.url}/files/${ref.slug}/${ref.version}/SHA256SUMS.txt`], credentials: { username: DEMO_PHYSIONET_USERNAME, password: DEMO_PHYSIONET_PASSWORD }, timeoutMs: 15_000 });
    expect(run.exitCode).toBe(0);
    expect(await readFile(out, "utf8")).toBe(await readFile(path.join(demoRoot, ref.slug, ref.version, "SHA256SUMS.txt"), "utf8"));
  });
});
