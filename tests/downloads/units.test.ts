import { describe, expect, it } from "vitest";
import { CredentialUnreadableError, deriveSecretKey, open, seal } from "@/lib/downloads/credentials/cipher";
import { parseListingSizes } from "@/lib/downloads/estimate";
import { categorize, isSafeDatasetPath, studyIdOf } from "@/lib/downloads/paths";
import { createConnectionRateProbe, startEstimateSeconds } from "@/lib/downloads/rate";
import { sampleStudies } from "@/lib/downloads/sample";
import { describeSelection, selectionSchema } from "@/lib/downloads/selection";
import { createWgetLogParser, type UrlOutcome } from "@/lib/downloads/transfer/wget-log";

describe("password sealing (AES-256-GCM)", () => {
  const key = deriveSecretKey({ secretKey: "k".repeat(40), nextauthSecret: "n".repeat(40) });
  it("round-trips, with a fresh IV each time and nothing of the password in the sealed text", () => {
    const a = seal({ key, plaintext: "pässword:1", aad: "user-1" });
    const b = seal({ key, plaintext: "pässword:1", aad: "user-1" });
    expect(a.iv).not.toBe(b.iv);
    expect(a.ciphertext).not.toBe(b.ciphertext);
    expect(JSON.stringify(a)).not.toContain("pässword");
    expect(open({ key, sealed: a, aad: "user-1" })).toBe("pässword:1");
  });
  it("refuses another row's data, a changed byte, and a rotated key, with a clear message", () => {
    const sealed = seal({ key, plaintext: "secret", aad: "user-1" });
    expect(() => open({ key, sealed, aad: "user-2" })).toThrow(CredentialUnreadableError);
    const flipped = Buffer.from(sealed.ciphertext, "base64");
    flipped[0] = flipped[0]! ^ 1;
    expect(() => open({ key, sealed: { ...sealed, ciphertext: flipped.toString("base64") }, aad: "user-1" })).toThrow(/could not be decrypted/);
    const other = deriveSecretKey({ secretKey: "z".repeat(40), nextauthSecret: "n".repeat(40) });
    expect(() => open({ key: other, sealed, aad: "user-1" })).toThrow(/LABGATE_SECRET_KEY changed/);
    // Without LABGATE_SECRET_KEY the key comes from NEXTAUTH_SECRET, under its own label.
    expect(deriveSecretKey({ nextauthSecret: "k".repeat(40) }).id).not.toBe(deriveSecretKey({ secretKey: "k".repeat(40), nextauthSecret: "x".repeat(40) }).id);
  });
});

describe("reading wget's log", () => {
  it("follows each URL through retries to its outcome", () => {
    const ends: [string, UrlOutcome][] = [];
    const parser = createWgetLogParser({ known: new Set(["http://h/a", "http://h/b", "http://h/c"]), onUrlEnd: (u, o) => ends.push([u, { ...o }]) });
    parser.push("--2026-01-01 10:00:00--  http://h/a\nHTTP request sent, awaiting response... \n  HTTP/1.1 200 OK\n  Content-Length: 300\n\n");
    parser.push("2026-01-01 10:00:00 (1 MB/s) - Read error at byte 150/300 (Connection reset by peer). Retrying.\n\n--2026-01-01 10:00:01--  (try: 2)  http://h/a\n");
    parser.push("  HTTP/1.1 206 Partial Content\n  Content-Range: bytes 150-299/300\n2026-01-01 10:00:01 (1 MB/s) - 'a' saved [300/300]\n\n");
    parser.push("--2026-01-01 10:00:02--  http://h/b\n  HTTP/1.1 503 Service Temporarily Unavailable\n2026-01-01 10:00:02 ERROR 503: Service Temporarily Unavailable.\n");
    parser.push("--2026-01-01 10:00:03--  http://h/c\n  HTTP/1.1 200 OK\nCannot write to 'c' (No space left on device).\n");
    parser.end({ interrupted: false });
    expect(ends.map(([u]) => u)).toEqual(["http://h/a", "http://h/b", "http://h/c"]);
    expect(ends[0]![1]).toMatchObject({ status: 206, totalBytes: 300, complete: true });
    expect(ends[1]![1]).toMatchObject({ status: 503, complete: false });
    expect(ends[2]![1]).toMatchObject({ complete: false, enospc: true, ioError: "No space left on device" });
  });
});

describe("selections", () => {
  it("classifies MIMIC paths", () => {
    expect(categorize("mimic-cxr-2.0.0-chexpert.csv.gz", null)).toBe("metadata");
    expect(categorize("files/p10/p10000032/s50414267.txt", null)).toBe("report");
    expect(categorize("files/p10/p10000032/s50414267/02aa804e-bde0afdd-112c0b34-7bc16630-4e384014.dcm", null)).toBe("image");
    expect(categorize("files/p10/p10000032/s50414267/x.jpg", new Set())).toBe("other"); // IMAGE_FILENAMES decides when present
    expect(studyIdOf("files/p10/p10000032/s50414267/x.dcm")).toBe(50414267);
    expect(studyIdOf("files/p10/p10000032/s50414267.txt")).toBe(50414267);
    for (const bad of ["../x", "files/../../etc/passwd", "/etc/passwd", "a b", "files//x"]) expect(isSafeDatasetPath(bad), bad).toBe(false);
  });
  it("samples reproducibly, nested by percentage", () => {
    const ids = Array.from({ length: 1000 }, (_, i) => 50_000_000 + i * 7);
    const ten = sampleStudies({ studyIds: ids, percent: 10, seed: 42 });
    expect(ten.size).toBe(100);
    expect(sampleStudies({ studyIds: [...ids].reverse(), percent: 10, seed: 42 })).toEqual(ten);
    expect([...ten].every((id) => sampleStudies({ studyIds: ids, percent: 30, seed: 42 }).has(id))).toBe(true);
    expect(sampleStudies({ studyIds: ids, percent: 10, seed: 43 })).not.toEqual(ten);
  });
  it("validates and describes", () => {
    expect(selectionSchema.safeParse({ mode: "filter" }).success).toBe(false);
    expect(selectionSchema.safeParse({ mode: "paths", paths: ["../etc/passwd"] }).success).toBe(false);
    expect(describeSelection(selectionSchema.parse({ mode: "filter", metadata: true }))).toBe("Metadata and labels");
    expect(describeSelection(selectionSchema.parse({ mode: "filter", images: "jpg", studies: { kind: "sample", percent: 10, seed: 2 } }))).toBe("JPG images of a 10% sample of studies (seed 2)");
  });
  it("reads sizes from an nginx listing, leaving folders out", () => {
    const html = `<html><body><pre><a href="../">../</a>\r\n<a href="files/">files/</a>          01-Jan-2024 10:00       -\r\n<a href="LICENSE.txt">LICENSE.txt</a>     01-Jan-2024 10:00     2518\r\n<a href="mimic-cxr-2.0.0-metadata.csv.gz">mimic-cxr-2.0.0-metadata.csv.gz</a>  01-Jan-2024 10:00   51230745\r\n</pre></body></html>`;
    expect(parseListingSizes(html)).toEqual(new Map([["LICENSE.txt", 2518], ["mimic-cxr-2.0.0-metadata.csv.gz", 51230745]]));
  });
});

describe("the estimate before a start", () => {
  it("measures a connection between wget's progress lines, else over the whole fetch, never from a blink", () => {
    const lines = createConnectionRateProbe(0);
    // 100 ms of connection set-up, then 51,200 bytes a second.
    for (let i = 1; i <= 5; i++) lines.progress(i * 51_200, 100 + i * 1_000);
    expect(lines.finish(300_000, 6_000)).toBe(51_200);
    const whole = createConnectionRateProbe(1_000);
    expect(whole.finish(80_000, 3_000)).toBe(40_000);
    // Too quick, or too small for the rate to outweigh starting wget and the password round trip.
    expect(createConnectionRateProbe(0).finish(80_000, 300)).toBeNull();
    expect(createConnectionRateProbe(0).finish(2_000, 3_000)).toBeNull();
  });
  it("is the bytes left over rate × lanes, or nothing without a rate", () => {
    // MIMIC-CXR-JPG's 570 GB at PhysioNet's ~0.6 MB/s per connection: 4 lanes take about 2.75 days.
    expect(startEstimateSeconds({ bytesLeft: 570e9, connectionRate: 600_000, lanes: 4 })).toBe(237_500);
    expect(startEstimateSeconds({ bytesLeft: 570e9, connectionRate: 600_000, lanes: 8 })).toBe(118_750);
    expect(startEstimateSeconds({ bytesLeft: 1_000, connectionRate: null, lanes: 4 })).toBeNull();
  });
});

describe("a storage error on the download page", () => {
  it("keeps the code and reason, drops every path", async () => {
    const { storageErrorText } = await import("@/lib/downloads/transfer/verifier");
    const fsError = Object.assign(new Error("ENOTDIR: not a directory, rename '/srv/lab/.staging/jobs/j/files/p10/p10000032/s50414267/a.dcm' -> '/srv/lab/downloads/mimic-cxr/2.0.0/files/p10/p10000032/s50414267/a.dcm'"), { code: "ENOTDIR" });
    expect(storageErrorText(fsError, [])).toBe("ENOTDIR: not a directory, rename … -> …");
    const s3Error = Object.assign(new Error("The specified bucket does not exist: downloads/mimic-cxr/2.0.0/files/p10/a.dcm"), { name: "NoSuchBucket" });
    expect(storageErrorText(s3Error, ["downloads/mimic-cxr/2.0.0/files/p10/a.dcm", "files/p10/a.dcm"])).toBe("The specified bucket does not exist: …");
  });
});
