import { createHash } from "node:crypto";
import { readFile } from "node:fs/promises";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { parseSha256Sums } from "@/lib/physionet/sha256-sums";
import { rawRequest } from "./raw-request";
import { ALICE, basic, PREFIX, servedUpstreamFixture } from "./served-version";

// What nginx does behind PhysioNet's X-Accel-Redirect, once a wget client is authorised.
const AUTH = { "user-agent": "Wget/1.21.3", authorization: basic(ALICE) };
const IMAGE = "files/p10/p10000032/s50414267/02aa804e.dcm";

const fixture = servedUpstreamFixture();

const get = (p: string, headers: Record<string, string> = {}, method = "GET") => rawRequest({ url: `${fixture.upstream.url}${PREFIX}/${p}`, method, headers: { ...AUTH, ...headers } });

describe("files", () => {
  it("serves a whole file with length, type, validators and Accept-Ranges", async () => {
    const res = await get(IMAGE);
    expect(res.status).toBe(200);
    expect(res.body.equals(fixture.served.image)).toBe(true);
    expect(res.headers["content-length"]).toBe(String(fixture.served.image.length));
    expect(res.headers["content-type"]).toBe("application/dicom");
    expect(res.headers["accept-ranges"]).toBe("bytes");
    expect(res.headers["last-modified"]).toBeTruthy();
  });

  it("answers HEAD with the headers of GET and no body", async () => {
    const res = await get(IMAGE, {}, "HEAD");
    expect(res.status).toBe(200);
    expect(res.headers["content-length"]).toBe(String(fixture.served.image.length));
    expect(res.body.length).toBe(0);
  });

  it("serves byte ranges: a-b, a- and -n give 206 with Content-Range", async () => {
    const size = fixture.served.image.length;
    const middle = await get(IMAGE, { range: "bytes=100-199" });
    expect(middle.status).toBe(206);
    expect(middle.headers["content-range"]).toBe(`bytes 100-199/${size}`);
    expect(middle.body.equals(fixture.served.image.subarray(100, 200))).toBe(true);

    const tail = await get(IMAGE, { range: `bytes=${size - 10}-` });
    expect(tail.status).toBe(206);
    expect(tail.body.equals(fixture.served.image.subarray(size - 10))).toBe(true);

    const suffix = await get(IMAGE, { range: "bytes=-5" });
    expect(suffix.body.equals(fixture.served.image.subarray(size - 5))).toBe(true);
    expect(fixture.upstream.stats.rangeRequests).toBeGreaterThanOrEqual(3);
  });

  it("answers a range past the end with 416 and the size (what wget -c sees on a finished file)", async () => {
    const res = await get(IMAGE, { range: `bytes=${fixture.served.image.length}-` });
    expect(res.status).toBe(416);
    expect(res.headers["content-range"]).toBe(`bytes */${fixture.served.image.length}`);
  });

  it("sends the whole file when If-Range names an older version", async () => {
    const res = await get(IMAGE, { range: "bytes=0-9", "if-range": '"stale"' });
    expect(res.status).toBe(200);
    expect(res.body.length).toBe(fixture.served.image.length);
  });

  it("marks ?download as an attachment", async () => {
    const res = await rawRequest({ url: `${fixture.upstream.url}${PREFIX}/LICENSE.txt?download`, headers: AUTH });
    expect(res.headers["content-disposition"]).toBe('attachment; filename="LICENSE.txt"');
  });

  it("refuses other methods and paths that climb out of the version", async () => {
    expect((await get("LICENSE.txt", {}, "POST")).status).toBe(405);
    expect((await get("files/../../../etc/passwd")).status).toBe(404);
    expect((await get("files/%2e%2e/%2e%2e/LICENSE.txt")).status).toBe(404);
  });
});

describe("SHA256SUMS.txt", () => {
  it("lists every other file, sorted byte-wise, with its SHA-256", async () => {
    const res = await get("SHA256SUMS.txt");
    const text = res.body.toString("utf8");
    expect(text).toMatch(/^([0-9a-f]{64} \S+\n)+$/);
    const entries = parseSha256Sums({ text });
    const paths = entries.map((e) => e.path);
    // Byte-wise, as `LC_ALL=C sort` orders them: "." (0x2e) sorts before "/" (0x2f).
    expect(paths).toEqual(["LICENSE.txt", "RECORDS.txt", `files/${"a".repeat(60)}.txt`, "files/p10/p10000032/s50414267.txt", IMAGE]);
    for (const entry of entries) {
      const bytes = await readFile(path.join(fixture.served.root, entry.path));
      expect(createHash("sha256").update(bytes).digest("hex")).toBe(entry.sha256);
    }
  });
});

describe("directory listings", () => {
  it("redirects a folder without its slash", async () => {
    const res = await get("files");
    expect(res.status).toBe(302);
    expect(res.headers.location).toBe(`${PREFIX}/files/`);
  });

  it("renders nginx autoindex: nginx's internal title, ../, folders first, dates, sizes, long names cut", async () => {
    const res = await get("files/");
    expect(res.status).toBe(200);
    expect(res.headers["last-modified"]).toBeUndefined();
    expect(res.headers.etag).toBeUndefined();
    const html = res.body.toString("utf8");
    expect(html).toContain("<title>Index of /protected/published-projects/mimic-cxr/2.0.0/files/</title>");
    expect(html).toContain('<pre><a href="../">../</a>');
    const lines = html.split("\r\n").filter((l) => l.startsWith('<a href="') && !l.startsWith('<a href="../"'));
    expect(lines).toHaveLength(2);
    expect(lines[0]).toMatch(/^<a href="p10\/">p10\/<\/a> +\d{2}-[A-Z][a-z]{2}-\d{4} \d{2}:\d{2} +-$/);
    expect(lines[1]).toMatch(new RegExp(`^<a href="${"a".repeat(60)}\\.txt">${"a".repeat(47)}\\.\\.&gt;</a> \\d{2}-[A-Z][a-z]{2}-\\d{4} \\d{2}:\\d{2} +10$`));

    const leaf = (await get("files/p10/p10000032/s50414267/")).body.toString("utf8");
    expect(leaf).toMatch(new RegExp(`<a href="02aa804e.dcm">02aa804e.dcm</a> +\\S+ \\S+ +${fixture.served.image.length}\\r\\n`));
  });

  it("needs the same authorisation as files", async () => {
    expect((await rawRequest({ url: `${fixture.upstream.url}${PREFIX}/`, headers: { "user-agent": "Wget/1.21.3" } })).status).toBe(401);
  });
});
