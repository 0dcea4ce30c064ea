/**
 * A PhysioNet-like cloud mirror for benchmarks and by-hand tries (decision 032): serves a version
 * directory as an S3 bucket (lib/physionet/upstream/mirror-server.ts) in its own process, the way the
 * real mirror is another machine. Prints "mirror at <url>" once it listens.
 *
 *   node --import tsx scripts/mirror-upstream.ts --root <dir> --bucket <name> --key <id:secret> [--requester-pays] [--port n] [--throttle bytes/s]
 */
import { parseArgs } from "node:util";
import { startMirrorServer } from "@/lib/physionet/upstream/mirror-server";

const { values } = parseArgs({
  options: {
    root: { type: "string" },
    bucket: { type: "string" },
    key: { type: "string", multiple: true, default: [] },
    "requester-pays": { type: "boolean", default: false },
    port: { type: "string", default: "0" },
    throttle: { type: "string", default: "0" },
  },
});
if (!values.root || !values.bucket || values.key.length === 0) {
  console.error("usage: scripts/mirror-upstream.ts --root <dir> --bucket <name> --key <id:secret> (repeatable: every key listed in the bucket policy)");
  process.exit(2);
}
const keys = Object.fromEntries(
  values.key.map((k) => {
    const at = k.indexOf(":");
    return [k.slice(0, at), k.slice(at + 1)];
  }),
);
const server = await startMirrorServer({
  buckets: [{ name: values.bucket, root: values.root, allow: Object.keys(keys), requesterPays: values["requester-pays"] }],
  keys,
  port: Number(values.port),
  throttleBytesPerSecond: Number(values.throttle),
});
console.log(`mirror at ${server.url}`);
const stop = () => void server.close().then(() => process.exit(0));
process.on("SIGTERM", stop);
process.on("SIGINT", stop);
