import { createHash } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import http from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { Readable } from "node:stream";
import { and, eq, inArray, sql } from "drizzle-orm";
import { NextRequest } from "next/server";
import XHR from "xhr2";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { auditLog, datasets, labDatasets, storedFiles } from "@/db/schema";
import { createApiToken } from "@/lib/api-tokens/create-token";
import { revokeApiToken } from "@/lib/api-tokens/revoke-token";
import { verifyAuditChain } from "@/lib/audit/verify";
import { getDb } from "@/lib/db/client";
import { credentialMember, createUser } from "@/lib/factories";
import { writeDicom } from "@/lib/mimic/synth/dicom-writer";
import { getStorage } from "@/lib/storage/get-storage";
import { allowConsoleError } from "../support/console";
import { labWithRoles } from "../support/db";
import { isolatedDatabaseForFile } from "../support/isolated-database";

// DICOMweb over real HTTP: the app's own route handler mounted on a loopback server, asked by the npm
// DICOMweb client OHIF is built on (dicomweb-client, over xhr2 as its XMLHttpRequest) and by fetch.
// Sessions need Next's request scope, so they are covered by e2e/route-access.spec.ts (every persona).

const storageDir = mkdtempSync(path.join(tmpdir(), "labgate-dicomweb-"));
process.env.LABGATE_STORAGE_BACKEND = "local";
process.env.LABGATE_STORAGE_DIR = storageDir;
// What `experimental.authInterrupts` sets in a build: forbidden()/unauthorized() throw Next's own interrupts.
process.env.__NEXT_EXPERIMENTAL_AUTH_INTERRUPTS = "true";
(globalThis as { XMLHttpRequest?: unknown }).XMLHttpRequest = XHR;

isolatedDatabaseForFile();

type Fixture = { path: string; bytes: Buffer; studyUid: string; seriesUid: string; sopUid: string; patientId: string; studyDate: string; pixels: Uint16Array };

const files: Fixture[] = [];
let server: http.Server;
let base = "";
let dataset: { id: string; slug: string; version: string };
let lab: Awaited<ReturnType<typeof labWithRoles>>;
let token = "";
let tokenId = "";
let outsiderToken = "";
let outsiderId = "";

function fixture(opts: { patient: string; study: string; series: string; instance: string; date: string; view: string; seed: number }): Fixture {
  const size = 16;
  const pixels = Uint16Array.from({ length: size * size }, (_, i) => (i * 37 + opts.seed * 101) % 4096);
  const f = {
    patientId: opts.patient,
    studyId: opts.study,
    studyInstanceUid: `1.2.826.0.1.3680043.10.1395.2.${opts.study}`,
    seriesInstanceUid: `1.2.826.0.1.3680043.10.1395.3.${opts.study}.${opts.series}`,
    sopInstanceUid: `1.2.826.0.1.3680043.10.1395.4.${opts.study}.${opts.series}.${opts.instance}`,
    studyDate: opts.date,
    studyTime: "101500.000",
    viewPosition: opts.view,
    rows: size,
    columns: size,
    pixels,
    windowCenter: 2048,
    windowWidth: 4096,
  };
  const dicomId = createHash("sha1").update(f.sopInstanceUid).digest("hex").slice(0, 40).replace(/(.{8})(?!$)/g, "$1-");
  return {
    path: `files/p${opts.patient.slice(0, 2)}/p${opts.patient}/s${opts.study}/${dicomId}.dcm`,
    bytes: writeDicom(f),
    studyUid: f.studyInstanceUid,
    seriesUid: f.seriesInstanceUid,
    sopUid: f.sopInstanceUid,
    patientId: opts.patient,
    studyDate: opts.date,
    pixels,
  };
}

async function store(labId: string, datasetId: string, path: string, bytes: Buffer) {
  const key = `test-dicomweb/${labId}/${path}`;
  await getStorage().put(key, bytes);
  await getDb().insert(storedFiles).values({ labId, datasetId, path, storageKey: key, size: bytes.length, sha256: createHash("sha256").update(bytes).digest("hex"), storedAt: new Date() });
}

beforeAll(async () => {
  const { GET } = await import("@/app/api/dicomweb/[slug]/[version]/[...path]/route");
  server = http.createServer((req, res) => {
    void (async () => {
      const url = new URL(req.url!, `http://${req.headers.host}`);
      const [, , , slug = "", version = "", ...rest] = url.pathname.split("/").map(decodeURIComponent);
      const headers = new Headers();
      for (const [k, v] of Object.entries(req.headers)) if (typeof v === "string") headers.set(k, v);
      const response = await GET(new NextRequest(url, { headers }), { params: Promise.resolve({ slug, version, path: rest }) });
      res.writeHead(response.status, Object.fromEntries(response.headers));
      if (response.body) Readable.fromWeb(response.body as never).pipe(res);
      else res.end();
    })().catch((e: unknown) => {
      res.writeHead(599);
      res.end(String(e));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));

  const [row] = await getDb().select({ id: datasets.id, slug: datasets.slug, version: datasets.version }).from(datasets).where(and(eq(datasets.slug, "mimic-cxr"), eq(datasets.version, "2.0.0")));
  dataset = row!;
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}/api/dicomweb/${dataset.slug}/${dataset.version}`;
  lab = await labWithRoles();
  await getDb().insert(labDatasets).values({ labId: lab.lab.id, datasetId: dataset.id });
  await credentialMember(getDb(), { labId: lab.lab.id, userId: lab.member.id, stewardId: lab.steward.id, datasetIds: [dataset.id] });
  ({ token, id: tokenId } = await createApiToken({ actor: lab.member, input: { name: "viewer", expiresInDays: 30, datasetIds: [] }, ip: null }));
  // A member of the same lab without access: signed in, token valid, the access rule says no.
  const u = await createUser(getDb(), { labId: lab.lab.id, role: "member" });
  ({ token: outsiderToken, id: outsiderId } = await createApiToken({ actor: { id: u.id, email: u.email, name: u.name, role: u.role, labId: lab.lab.id }, input: { name: "x", expiresInDays: 5, datasetIds: [] }, ip: null }));

  files.push(
    fixture({ patient: "10000032", study: "50414267", series: "1", instance: "1", date: "21800506", view: "PA", seed: 1 }),
    fixture({ patient: "10000032", study: "50414267", series: "2", instance: "1", date: "21800506", view: "LATERAL", seed: 2 }),
    fixture({ patient: "10000032", study: "53189527", series: "1", instance: "1", date: "21800626", view: "AP", seed: 3 }),
    fixture({ patient: "10000764", study: "57375967", series: "1", instance: "1", date: "21320102", view: "PA", seed: 4 }),
  );
  for (const f of files) await store(lab.lab.id, dataset.id, f.path, f.bytes);
  // Not DICOM: indexed as unreadable, never offered.
  await store(lab.lab.id, dataset.id, "files/p10/p10000999/s59999999/00000000-00000000-00000000-00000000-00000000.dcm", Buffer.from("not a dicom file"));
  // Another lab's copy of the same version must not show.
  const other = await labWithRoles();
  await getDb().insert(labDatasets).values({ labId: other.lab.id, datasetId: dataset.id });
  await store(other.lab.id, dataset.id, "files/p11/p11000001/s51000001/aaaaaaaa-aaaaaaaa-aaaaaaaa-aaaaaaaa-aaaaaaaa.dcm", fixture({ patient: "11000001", study: "51000001", series: "1", instance: "1", date: "21500101", view: "PA", seed: 9 }).bytes);
}, 60_000);

afterAll(async () => {
  await new Promise<void>((resolve) => server.close(() => resolve()));
  rmSync(storageDir, { recursive: true, force: true });
});

type Ids = { studyInstanceUID: string; seriesInstanceUID?: string; sopInstanceUID?: string };
// The calls used here, as the library behaves (its generated .d.ts marks optional options required).
type Client = {
  searchForStudies(o: { queryParams?: Record<string, string> }): Promise<unknown>;
  searchForSeries(o: Ids): Promise<unknown>;
  searchForInstances(o: Ids): Promise<unknown>;
  retrieveInstanceMetadata(o: Ids): Promise<Record<string, { vr: string; Value?: unknown[]; BulkDataURI?: string }>[]>;
  retrieveStudyMetadata(o: Ids): Promise<unknown[]>;
  retrieveInstance(o: Ids): Promise<ArrayBuffer>;
  retrieveInstanceFrames(o: Ids & { frameNumbers: number[] }): Promise<ArrayBuffer[]>;
  retrieveInstanceRendered(o: Ids): Promise<ArrayBuffer[]>;
};

async function dicomweb(bearer = token): Promise<Client> {
  const { api } = await import("dicomweb-client");
  return new api.DICOMwebClient({ url: base, headers: { Authorization: `Bearer ${bearer}` } } as never) as unknown as Client;
}

const get = (p: string, init: { token?: string; accept?: string } = {}) =>
  fetch(`${base}${p}`, { headers: { authorization: `Bearer ${init.token ?? token}`, ...(init.accept ? { accept: init.accept } : {}) } });

const uidsOf = (results: Record<string, { Value?: unknown[] }>[], tag: string) => results.map((r) => r[tag]?.Value?.[0]);

async function auditRows(action: string) {
  return getDb().select().from(auditLog).where(and(eq(auditLog.action, action), eq(auditLog.actorId, lab.member.id))).orderBy(auditLog.id);
}

describe("DICOMweb with the npm dicomweb-client", () => {
  it("searches studies, series and instances, and retrieves metadata, the instance byte for byte, a frame and a rendering", async () => {
    const client = await dicomweb();
    const studies = (await client.searchForStudies({ queryParams: { PatientID: "10000032" } })) as Record<string, { vr: string; Value?: unknown[] }>[];
    expect(uidsOf(studies, "0020000D").sort()).toEqual([files[0]!.studyUid, files[2]!.studyUid].sort());
    const first = studies.find((s) => s["0020000D"]!.Value![0] === files[0]!.studyUid)!;
    expect(first["00100020"]).toEqual({ vr: "LO", Value: ["10000032"] });
    expect(first["00080020"]).toEqual({ vr: "DA", Value: ["21800506"] });
    expect(first["00080061"]).toEqual({ vr: "CS", Value: ["CR"] });
    expect([first["00201206"]!.Value, first["00201208"]!.Value]).toEqual([[2], [2]]);
    // Absolute, on the host the client asked (Next writes 127.0.0.1 as localhost).
    expect(first["00081190"]!.Value).toEqual([`${base.replace("127.0.0.1", "localhost")}/studies/${files[0]!.studyUid}`]);

    const series = (await client.searchForSeries({ studyInstanceUID: files[0]!.studyUid })) as Record<string, { Value?: unknown[] }>[];
    expect(uidsOf(series, "0020000E")).toEqual([files[0]!.seriesUid, files[1]!.seriesUid]);
    expect(uidsOf(series, "00080060")).toEqual(["CR", "CR"]);
    const instances = (await client.searchForInstances({ studyInstanceUID: files[0]!.studyUid, seriesInstanceUID: files[1]!.seriesUid })) as Record<string, { Value?: unknown[] }>[];
    expect(uidsOf(instances, "00080018")).toEqual([files[1]!.sopUid]);
    expect(uidsOf(instances, "00280010")).toEqual([16]);

    const target = files[1]!;
    const ids = { studyInstanceUID: target.studyUid, seriesInstanceUID: target.seriesUid, sopInstanceUID: target.sopUid };
    const [meta] = await client.retrieveInstanceMetadata(ids);
    expect(meta!["00080018"]).toEqual({ vr: "UI", Value: [target.sopUid] });
    expect(meta!["00185101"]).toEqual({ vr: "CS", Value: ["LATERAL"] });
    expect(meta!["00281050"]).toEqual({ vr: "DS", Value: [2048] });
    expect(meta!["00020010"]).toEqual({ vr: "UI", Value: ["1.2.840.10008.1.2.1"] });
    expect(meta!["7FE00010"]).toEqual({ vr: "OW", BulkDataURI: `${base.replace("127.0.0.1", "localhost")}/studies/${target.studyUid}/series/${target.seriesUid}/instances/${target.sopUid}/frames/1` });
    const studyMeta = await client.retrieveStudyMetadata({ studyInstanceUID: target.studyUid });
    expect(studyMeta).toHaveLength(2);

    const instance = await client.retrieveInstance(ids);
    expect(Buffer.from(instance).equals(target.bytes)).toBe(true);

    const [frame] = await client.retrieveInstanceFrames({ ...ids, frameNumbers: [1] });
    expect(Buffer.from(frame!).equals(Buffer.from(target.pixels.buffer))).toBe(true);

    // A single-part answer comes back as a one-element array.
    const [rendered] = await client.retrieveInstanceRendered(ids);
    expect([...Buffer.from(rendered!).subarray(0, 3)]).toEqual([0xff, 0xd8, 0xff]);
    const png = await get(`/studies/${target.studyUid}/series/${target.seriesUid}/instances/${target.sopUid}/frames/1/rendered?window=2048,4096&viewport=8,8`, { accept: "image/png" });
    expect(png.headers.get("content-type")).toBe("image/png");
    const pngBytes = Buffer.from(await png.arrayBuffer());
    expect(pngBytes.subarray(1, 4).toString()).toBe("PNG");
    // viewport=8,8 fits the 16×16 image into 8×8 (IHDR width and height).
    expect([pngBytes.readUInt32BE(16), pngBytes.readUInt32BE(20)]).toEqual([8, 8]);

    // Every request above is in the log with the token; the retrieve names the file it sent.
    const retrieves = await auditRows("dicomweb.retrieve");
    expect(retrieves.map((r) => (r.details as { kind: string }).kind)).toEqual(["instance-metadata", "study-metadata", "instance", "frames", "rendered", "rendered"]);
    expect(retrieves.every((r) => (r.details as { tokenId?: string; via: string }).tokenId === tokenId && (r.details as { via: string }).via === "token")).toBe(true);
    expect((retrieves[2]!.details as { paths: string[] }).paths).toEqual([target.path]);
    expect(retrieves[2]!.targetId).toBe(target.sopUid);
    expect((await auditRows("dicomweb.search")).map((r) => (r.details as { level: string; results: number }).results)).toEqual([2, 2, 1]);
  });
});

describe("QIDO-RS", () => {
  it("matches date ranges, wildcards, UID lists and includefield; pages with limit/offset and says when there is more", async () => {
    const studies = async (q: string) => (await (await get(`/studies?${q}`)).json()) as Record<string, { Value?: unknown[] }>[];
    expect(uidsOf(await studies("StudyDate=21800101-21801231"), "0020000D").sort()).toEqual([files[0]!.studyUid, files[2]!.studyUid].sort());
    expect(uidsOf(await studies("StudyDate=-21400101"), "0020000D")).toEqual([files[3]!.studyUid]);
    expect(uidsOf(await studies("00100020=1000076*"), "0020000D")).toEqual([files[3]!.studyUid]);
    expect(uidsOf(await studies(`StudyInstanceUID=${files[2]!.studyUid},${files[3]!.studyUid}`), "0020000D")).toEqual([files[2]!.studyUid, files[3]!.studyUid]);
    expect(await studies("ModalitiesInStudy=MR")).toEqual([]);
    // Newest first: the other lab's study and the unreadable file never appear.
    const all = await get("/studies?limit=2");
    expect(all.headers.get("warning")).toMatch(/^299 labgate: .*offset=2/);
    expect(all.headers.get("content-type")).toBe("application/dicom+json");
    expect(all.headers.get("cache-control")).toBe("no-store, private");
    const page2 = await get("/studies?limit=2&offset=2");
    expect(page2.headers.get("warning")).toBeNull();
    const everything = [...((await all.json()) as Record<string, { Value?: unknown[] }>[]), ...((await page2.json()) as Record<string, { Value?: unknown[] }>[])];
    expect(uidsOf(everything, "0020000D")).toEqual([files[2]!.studyUid, files[0]!.studyUid, files[3]!.studyUid]);
    const withView = (await (await get(`/studies/${files[0]!.studyUid}/instances?includefield=ViewPosition`)).json()) as Record<string, { Value?: unknown[] }>[];
    expect(uidsOf(withView, "00185101")).toEqual(["PA", "LATERAL"]);
    expect((await (await get("/instances?includefield=all&SOPInstanceUID=" + files[3]!.sopUid)).json()) as unknown[]).toEqual([expect.objectContaining({ "00281051": { vr: "DS", Value: [4096] } })]);
  });

  it("refuses unknown keys and malformed values with 400 in JSON, and unknown studies with 404", async () => {
    for (const [p, message] of [
      ["/studies?NoSuchKeyword=1", /not a DICOM attribute keyword/],
      ["/studies?StudyDate=2180", /a date is YYYYMMDD/],
      ["/studies?limit=abc", /limit must be a whole number/],
      ["/studies/not-a-uid/series", /digits and dots/],
    ] as const) {
      const r = await get(p);
      expect(r.status, p).toBe(400);
      expect(((await r.json()) as { error: string }).error).toMatch(message);
    }
    const missing = await get("/studies/1.2.3.4/series/1.2.3/instances/1.2.3.4.5");
    expect(missing.status).toBe(404);
    const notAcceptable = await get(`/studies/${files[0]!.studyUid}`, { accept: 'multipart/related; type="application/dicom"; transfer-syntax=1.2.840.10008.1.2.4.50' });
    expect(notAcceptable.status).toBe(406);
  });
});

describe("the gate", () => {
  it("refuses a member without access (403, audited with the token) and a revoked token (401)", async () => {
    const refused = await get("/studies", { token: outsiderToken });
    expect(refused.status).toBe(403);
    expect(refused.headers.get("content-type")).toMatch(/^application\/json/);
    expect(((await refused.json()) as { error: string }).error).toMatch(/do not hold access/);
    const denied = await getDb().select().from(auditLog).where(and(eq(auditLog.action, "dataset.access"), eq(auditLog.outcome, "denied")));
    expect(denied.map((r) => (r.details as { tokenId?: string }).tokenId)).toContain(outsiderId);

    // dicomweb-client reports a failed request on console.error before it rejects.
    allowConsoleError();
    const client = await dicomweb(outsiderToken);
    await expect(client.retrieveInstance({ studyInstanceUID: files[0]!.studyUid, seriesInstanceUID: files[0]!.seriesUid, sopInstanceUID: files[0]!.sopUid })).rejects.toThrow();
    expect(await getDb().select().from(auditLog).where(and(eq(auditLog.action, "dicomweb.retrieve"), sql`${auditLog.details}->>'tokenId' = ${outsiderId}`))).toEqual([]);

    await revokeApiToken({ actor: lab.steward, tokenId: outsiderId, ip: null });
    expect((await get("/studies", { token: outsiderToken })).status).toBe(401);
  });

  it("audits every one of dozens of parallel retrieves, and the audit chain still verifies", async () => {
    const before = (await auditRows("dicomweb.retrieve")).length;
    const client = await dicomweb();
    const jobs = Array.from({ length: 36 }, (_, i) => {
      const f = files[i % files.length]!;
      const ids = { studyInstanceUID: f.studyUid, seriesInstanceUID: f.seriesUid, sopInstanceUID: f.sopUid };
      return i % 3 === 0
        ? client.retrieveInstance(ids).then((b) => Buffer.from(b).equals(f.bytes))
        : i % 3 === 1
          ? client.retrieveInstanceMetadata(ids).then((m) => m[0]!["00080018"]!.Value![0] === f.sopUid)
          : get(`/studies/${f.studyUid}/series/${f.seriesUid}/instances/${f.sopUid}/frames/1`, { accept: "multipart/related; type=\"application/octet-stream\"; transfer-syntax=*" }).then((r) => r.ok);
    });
    expect(await Promise.all(jobs)).toEqual(jobs.map(() => true));
    const rows = await auditRows("dicomweb.retrieve");
    expect(rows.length - before).toBe(36);
    expect(await verifyAuditChain(getDb())).toMatchObject({ ok: true });
    // The index was built once per file, whatever the parallel requests did.
    const indexed = await getDb().execute<{ n: number }>(sql`select count(*)::int as n from dicom_instances where lab_id = ${lab.lab.id}`);
    expect(indexed.rows[0]!.n).toBe(files.length + 1);
    expect(await getDb().select().from(storedFiles).where(inArray(storedFiles.labId, [lab.lab.id]))).toHaveLength(files.length + 1);
  });
});

describe("the header index", () => {
  it("finds a file stored after the first requests on the next one, and reads a file stored again with other bytes again", async () => {
    const late = fixture({ patient: "10000888", study: "58888888", series: "1", instance: "1", date: "21900101", view: "AP", seed: 7 });
    await store(lab.lab.id, dataset.id, late.path, late.bytes);
    const found = (await (await get("/studies?PatientID=10000888")).json()) as Record<string, { Value?: unknown[] }>[];
    expect(uidsOf(found, "0020000D")).toEqual([late.studyUid]);

    // The same path, now holding another instance: the old UIDs are gone, the new ones answer.
    const replaced = fixture({ patient: "10000888", study: "58888888", series: "1", instance: "2", date: "21900101", view: "PA", seed: 8 });
    await getStorage().put(`test-dicomweb/${lab.lab.id}/${late.path}`, replaced.bytes);
    await getDb().update(storedFiles).set({ size: replaced.bytes.length, sha256: createHash("sha256").update(replaced.bytes).digest("hex"), storedAt: new Date() }).where(and(eq(storedFiles.labId, lab.lab.id), eq(storedFiles.path, late.path)));
    const instances = (await (await get(`/studies/${late.studyUid}/instances`)).json()) as Record<string, { Value?: unknown[] }>[];
    expect(uidsOf(instances, "00080018")).toEqual([replaced.sopUid]);
    const client = await dicomweb();
    const bytes = await client.retrieveInstance({ studyInstanceUID: replaced.studyUid, seriesInstanceUID: replaced.seriesUid, sopInstanceUID: replaced.sopUid });
    expect(Buffer.from(bytes).equals(replaced.bytes)).toBe(true);
  });
});
