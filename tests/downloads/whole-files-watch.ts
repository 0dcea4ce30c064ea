import { readdir, stat } from "node:fs/promises";
import path from "node:path";

async function* walk(dir: string): AsyncGenerator<string> {
  for (const entry of await readdir(dir, { withFileTypes: true }).catch(() => [])) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) yield* walk(full);
    else yield full;
  }
}

/**
 * Watches a lab-storage folder until stopped: a file visible there must be whole (the size the
 * manifest gives; its bytes are checked at the end). Each visible partial file is one violation.
 */
export function watchWholeFiles(root: string, sizes: ReadonlyMap<string, number>): { violations: string[]; stop: () => Promise<void> } {
  const violations: string[] = [];
  let watching = true;
  const watcher = (async () => {
    while (watching) {
      for await (const file of walk(root)) {
        const rel = path.relative(root, file).split(path.sep).join("/");
        const size = (await stat(file).catch(() => null))?.size;
        if (size !== undefined && size !== sizes.get(rel)) violations.push(`${rel}: ${size} bytes visible, expected ${sizes.get(rel)}`);
      }
      await new Promise((r) => setTimeout(r, 25));
    }
  })();
  return {
    violations,
    stop: async () => {
      watching = false;
      await watcher;
    },
  };
}
