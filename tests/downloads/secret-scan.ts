import { lstat, readdir, readFile } from "node:fs/promises";
import path from "node:path";

/**
 * Every regular file under `dirs` whose bytes contain `secret` (FIFOs, sockets and devices are
 * never opened: a FIFO holds nothing on disk, and opening one would block). Files over
 * `maxBytes` are skipped — but none under a dir listed in `fullDirs`.
 */
export async function filesContaining(dirs: string[], secret: string, { maxBytes = 1_000_000, fullDirs = dirs.slice(0, -1) }: { maxBytes?: number; fullDirs?: string[] } = {}): Promise<string[]> {
  const needle = Buffer.from(secret);
  const found = new Set<string>();
  const seen = new Set<string>();
  const walk = async (dir: string, full: boolean, depth: number): Promise<void> => {
    if (depth > 8 || seen.has(dir)) return;
    seen.add(dir);
    for (const name of await readdir(dir).catch(() => [] as string[])) {
      const file = path.join(dir, name);
      const info = await lstat(file).catch(() => null);
      if (!info) continue;
      if (info.isDirectory()) await walk(file, full || fullDirs.includes(file), depth + 1);
      else if (info.isFile() && (full || info.size <= maxBytes)) {
        const bytes = await readFile(file).catch(() => null);
        if (bytes?.includes(needle)) found.add(file);
      }
    }
  };
  for (const dir of dirs) await walk(dir, fullDirs.includes(dir), 0);
  return [...found];
}

/** The process no longer runs (gone, or a zombie waiting to be reaped). */
export async function isGone(pid: number): Promise<boolean> {
  const stat = await readFile(`/proc/${pid}/stat`, "utf8").catch(() => null);
  return stat === null || stat.slice(stat.lastIndexOf(")") + 2).startsWith("Z");
}
