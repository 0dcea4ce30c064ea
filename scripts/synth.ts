/**
 * `npm run synth -- --studies N --out <dir> [--project mimic-cxr|mimic-cxr-jpg] [--version 2.0.0|2.1.0]
 * [--seed S] [--images N]`: writes a synthetic MIMIC-CXR or MIMIC-CXR-JPG version directory that
 * `npm run import` takes like the real one.
 */
import { parseArgs } from "node:util";
import { z } from "zod";
import { writeSyntheticVersion } from "@/lib/mimic/synth/write-version";

const USAGE = "usage: npm run synth -- --studies N --out <dir> [--project mimic-cxr|mimic-cxr-jpg] [--version 2.0.0|2.1.0] [--seed S] [--images N]";

const count = z.coerce.number().int().nonnegative();
const Args = z.object({
  studies: count.min(1),
  out: z.string().min(1),
  project: z.enum(["mimic-cxr", "mimic-cxr-jpg"]).default("mimic-cxr-jpg"),
  version: z.enum(["2.0.0", "2.1.0"]).default("2.1.0"),
  seed: count.default(1),
  images: count.default(0),
});

async function main() {
  const { values } = parseArgs({
    options: {
      studies: { type: "string" },
      out: { type: "string" },
      project: { type: "string" },
      version: { type: "string" },
      seed: { type: "string" },
      images: { type: "string" },
    },
  });
  const parsed = Args.safeParse(values);
  if (!parsed.success) {
    console.error(`${USAGE}\n${parsed.error.issues.map((i) => `  --${i.path.join(".")}: ${i.message}`).join("\n")}`);
    process.exit(2);
  }
  const args = parsed.data;
  const started = Date.now();
  const tty = process.stderr.isTTY;
  let lastLine = 0;
  const result = await writeSyntheticVersion({
    ...args,
    onProgress: ({ rows }) => {
      const line = `labgate synth: ${rows.toLocaleString("en-US")} / ${args.studies.toLocaleString("en-US")} studies`;
      if (tty) process.stderr.write(`\r\x1b[2K${line}`);
      else if (Date.now() - lastLine > 5000) {
        lastLine = Date.now();
        process.stderr.write(`${line}\n`);
      }
    },
  });
  if (tty) process.stderr.write("\n");
  const seconds = ((Date.now() - started) / 1000).toFixed(1);
  console.log(
    `labgate synth: ${args.project} ${args.version} seed ${args.seed} in ${args.out}: ${result.patients.toLocaleString("en-US")} patients, ` +
      `${result.studies.toLocaleString("en-US")} studies, ${result.images.toLocaleString("en-US")} images, ${result.files.length} files in ${seconds} s`,
  );
}

main().catch((e: unknown) => {
  console.error(`labgate synth failed: ${e instanceof Error ? e.message : String(e)}`);
  process.exit(1);
});
