import { describe, expect, it } from "vitest";
import { downloadJobs } from "@/db/schema";
import { auditFilterSchema, iterateAuditEntries, listAuditEntries, snapshotAuditExport } from "@/lib/audit/query";
import { recordAudit } from "@/lib/audit/record";
import { memberTimeline } from "@/lib/credentialing/timeline";
import { getDb } from "@/lib/db/client";
import { createUser, credentialMember } from "@/lib/factories";
import { stewardLab } from "../credentialing/steward-fixtures";

// A steward without access to a dataset version must not read its identifiers in the audit log;
// one who holds access reads them. Rows are written the way the app writes them.

const DICOM = "0a1b2c3d-4e5f6a7b-8c9d0e1f-2a3b4c5d-6e7f8a9b";
const HIDDEN_200 = "[hidden: no access to mimic-cxr 2.0.0]";

async function scene() {
  const db = getDb();
  const s = await stewardLab();
  const { lab, steward, member, v200, v210 } = s;
  // A second steward holding everything the access rule asks for 2.0.0 (not 2.1.0).
  const u = await createUser(db, { labId: lab.id, role: "steward" });
  const credentialed = { id: u.id, email: u.email, name: u.name, role: u.role, labId: lab.id };
  await credentialMember(db, { labId: lab.id, userId: credentialed.id, stewardId: s.admin.id, datasetIds: [v200.id] });
  const [job] = await db.insert(downloadJobs).values({ labId: lab.id, userId: member.id, datasetId: v200.id, selection: {}, description: "x", createdAt: new Date(), updatedAt: new Date() }).returning({ id: downloadJobs.id });
  const ds = "mimic-cxr/2.0.0";
  const at = { labId: lab.id, actor: member };
  await recordAudit(db, { ...at, action: "dataset.browse", target: { type: "dataset", id: v200.id }, details: { query: "pneumothorax subject:p10000032", studies: 3 } });
  await recordAudit(db, { ...at, action: "study.view_report", target: { type: "study", id: "50414267" }, details: { dataset: ds, subjectId: 10000032 } });
  await recordAudit(db, { ...at, action: "image.thumbnail", target: { type: "image", id: DICOM }, details: { dataset: ds, cached: true } });
  await recordAudit(db, { ...at, action: "download.read", target: { type: "dataset_file", id: `${ds}/files/p10/p10000032/s50414267/${DICOM}.dcm` }, details: { dataset: ds, range: "bytes=0-99" } });
  await recordAudit(db, { ...at, action: "download.create", target: { type: "download_job", id: job!.id }, details: { dataset: ds, selection: "JPG images of cohort “p10000032 only”", concurrency: 4 } });
  // Written by the worker: names only the job, whose dataset is looked up.
  await recordAudit(db, { labId: lab.id, actorEmail: "labgate worker", action: "download.stop", outcome: "failed", target: { type: "download_job", id: job!.id }, details: { state: "failed", reason: "wget failed on files/p10/p10000032/s50414267", owner: member.id } });
  await recordAudit(db, { ...at, action: "dataset.import", target: { type: "dataset", id: v200.id }, details: { slug: "mimic-cxr", version: "2.0.0", dir: "/lab/mimic-cxr/2.0.0", counts: { studies: 3 } } });
  // An action nobody listed yet: every detail but the version's name is hidden by default.
  await recordAudit(db, { ...at, action: "image.zoom", target: { type: "image", id: DICOM }, details: { dataset: ds, studyId: 50414267, zoom: 2 } });
  // About 2.1.0, which the credentialed steward does not hold either.
  await recordAudit(db, { ...at, action: "image.view", target: { type: "image", id: DICOM }, details: { dataset: "mimic-cxr/2.1.0", contentType: "application/dicom" } });
  // Not about a dataset: untouched for everyone.
  await recordAudit(db, { ...at, action: "invite.create", target: { type: "invite", id: "inv-1" }, details: { email: "new@example.org", role: "member" } });
  return { ...s, steward, credentialed, v210 };
}

const byAction = <R extends { action: string }>(rows: R[]) => Object.fromEntries(rows.map((r) => [r.action, r]));

describe("audit masking", () => {
  it("hides identifiers of a dataset version from a steward without access, keeps action, outcome, actor and counts", async () => {
    const { lab, steward, member } = await scene();
    const { rows } = await listAuditEntries({ viewer: { userId: steward.id, labId: lab.id }, filter: auditFilterSchema.parse({}) });
    const r = byAction(rows);
    expect(r["dataset.browse"]).toMatchObject({ actorEmail: member.email, outcome: "ok", details: { query: HIDDEN_200, studies: 3 } });
    expect(r["study.view_report"]).toMatchObject({ targetType: "study", targetId: HIDDEN_200, details: { dataset: "mimic-cxr/2.0.0", subjectId: HIDDEN_200 } });
    expect(r["image.thumbnail"]).toMatchObject({ targetId: HIDDEN_200, details: { cached: true } });
    expect(r["download.read"]).toMatchObject({ targetId: HIDDEN_200, details: { range: "bytes=0-99" } });
    expect(r["download.create"]!.details).toEqual({ dataset: "mimic-cxr/2.0.0", selection: HIDDEN_200, concurrency: 4 });
    expect(r["download.stop"]).toMatchObject({ outcome: "failed", details: { state: "failed", reason: HIDDEN_200 } });
    expect(r["dataset.import"]!.details).toEqual({ slug: "mimic-cxr", version: "2.0.0", dir: HIDDEN_200, counts: { studies: 3 } });
    expect(r["image.zoom"]!.details).toEqual({ dataset: "mimic-cxr/2.0.0", studyId: HIDDEN_200, zoom: HIDDEN_200 });
    expect(r["image.view"]).toMatchObject({ targetId: "[hidden: no access to mimic-cxr 2.1.0]" });
    expect(r["invite.create"]).toMatchObject({ targetId: "inv-1", details: { email: "new@example.org" } });
    expect(JSON.stringify(rows)).not.toMatch(/p10000032|50414267|10000032|pneumothorax|0a1b2c3d/);
  });

  it("shows them to a steward who holds access to that version, and masks only the version they lack", async () => {
    const { lab, credentialed } = await scene();
    const { rows } = await listAuditEntries({ viewer: { userId: credentialed.id, labId: lab.id }, filter: auditFilterSchema.parse({}) });
    const r = byAction(rows);
    expect(r["dataset.browse"]!.details).toMatchObject({ query: "pneumothorax subject:p10000032" });
    expect(r["study.view_report"]).toMatchObject({ targetId: "50414267", details: { subjectId: 10000032 } });
    expect(r["download.read"]!.targetId).toContain("p10000032");
    expect(r["download.stop"]!.details).toMatchObject({ reason: "wget failed on files/p10/p10000032/s50414267" });
    expect(r["image.view"]!.targetId).toBe("[hidden: no access to mimic-cxr 2.1.0]");
  });

  it("masks the CSV export's rows the same way, and the export's snapshot counts what it streams", async () => {
    const { lab, steward, credentialed } = await scene();
    const filter = auditFilterSchema.parse({});
    const snap = await snapshotAuditExport({ labId: lab.id, filter });
    const read = async (userId: string) => {
      const out = [];
      for await (const r of iterateAuditEntries({ viewer: { userId, labId: lab.id }, filter, throughId: snap.throughId })) out.push(r);
      return out;
    };
    const hidden = await read(steward.id);
    expect(hidden).toHaveLength(snap.rows);
    expect(JSON.stringify(hidden)).not.toMatch(/p10000032|50414267|pneumothorax/);
    expect(JSON.stringify(await read(credentialed.id))).toMatch(/p10000032/);
  });

  it("masks a member timeline for a steward without access (an unlisted identifier field stays hidden)", async () => {
    const { lab, steward, credentialed, member, v200 } = await scene();
    await recordAudit(getDb(), { action: "dua.sign", labId: lab.id, actor: member, target: { type: "dua_signature", id: "sig" }, details: { dataset: "mimic-cxr/2.0.0", dua: "DUA 1.5.0", reason: "re-signed after reading p10000032" } });
    await recordAudit(getDb(), { action: "access.approve", labId: lab.id, actor: steward, target: { type: "user", id: member.id }, details: { userId: member.id, datasetId: v200.id, dataset: "mimic-cxr 2.0.0", from: null, to: "approved", reason: "ok" } });
    const blind = await memberTimeline(getDb(), { labId: lab.id, userId: member.id, viewerId: steward.id });
    const seeing = await memberTimeline(getDb(), { labId: lab.id, userId: member.id, viewerId: credentialed.id });
    expect(blind.entries.map((e) => e.summary)).toEqual(["Access to mimic-cxr 2.0.0 approved (none → approved)", "DUA signed for mimic-cxr/2.0.0 (DUA 1.5.0)"]);
    expect(seeing.entries.map((e) => e.summary)).toEqual(blind.entries.map((e) => e.summary));
    // dua.sign lists no `reason`: hidden from the steward without access, shown to the one with it.
    expect(blind.entries[1]!.comment).toBe(HIDDEN_200);
    expect(seeing.entries[1]!.comment).toBe("re-signed after reading p10000032");
    expect(JSON.stringify(blind)).not.toContain("p10000032");
  });

  it("hides a masked row's hash and the next row's prev_hash (a hash of known fields would let a search term be guessed)", async () => {
    const { lab, steward, credentialed } = await scene();
    const viewer = (userId: string) => ({ userId, labId: lab.id });
    const all = (await listAuditEntries({ viewer: viewer(steward.id), filter: auditFilterSchema.parse({}) })).rows;
    const hidden = "[hidden: hash of a masked row]";
    const browse = all.findIndex((r) => r.action === "dataset.browse");
    expect(all[browse]!.hash).toBe(hidden);
    expect(all[browse - 1]!.prevHash).toBe(hidden); // the study.view_report row written right after it
    const invite = all.find((r) => r.action === "invite.create")!;
    expect(invite.hash).toMatch(/^[0-9a-f]{64}$/);
    // Filtered to one action, the next row is not on the page, and the row before it is looked up.
    const onlyStudy = (await listAuditEntries({ viewer: viewer(steward.id), filter: auditFilterSchema.parse({ action: "study.view" }) })).rows;
    expect(onlyStudy[0]).toMatchObject({ hash: hidden, prevHash: hidden });
    const seen = (await listAuditEntries({ viewer: viewer(credentialed.id), filter: auditFilterSchema.parse({}) })).rows;
    expect(seen.find((r) => r.action === "dataset.browse")!.hash).toMatch(/^[0-9a-f]{64}$/);
    for (let i = 1; i < seen.length; i++) if (!seen[i - 1]!.prevHash.startsWith("[")) expect(seen[i - 1]!.prevHash).toBe(seen[i]!.hash);
  });

  it("masks consistently under dozens of concurrent readers", async () => {
    const { lab, steward, credentialed } = await scene();
    const filter = auditFilterSchema.parse({});
    const results = await Promise.all(Array.from({ length: 40 }, (_, i) => listAuditEntries({ viewer: { userId: i % 2 ? steward.id : credentialed.id, labId: lab.id }, filter })));
    results.forEach((res, i) => {
      const text = JSON.stringify(res.rows);
      if (i % 2) expect(text).not.toMatch(/p10000032/);
      else expect(text).toMatch(/p10000032/);
    });
  });
});
