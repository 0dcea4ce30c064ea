import "server-only";
import { randomUUID } from "node:crypto";
import { copyFile, mkdir, open, readdir, readFile, rename, rm, stat, statfs } from "node:fs/promises";
import { createReadStream } from "node:fs";
import path from "node:path";
import { eachLimited } from "@/lib/each-limited";
import { assertStorageKey, type FileStorage } from "./file-storage";

export type { FileStorage } from "./file-storage";
// Existing callers (CITI reports) import getStorage from here.
export { getStorage } from "./get-storage";

function resolveKey(root: string, key: string): string {
  assertStorageKey(key);
  return path.join(root, ...key.split("/"));
}

// fsyncs of a group in flight at once: concurrent fsyncs on one file system share its journal
// commits, so sixteen cost little more than one (the worker runs 16 libuv threads, scripts/start.ts).
const SYNC_PARALLEL = 16;

async function syncPath(filePath: string): Promise<void> {
  const handle = await open(filePath, "r");
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

const asError = (e: unknown) => (e instanceof Error ? e : new Error(String(e)));

function isMissing(e: unknown): boolean {
  const code = (e as NodeJS.ErrnoException).code;
  return code === "ENOENT" || code === "ENOTDIR";
}

export function createLocalStorage(opts: { root: string }): FileStorage {
  const root = path.resolve(opts.root);
  // Folders this process made or found: a download puts thousands of files into few folders.
  const knownDirs = new Set<string>();
  const ensureDir = async (dir: string) => {
    if (knownDirs.has(dir)) return;
    await mkdir(dir, { recursive: true });
    if (knownDirs.size > 10_000) knownDirs.clear();
    knownDirs.add(dir);
  };
  // A temporary name in the target's own directory: same file system, so the rename is atomic,
  // and dot-prefixed, so no storage key can ever name it.
  const tempBeside = (target: string) => path.join(path.dirname(target), `.${path.basename(target)}.${randomUUID()}.tmp`);

  /** Renames a flushed source into place; false when they lie on different file systems. */
  async function renameInto(sourcePath: string, target: string): Promise<boolean> {
    try {
      await rename(sourcePath, target).catch(async (e: NodeJS.ErrnoException) => {
        // The folder was removed since we made it: make it again and retry once.
        if (e.code !== "ENOENT" || !knownDirs.delete(path.dirname(target))) throw e;
        await ensureDir(path.dirname(target));
        await rename(sourcePath, target);
      });
      return true;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== "EXDEV") throw e;
      return false;
    }
  }

  /** Staging on another file system: copy beside the target, flush, rename, then drop the source. */
  async function copyInto(sourcePath: string, target: string): Promise<void> {
    const temp = tempBeside(target);
    await copyFile(sourcePath, temp);
    await syncPath(temp);
    await renameIntoPlace(temp, target);
    await rm(sourcePath, { force: true });
  }

  async function renameIntoPlace(temp: string, target: string): Promise<void> {
    try {
      await rename(temp, target);
    } catch (e) {
      await rm(temp, { force: true });
      throw e;
    }
  }

  return {
    kind: "local",
    // Written to a temporary file in the same directory, flushed, then renamed into place: a reader
    // sees either no file or the whole file, never a half-written one.
    async put(key, bytes) {
      const target = resolveKey(root, key);
      await mkdir(path.dirname(target), { recursive: true });
      const temp = tempBeside(target);
      const handle = await open(temp, "wx", 0o600);
      try {
        await handle.writeFile(bytes);
        await handle.sync();
      } finally {
        await handle.close();
      }
      await renameIntoPlace(temp, target);
    },
    async get(key) {
      try {
        return await readFile(resolveKey(root, key));
      } catch (e) {
        if (isMissing(e)) return null;
        throw e;
      }
    },
    async delete(key) {
      await rm(resolveKey(root, key), { force: true });
    },
    async putFile(key, sourcePath) {
      const target = resolveKey(root, key);
      await ensureDir(path.dirname(target));
      // Flush the verified bytes before they become visible, so a power cut cannot leave a short file.
      await syncPath(sourcePath);
      if (!(await renameInto(sourcePath, target))) await copyInto(sourcePath, target);
    },
    async putFiles(items) {
      const results: (Error | null)[] = items.map(() => null);
      const targets = items.map((item, i) => {
        try {
          return resolveKey(root, item.key);
        } catch (e) {
          results[i] = asError(e);
          return "";
        }
      });
      const each = (work: (i: number) => Promise<void>) =>
        eachLimited(items.length, SYNC_PARALLEL, async (i) => {
          if (results[i]) return;
          await work(i).catch((e: unknown) => void (results[i] = asError(e)));
        });
      // As putFile, flushed before visible; but the group's fsyncs run side by side, not one per file in turn.
      await each((i) => syncPath(items[i]!.sourcePath));
      const renamed = new Set<number>();
      await each(async (i) => {
        await ensureDir(path.dirname(targets[i]!));
        if (await renameInto(items[i]!.sourcePath, targets[i]!)) renamed.add(i);
        else await copyInto(items[i]!.sourcePath, targets[i]!);
      });
      // The renames themselves reach the disk with one fsync per folder before the caller records
      // the files as stored. A folder that cannot be flushed fails its files (they stay whole).
      const folders = [...new Set([...renamed].map((i) => path.dirname(targets[i]!)))];
      const folderErrors = new Map<string, Error>();
      await eachLimited(folders.length, SYNC_PARALLEL, (f) => syncPath(folders[f]!).catch((e: unknown) => void folderErrors.set(folders[f]!, asError(e))));
      for (const i of renamed) results[i] = folderErrors.get(path.dirname(targets[i]!)) ?? null;
      return results;
    },
    async stat(key) {
      try {
        const info = await stat(resolveKey(root, key));
        return info.isFile() ? { size: info.size } : null;
      } catch (e) {
        if (isMissing(e)) return null;
        throw e;
      }
    },
    async openRead(key, range) {
      const filePath = resolveKey(root, key);
      try {
        const info = await stat(filePath);
        if (!info.isFile()) return null;
      } catch (e) {
        if (isMissing(e)) return null;
        throw e;
      }
      return createReadStream(/*turbopackIgnore: true*/ filePath, range ? { start: range.start, end: range.end } : {});
    },
    async freeBytes() {
      await mkdir(root, { recursive: true });
      const info = await statfs(root);
      return Number(info.bavail) * Number(info.bsize);
    },
    async list(prefix) {
      const dir = resolveKey(root, prefix.replace(/\/+$/, ""));
      const found: { key: string; size: number }[] = [];
      let entries;
      try {
        entries = await readdir(/*turbopackIgnore: true*/ dir, { recursive: true, withFileTypes: true });
      } catch (e) {
        if (isMissing(e)) return found;
        throw e;
      }
      for (const entry of entries) {
        if (!entry.isFile()) continue;
        const full = path.join(entry.parentPath, entry.name);
        // Dot-named temporaries of an interrupted put are listed too: they hold the same bytes.
        const key = path.relative(root, full).split(path.sep).join("/");
        found.push({ key, size: (await stat(/*turbopackIgnore: true*/ full)).size });
      }
      return found;
    },
  };
}
