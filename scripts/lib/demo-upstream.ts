import path from "node:path";
import { startUpstream, type Upstream } from "@/lib/physionet/upstream/start-upstream";
import { DEMO_DATASETS, DEMO_PHYSIONET_USERNAME } from "./demo-seed";

export const DEMO_PHYSIONET_PASSWORD = "demo-physionet-password";
// Slow enough that a demo download shows its progress, rate and ETA; PhysioNet itself gives ~0.35 MiB/s.
const DEMO_THROTTLE = 2 * 1024 * 1024;

/**
 * PhysioNet is not reachable from a bare demo machine, so `npm start` serves the synthetic demo
 * datasets (the same directories it imported) from the project's PhysioNet-like test upstream, with
 * one account for the demo researcher. "Verify with PhysioNet" and downloads then work end to end.
 */
export async function startDemoUpstream({ demoRoot = path.resolve("data/demo"), port = 0 }: { demoRoot?: string; port?: number } = {}): Promise<Upstream> {
  return startUpstream({
    projects: DEMO_DATASETS.map((ref) => ({ slug: ref.slug, version: ref.version, root: path.join(demoRoot, ref.slug, ref.version) })),
    accounts: [{ username: DEMO_PHYSIONET_USERNAME, password: DEMO_PHYSIONET_PASSWORD, access: DEMO_DATASETS.map((ref) => ({ slug: ref.slug, version: ref.version })) }],
    host: "127.0.0.1",
    port,
    throttleBytesPerSecond: DEMO_THROTTLE,
  });
}
