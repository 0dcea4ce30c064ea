import { lstat, mkdir, mkdtemp, readdir, readFile, rm, stat } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { getEnv } from "@/lib/env";

// Every wget run gets a private 0700 folder (its HOME and cwd, where the credential and cookie
// FIFOs and the CA certificate sit) under ONE root per user and host. The folder's name says which
// process made it (pid and start time), so any process can tell a dead one's leftovers from a live
// one's and wipe them. No secret is ever written to these folders (see ./secret-fifo.ts); the wipe
// is the second line of defence.

const LEGACY_PREFIX = "labgate-wget-";
// Folders of labgate before decision 019 held the password in a wgetrc. A live run of that version
// touched its folder at least once an hour (wget's timeout), so anything older is abandoned.
const LEGACY_MAX_AGE_MS = 2 * 3_600_000;

/** `LABGATE_WGET_DIR`, or `<system temp>/labgate-wget.<uid>` (a name that no earlier layout used). */
export function wgetRoot(): string {
  const fromEnv = getEnv().LABGATE_WGET_DIR;
  if (fromEnv) return path.resolve(/*turbopackIgnore: true*/ fromEnv);
  return path.join(os.tmpdir(), `labgate-wget.${process.getuid?.() ?? "user"}`);
}

/** Creates the root (0700) and refuses one that another user owns or that others can enter. */
export async function ensureWgetRoot(root = wgetRoot()): Promise<string> {
  await mkdir(root, { recursive: true, mode: 0o700 });
  const info = await lstat(root);
  const uid = process.getuid?.();
  if (!info.isDirectory()) throw new Error(`${root} is not a directory; labgate keeps wget's private folders there`);
  if (uid !== undefined && info.uid !== uid) throw new Error(`${root} belongs to another user; set LABGATE_WGET_DIR to a folder of labgate's own`);
  if ((info.mode & 0o077) !== 0) throw new Error(`${root} is open to other users (mode ${(info.mode & 0o777).toString(8)}); it must be 0700`);
  return root;
}

let ownTag: Promise<string> | undefined;
/** A fresh 0700 folder for one wget run, named for this process. */
export async function createRunDir(): Promise<string> {
  const root = await ensureWgetRoot();
  await wipeOnce(root);
  ownTag ??= startTicks(process.pid).then((ticks) => ownerTag(process.pid, ticks));
  return mkdtemp(path.join(root, `${await ownTag}-`));
}

let wiped: Promise<unknown> | null = null;
/** Every process wipes dead owners' folders the first time it runs wget (a worker also does at start). */
function wipeOnce(root: string): Promise<unknown> {
  wiped ??= wipeStaleWgetDirs({ root }).catch(() => null);
  return wiped;
}

export type WipeResult = { removed: string[]; kept: number };

/**
 * Removes every folder under the root whose owning process is gone (pid not running, or running
 * with another start time: a reused pid), and pre-019 folders in the system temp directory that
 * are over two hours old. Safe while other workers on this host run: their folders are kept.
 */
export async function wipeStaleWgetDirs({ root = wgetRoot() }: { root?: string } = {}): Promise<WipeResult> {
  const removed: string[] = [];
  let kept = 0;
  await ensureWgetRoot(root);
  for (const name of await readdir(root)) {
    const owner = /^(\d+)\.(\d+|x)-/.exec(name);
    const alive = owner ? await isAlive(Number(owner[1]), owner[2] === "x" ? null : Number(owner[2])) : false;
    if (alive) {
      kept++;
      continue;
    }
    await rm(path.join(root, name), { recursive: true, force: true });
    removed.push(path.join(root, name));
  }
  const tmp = os.tmpdir();
  const uid = process.getuid?.();
  for (const name of await readdir(tmp).catch(() => [] as string[])) {
    if (!name.startsWith(LEGACY_PREFIX) || name.length !== LEGACY_PREFIX.length + 6) continue;
    const full = path.join(tmp, name);
    const info = await lstat(full).catch(() => null);
    if (!info?.isDirectory() || (uid !== undefined && info.uid !== uid)) continue;
    if (Date.now() - info.mtimeMs < LEGACY_MAX_AGE_MS) continue;
    await rm(full, { recursive: true, force: true });
    removed.push(full);
  }
  return { removed, kept };
}

function ownerTag(pid: number, ticks: number | null): string {
  return `${pid}.${ticks ?? "x"}`;
}

/** The process's start time in clock ticks since boot (Linux /proc), or null where there is no /proc. */
export async function startTicks(pid: number): Promise<number | null> {
  const text = await readFile(`/proc/${pid}/stat`, "utf8").catch(() => null);
  if (text === null) return null;
  // Fields after the command name, which is in parentheses and may itself hold spaces or parentheses.
  const fields = text.slice(text.lastIndexOf(")") + 2).split(" ");
  const value = Number(fields[19]);
  return Number.isFinite(value) ? value : null;
}

async function isAlive(pid: number, ticks: number | null): Promise<boolean> {
  if (pid === process.pid) return ticks === null || ticks === (await startTicks(pid));
  if (await stat("/proc/self").then(() => true, () => false)) {
    const text = await readFile(`/proc/${pid}/stat`, "utf8").catch((e: NodeJS.ErrnoException) => (e.code === "ENOENT" || e.code === "ESRCH" ? null : "unknown"));
    // Only a process surely gone loses its folder: a read that failed otherwise keeps it.
    if (text === null) return false;
    if (text === "unknown") return true;
    const now = await startTicks(pid);
    return now === null || ticks === null || now === ticks;
  }
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === "EPERM";
  }
}
