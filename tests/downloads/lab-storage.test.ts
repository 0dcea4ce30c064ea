import { mkdtemp, readFile, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { and, eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

// Lab storage and staging for this file (read once by lib/env.ts, so set before anything asks).
const storageDir = await mkdtemp(path.join(os.tmpdir(), "labgate-dl-browse-"));
process.env.LABGATE_STORAGE_DIR = storageDir;

const { downloadFiles, storedFiles } = await import("@/db/schema");
const { getDb } = await import("@/lib/db/client");
const { parseSha256Sums } = await import("@/lib/physionet/sha256-sums");
const { browseStorage, normalizeFolder, storageTotals } = await import("@/lib/downloads/browse-storage");
const { studyFetchOffer } = await import("@/lib/downloads/study-fetch");
const { studyIdOf } = await import("@/lib/downloads/paths");
const s = await import("./support");

afterAll(async () => {
  await rm(storageDir, { recursive: true, force: true });
});

type Row = { path: string; size: number };

async function store(labId: string, datasetId: string, rows: Row[]) {
  if (rows.length === 0) return;
  await getDb()
    .insert(storedFiles)
    .values(rows.map((r) => ({ labId, datasetId, path: r.path, storageKey: `downloads/x/${r.path}`, size: r.size, sha256: "a".repeat(64), storedAt: new Date("2026-12-01T10:00:00Z") })));
}

/** The folder's entries as a plain listing of every path would give them, in byte order. */
function expectedEntries(paths: string[], dir: string): string[] {
  const names = new Set<string>();
  for (const p of paths) {
    if (!p.startsWith(dir)) continue;
    const rest = p.slice(dir.length);
    const slash = rest.indexOf("/");
    names.add(slash === -1 ? rest : `${rest.slice(0, slash)}/`);
  }
  // A folder sorts where its paths do: "files.txt" ('.' is 0x2E) before "files/" ('/' is 0x2F).
  return [...names].sort((a, b) => Buffer.from(a).compare(Buffer.from(b)));
}

async function walkAll(labId: string, datasetId: string, dir: string, limit: number): Promise<{ names: string[]; pages: number }> {
  const names: string[] = [];
  let after: string | null = null;
  let pages = 0;
  do {
    const page = await browseStorage({ labId, datasetId, dir, after, limit });
    pages++;
    expect(page.entries.length).toBeLessThanOrEqual(limit);
    names.push(...page.entries.map((e) => (e.kind === "folder" ? `${e.name}/` : e.name)));
    after = page.next;
  } while (after && pages < 1000);
  return { names, pages };
}

describe("the lab-storage browser", () => {
  let lab: Awaited<ReturnType<typeof s.labWithResearcher>>;
  const paths: string[] = [];
  beforeAll(async () => {
    lab = await s.labWithResearcher();
    // Names chosen to trip a sloppy prefix or order: "p1" beside "p10", a file named like a folder,
    // "-" and "." (which sort before "/") right after a folder's name, top-level files among folders.
    for (const top of ["README.md", "SHA256SUMS.txt", "mimic-cxr-2.0.0-metadata.csv.gz", "files.txt"]) paths.push(top);
    for (const group of ["p1", "p10", "p11"]) {
      for (let subject = 0; subject < 7; subject++) {
        const sub = `files/${group}/${group}0000${subject}`;
        paths.push(`${sub}.txt`, `${sub}-notes.txt`);
        for (let study = 0; study < 3; study++) {
          paths.push(`${sub}/s5${subject}${study}.txt`);
          for (let img = 0; img < 2; img++) paths.push(`${sub}/s5${subject}${study}/img-${img}.dcm`);
        }
      }
    }
    await store(lab.labId, lab.datasetId, paths.map((p, i) => ({ path: p, size: 1000 + i })));
    // Another lab's copy of the same version: never listed, never counted.
    const other = await s.labWithResearcher();
    await store(other.labId, lab.datasetId, [{ path: "files/p1/p99999999/s1/secret.dcm", size: 5 }, { path: "zz-other-lab.txt", size: 5 }]);
  });

  it("lists one folder at a time in byte order, folders and files, and pages through it without gaps or repeats", async () => {
    for (const dir of ["", "files/", "files/p1/", "files/p10/", "files/p10/p100003/", "files/p11/p110006/s5062/"]) {
      const want = expectedEntries(paths, dir);
      for (const limit of [1, 3, 100]) {
        const { names, pages } = await walkAll(lab.labId, lab.datasetId, dir, limit);
        expect(names, `${dir} by ${limit}`).toEqual(want);
        expect(pages).toBe(Math.max(1, Math.ceil(want.length / limit)));
      }
    }
    const root = await browseStorage({ labId: lab.labId, datasetId: lab.datasetId, dir: "" });
    expect(root.entries.find((e) => e.name === "SHA256SUMS.txt")).toMatchObject({ kind: "file", path: "SHA256SUMS.txt", sha256: "a".repeat(64), storedAt: new Date("2026-12-01T10:00:00Z") });
    expect(root.entries.find((e) => e.name === "files")).toEqual({ kind: "folder", name: "files" });
  });

  it("counts files and bytes under a folder of this lab only", async () => {
    const under = (dir: string) => paths.map((p, i) => ({ p, size: 1000 + i })).filter((x) => x.p.startsWith(dir));
    for (const dir of ["", "files/p1/", "files/p10/p100003/"]) {
      const want = under(dir);
      expect(await storageTotals({ labId: lab.labId, datasetId: lab.datasetId, dir })).toEqual({ files: want.length, bytes: want.reduce((n, x) => n + x.size, 0) });
    }
  });

  it("accepts folders as PhysioNet lays them out and nothing that could climb out", () => {
    expect(normalizeFolder(undefined)).toBe("");
    expect(normalizeFolder("files/p10")).toBe("files/p10/");
    expect(normalizeFolder("/files/p10/")).toBe("files/p10/");
    for (const bad of ["../etc", "files/../../x", "files//p10", ".staging/", "files/\0"]) expect(normalizeFolder(bad), bad).toBeNull();
  });
});

describe("fetch these images from PhysioNet", () => {
  let src: Awaited<ReturnType<typeof s.makeVersionDir>>;
  beforeAll(async () => {
    src = await s.makeVersionDir();
  });
  afterAll(async () => {
    await src?.cleanup();
  });

  it("makes a job of exactly the study's images that the lab holds nowhere, under the member's own PhysioNet account, and they land in the browser", async () => {
    const lab = await s.labWithResearcher();
    const manifest = parseSha256Sums({ text: await readFile(path.join(src.root, "SHA256SUMS.txt"), "utf8") });
    // The study with the most images, as the study page passes them (mimic_image rows).
    const byStudy = new Map<number, string[]>();
    for (const e of manifest) {
      const id = studyIdOf(e.path);
      if (id !== null && e.path.endsWith(".dcm")) byStudy.set(id, [...(byStudy.get(id) ?? []), e.path]);
    }
    const [studyId, studyImages] = [...byStudy].sort((a, b) => b[1].length - a[1].length)[0]!;
    expect(studyImages.length).toBeGreaterThanOrEqual(2);
    // With 3+ images one was found by the import (present_locally); with 2, none was.
    const [downloaded, ...others] = studyImages.sort();
    const imported = others.length >= 2 ? others[0]! : null;
    const rest = others.filter((p) => p !== imported);
    await store(lab.labId, lab.datasetId, [{ path: downloaded!, size: 1 }]);
    const images = studyImages.map((p) => ({ path: p, presentLocally: p === imported }));

    const offer = await studyFetchOffer({ userId: lab.researcher.id, labId: lab.labId, datasetId: lab.datasetId, images });
    expect(offer.stored).toEqual([downloaded]);
    expect(offer.physionetUsername).toBe(lab.researcher.physionetUsername);
    expect(offer.savedPassword).toBe(false);
    expect(offer.selection).toEqual({ mode: "paths", paths: rest });
    // A member with nothing missing is offered nothing.
    const none = await studyFetchOffer({ userId: lab.member.id, labId: lab.labId, datasetId: lab.datasetId, images: images.map((i) => ({ ...i, presentLocally: true })) });
    expect(none).toMatchObject({ selection: null, physionetUsername: null });

    // What the form posts: the offer's selection, through the regular download job.
    const { upstream, source } = await s.startServed({ root: src.root, username: lab.researcher.physionetUsername });
    try {
      const { id } = await s.createJob(lab, offer.selection!);
      const ready = await s.prepareAndStart(lab, id, source);
      const files = await getDb().select({ path: downloadFiles.path, state: downloadFiles.state }).from(downloadFiles).where(eq(downloadFiles.jobId, id));
      // Exactly the missing images of that one study: no report, no other study, nothing the lab holds.
      const listed = files.filter((f) => f.state !== "skipped").map((f) => f.path).sort();
      expect(listed).toEqual(rest);
      expect(listed.every((p) => studyIdOf(p) === studyId && p.endsWith(".dcm"))).toBe(true);
      expect(ready.description).toMatch(/listed path/);
      const results = await s.driveUntilEnded(id, source);
      expect(results.at(-1)).toEqual({ outcome: "ended", state: "completed" });
      const folder = `${studyImages[0]!.slice(0, studyImages[0]!.lastIndexOf("/") + 1)}`;
      const page = await browseStorage({ labId: lab.labId, datasetId: lab.datasetId, dir: folder });
      expect(page.entries.map((e) => e.name).sort()).toEqual(studyImages.filter((p) => p !== imported).map((p) => p.slice(folder.length)).sort());
      const stored = await getDb().select({ path: storedFiles.path }).from(storedFiles).where(and(eq(storedFiles.labId, lab.labId), eq(storedFiles.datasetId, lab.datasetId)));
      expect(stored.map((r) => r.path).sort()).toEqual(studyImages.filter((p) => p !== imported).sort());
    } finally {
      await upstream.close();
    }
  });
});
