import { extractLinks, extractTextItems, getDocumentProxy } from "unpdf";

// Text and link targets of a PDF, read with pdf.js (through unpdf). Reading problems come back as
// values, so callers can word them for their users.

export type PdfText =
  | { problem: null; lines: string[]; links: string[] }
  | { problem: "encrypted" | "unreadable" | "too_many_pages"; lines?: never; links?: never };

type Item = { str: string; x: number; y: number; width: number; fontSize: number };

// pdf.js returns text runs, not lines: group runs by baseline, order them left to right, and add a
// space only where the runs are visibly apart, so "Name:" + "Ana Souza" reads as one line.
function toLines(items: Item[]): string[] {
  const sorted = items.filter((i) => i.str.trim() !== "").sort((a, b) => b.y - a.y || a.x - b.x);
  const rows: Item[][] = [];
  for (const item of sorted) {
    const row = rows[rows.length - 1];
    if (row && Math.abs(row[0]!.y - item.y) <= Math.max(2, item.fontSize * 0.4)) row.push(item);
    else rows.push([item]);
  }
  return rows.map((row) => {
    row.sort((a, b) => a.x - b.x);
    let text = "";
    let end = -Infinity;
    for (const item of row) {
      if (text && item.x - end > item.fontSize * 0.15) text += " ";
      text += item.str;
      end = item.x + item.width;
    }
    return text.replace(/\s+/g, " ").trim();
  });
}

/** Lines of text in reading order (page by page, top to bottom) and every link annotation's URL. */
export async function readPdfText(bytes: Uint8Array, opts: { maxPages: number }): Promise<PdfText> {
  let pdf;
  try {
    // A copy: pdf.js may take ownership of (detach) the buffer it is given.
    pdf = await getDocumentProxy(new Uint8Array(bytes), { verbosity: 0, isEvalSupported: false });
  } catch (e) {
    return { problem: e instanceof Error && e.name === "PasswordException" ? "encrypted" : "unreadable" };
  }
  try {
    if (pdf.numPages > opts.maxPages) return { problem: "too_many_pages" };
    const [{ items }, { links }] = await Promise.all([extractTextItems(pdf), extractLinks(pdf)]);
    return { problem: null, lines: items.flatMap((page) => toLines(page)), links };
  } catch {
    return { problem: "unreadable" };
  } finally {
    await pdf.destroy();
  }
}
