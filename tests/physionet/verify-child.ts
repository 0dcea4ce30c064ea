/**
 * A process that runs one "Verify with PhysioNet" wget and is killed by the test
 * (tests/physionet/verify-kill.test.ts). The password comes on stdin, so it is in no argv, file or
 * environment of this process either; prints `wget <pid> <folder>` once wget runs.
 * Run with `node --import tsx tests/physionet/verify-child.ts <baseUrl> <username>`.
 */
import { verifyPhysionetAccess } from "@/lib/physionet/wget/verify-access";

async function main() {
  const [baseUrl, username] = process.argv.slice(2);
  let password = "";
  for await (const chunk of process.stdin) password += String(chunk);
  const result = await verifyPhysionetAccess({
    baseUrl: baseUrl!,
    slug: "mimic-cxr",
    version: "2.0.0",
    username: username!,
    password: password.replace(/\n$/, ""),
    timeoutMs: 120_000,
    onSpawn: (info) => console.log(`wget ${info.pid} ${info.dir}`),
  });
  console.log(`result ${result.outcome}`);
}

main().catch((e: unknown) => {
  console.error(`verify-child: ${e instanceof Error ? e.message : String(e)}`);
  process.exit(1);
});
