import { opendir, stat } from "node:fs/promises";
import path from "node:path";

// PhysioNet's listings come from nginx `autoindex on` (exact sizes, UTC times) behind X-Accel-Redirect,
// so the title shows nginx's internal path. This reproduces ngx_http_autoindex_module's HTML byte for
// byte, because downloaders (and `wget -r`) parse it.

export type ListingEntry = { name: string; isDirectory: boolean; mtime: Date; size: number };

const NAME_WIDTH = 50;
const MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];
const STAT_BATCH = 64;

/** Visible entries of a directory, ordered like nginx: folders first, then byte-wise by name. */
export async function listDirectory({ directory }: { directory: string }): Promise<ListingEntry[]> {
  const names: string[] = [];
  for await (const dirent of await opendir(directory)) {
    if (!dirent.name.startsWith(".")) names.push(dirent.name);
  }
  const entries: ListingEntry[] = [];
  for (let i = 0; i < names.length; i += STAT_BATCH) {
    const batch = await Promise.all(
      names.slice(i, i + STAT_BATCH).map(async (name) => {
        // stat, not lstat: nginx follows symlinks; anything unreadable or special is left out.
        const info = await stat(path.join(directory, name)).catch(() => null);
        if (!info || (!info.isFile() && !info.isDirectory())) return null;
        return { name, isDirectory: info.isDirectory(), mtime: info.mtime, size: info.size };
      }),
    );
    for (const entry of batch) if (entry) entries.push(entry);
  }
  return entries.sort(compareEntries);
}

export function compareEntries(a: ListingEntry, b: ListingEntry): number {
  if (a.isDirectory !== b.isDirectory) return a.isDirectory ? -1 : 1;
  return Buffer.compare(Buffer.from(a.name), Buffer.from(b.name));
}

export function renderListingHead({ title }: { title: string }): string {
  const escaped = escapeHtml(title);
  return `<html>\r\n<head><title>Index of ${escaped}</title></head>\r\n<body>\r\n<h1>Index of ${escaped}</h1><hr><pre><a href="../">../</a>\r\n`;
}

export function renderListingLine({ entry }: { entry: ListingEntry }): string {
  const href = encodeHref(entry.name) + (entry.isDirectory ? "/" : "");
  const chars = Array.from(entry.name);
  let label: string;
  if (chars.length > NAME_WIDTH) {
    // nginx keeps 47 characters and marks the cut with "..>".
    label = `${escapeHtml(chars.slice(0, NAME_WIDTH - 3).join(""))}..&gt;</a>`;
  } else {
    let shown = chars.length;
    let text = escapeHtml(entry.name);
    if (entry.isDirectory && shown < NAME_WIDTH) {
      text += "/";
      shown += 1;
    }
    label = `${text}</a>${" ".repeat(NAME_WIDTH - shown)}`;
  }
  const size = entry.isDirectory ? "-" : String(entry.size);
  return `<a href="${href}">${label} ${formatDate(entry.mtime)} ${size.padStart(19)}\r\n`;
}

export const LISTING_TAIL = "</pre><hr></body>\r\n</html>\r\n";

function formatDate(date: Date): string {
  const pad = (n: number) => String(n).padStart(2, "0");
  return `${pad(date.getUTCDate())}-${MONTHS[date.getUTCMonth()]}-${date.getUTCFullYear()} ${pad(date.getUTCHours())}:${pad(date.getUTCMinutes())}`;
}

// nginx percent-escapes a name in the href only where a URI component needs it.
function encodeHref(name: string): string {
  return encodeURIComponent(name);
}

function escapeHtml(text: string): string {
  return text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");
}
