import { mkdtemp, rm } from "node:fs/promises";
import type { AddressInfo } from "node:net";
import os from "node:os";
import path from "node:path";
import { and, eq, sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

// Destruction end to end, on local storage and on S3 (s3rver on loopback): a held version with
// downloads, an import, thumbnails, a cohort and a staging leftover; request, confirm by a second
// steward, the job; then nothing of the version is left anywhere and the record holds.
const tmp = await mkdtemp(path.join(os.tmpdir(), "labgate-retention-"));
const storageDir = path.join(tmp, "storage");
process.env.LABGATE_STORAGE_DIR = storageDir;
process.env.LABGATE_DOWNLOAD_STAGING_DIR = path.join(tmp, "staging");

// The held version is the real mimic-cxr 2.0.0 (support.ts): in a database of its own, no other lab
// holds it, so a destruction takes the whole copy.
const { isolatedDatabaseForFile } = await import("../support/isolated-database");
isolatedDatabaseForFile();

const { accessGrants, auditLog, datasetDestructions, labDatasets, mimicCohorts, mimicImports, storedFiles } = await import("@/db/schema");
const { getDb } = await import("@/lib/db/client");
const { createLocalStorage } = await import("@/lib/storage/local-storage");
const { createS3Storage } = await import("@/lib/storage/s3-storage");
const { requestDestruction, decideDestruction } = await import("@/lib/retention/requests");
const { runDestruction } = await import("@/lib/retention/destroy");
const { loadAttestation } = await import("@/lib/retention/attestation");
const { fileListSha256 } = await import("@/lib/retention/file-list");
const { decideMemberAccess } = await import("@/lib/credentialing/member-access");
const { changeAccessGrant } = await import("@/lib/credentialing/grants");
const { verifyAuditChain } = await import("@/lib/audit/verify");
const s = await import("./support");

type Storage = ReturnType<typeof createLocalStorage>;
let server: { run(): Promise<AddressInfo>; close(): Promise<void> };
let s3: Storage;
const local = createLocalStorage({ root: storageDir });
beforeAll(async () => {
  const { default: S3rver } = await import("@20minutes/s3rver");
  server = new S3rver({ address: "127.0.0.1", port: 0, silent: true, directory: path.join(tmp, "s3rver"), configureBuckets: [{ name: "lab" }] });
  const { port } = await server.run();
  s3 = createS3Storage({ endpoint: `http://127.0.0.1:${port}`, region: "us-east-1", bucket: "lab", accessKeyId: "S3RVER", secretAccessKey: "S3RVER" });
});
afterAll(async () => {
  await server?.close();
  await rm(tmp, { recursive: true, force: true });
});

const label = (lab: { ref: { slug: string; version: string } }) => `${lab.ref.slug} ${lab.ref.version}`;

async function requestAndConfirm(lab: Awaited<ReturnType<typeof s.heldVersion>>) {
  const { id } = await requestDestruction({ actor: lab.steward, input: { datasetId: lab.datasetId, confirm: label(lab) }, ip: "198.51.100.7" });
  await decideDestruction({ actor: lab.steward2, destructionId: id, input: { action: "confirm", confirm: label(lab) }, ip: "198.51.100.8" });
  return id;
}

async function auditActions(labId: string) {
  return getDb().select().from(auditLog).where(eq(auditLog.labId, labId)).orderBy(auditLog.id);
}

async function assertNothingLeft(lab: Awaited<ReturnType<typeof s.heldVersion>>, storage: Storage, destructionId: string) {
  const db = getDb();
  // Every byte: the bucket/dir under the version's prefix, the whole local storage tree, staging.
  expect(await storage.list(`downloads/${lab.ref.slug}/${lab.ref.version}/`)).toEqual([]);
  if (storage.kind === "s3") expect(await storage.list("")).toEqual([]);
  const leftovers = (await s.walk(tmp)).filter((f) => !f.startsWith(path.join(tmp, "s3rver")) && !f.startsWith(path.join(tmp, "src")));
  expect(leftovers).toEqual([]);
  // Rows: the imported partitions, imports, cohorts, the catalog, the lab's hold.
  for (const table of ["mimic_image", "mimic_study", "mimic_study_facet"]) {
    const r = await db.execute<{ n: string }>(sql`select count(*) as n from ${sql.identifier(table)} where dataset_id = ${lab.datasetId}`);
    expect(Number(r.rows[0]!.n), table).toBe(0);
  }
  expect(await db.select().from(mimicImports).where(eq(mimicImports.datasetId, lab.datasetId))).toEqual([]);
  expect(await db.select().from(mimicCohorts).where(eq(mimicCohorts.datasetId, lab.datasetId))).toEqual([]);
  expect(await db.select().from(storedFiles).where(eq(storedFiles.datasetId, lab.datasetId))).toEqual([]);
  expect(await db.select().from(labDatasets).where(eq(labDatasets.datasetId, lab.datasetId))).toEqual([]);
  // Access: the grant is revoked as "destroyed", the rule finds no copy, and a steward cannot re-grant.
  const [grant] = await db.select().from(accessGrants).where(and(eq(accessGrants.userId, lab.member.id), eq(accessGrants.datasetId, lab.datasetId)));
  expect(grant).toMatchObject({ status: "revoked", reason: "destroyed" });
  expect(await decideMemberAccess(db, { labId: lab.labId, userId: lab.member.id, datasetId: lab.datasetId, now: new Date() })).toBeNull();
  await expect(changeAccessGrant({ actor: lab.steward, userId: lab.member.id, datasetId: lab.datasetId, action: "reinstate", reason: "please", ip: null })).rejects.toThrow(/holds no copy/);
  // The record: what was listed is what the fixture stored, and the hash covers exactly that list.
  const attestation = await loadAttestation(db, { labId: lab.labId, destructionId });
  expect(attestation).toMatchObject({
    fileCount: lab.expected.length,
    bytes: lab.expected.reduce((n, f) => n + f.size, 0),
    listSha256: fileListSha256(lab.expected),
    storageBackend: storage.kind,
    sharedCopyKept: false,
    keptPaths: [],
    requestedBy: { email: lab.steward.email },
    confirmedBy: { email: lab.steward2.email },
  });
  const rows = await auditActions(lab.labId);
  const destroyed = rows.filter((r) => r.action === "dataset.destroyed");
  expect(destroyed).toHaveLength(1);
  expect(destroyed[0]).toMatchObject({ id: attestation!.auditId, hash: attestation!.auditHash });
  expect(destroyed[0]!.details).toMatchObject({ destructionId, files: lab.expected.length, listSha256: attestation!.listSha256, grantsRevoked: 1, cohorts: 1, importedRowsDropped: true });
  expect(rows.map((r) => r.action)).toEqual(expect.arrayContaining(["dataset.destroy.request", "dataset.destroy.confirm", "access.revoke", "dataset.destroyed"]));
  expect((await verifyAuditChain(db)).ok).toBe(true);
}

describe("destroying a held version", () => {
  it("on local storage: removes every byte, row and grant, and leaves the attestation", async () => {
    const lab = await s.heldVersion({ storage: local, storageDir, srcDir: path.join(tmp, "src"), importFrom: "storage" });
    expect(lab.expected.filter((f) => f.path.includes(".labgate-cache")).length).toBeGreaterThan(0);
    const id = await requestAndConfirm(lab);
    // Two workers take the job at once: one destroys, the other stands aside; one record.
    const outcomes = await Promise.all([runDestruction({ destructionId: id, storage: local }), runDestruction({ destructionId: id, storage: local })]);
    expect(outcomes.filter((o) => o.outcome === "destroyed")).toHaveLength(1);
    // Run again (a retry after success): nothing changes.
    expect(await runDestruction({ destructionId: id, storage: local })).toEqual({ outcome: "skipped", reason: "already destroyed" });
    await assertNothingLeft(lab, local, id);
  });

  it("on S3 (s3rver): removes every object and local leftover; resumes after a worker dies mid-way", async () => {
    const lab = await s.heldVersion({ storage: s3, storageDir, srcDir: path.join(tmp, "src"), importFrom: "copy" });
    const id = await requestAndConfirm(lab);
    // A worker that dies after five deletes.
    let deletes = 0;
    const dying: Storage = {
      ...s3,
      delete: async (key) => {
        if (++deletes > 5) throw new Error("worker killed");
        await s3.delete(key);
      },
    };
    await expect(runDestruction({ destructionId: id, storage: dying })).rejects.toThrow("worker killed");
    const [half] = await getDb().select().from(datasetDestructions).where(eq(datasetDestructions.id, id));
    expect(half).toMatchObject({ status: "confirmed" });
    expect(half!.listedAt).not.toBeNull();
    expect((await s3.list(`downloads/${lab.ref.slug}/${lab.ref.version}/`)).length).toBeGreaterThan(0);
    expect(await runDestruction({ destructionId: id, storage: s3 })).toMatchObject({ outcome: "destroyed", files: lab.expected.length });
    await assertNothingLeft(lab, s3, id);
  });
});

describe("listing lab storage", () => {
  it("lists every key under a prefix, past S3's 1,000-key page, and nothing outside it", async () => {
    const prefix = `downloads/list-test/${Date.now()}/`;
    const keys = Array.from({ length: 1003 }, (_, i) => `${prefix}files/k${String(i).padStart(4, "0")}.txt`);
    for (let i = 0; i < keys.length; i += 50) await Promise.all(keys.slice(i, i + 50).map((k) => s3.put(k, Buffer.from(k))));
    await s3.put(`downloads/list-test/other.txt`, Buffer.from("x"));
    const listed = await s3.list(prefix);
    expect(listed.map((o) => o.key).sort()).toEqual(keys);
    expect(listed.every((o) => o.size === o.key.length)).toBe(true);
    for (let i = 0; i < keys.length; i += 50) await Promise.all(keys.slice(i, i + 50).map((k) => s3.delete(k)));
    await s3.delete(`downloads/list-test/other.txt`);
    expect(await s3.list("downloads/list-test/")).toEqual([]);
    await local.put(`${prefix}a/b.txt`, Buffer.from("abc"));
    expect(await local.list(prefix)).toEqual([{ key: `${prefix}a/b.txt`, size: 3 }]);
    await local.delete(`${prefix}a/b.txt`);
  }, 180_000);
});

describe("four eyes and refusals", () => {
  it("refuses the requester's own confirmation and a member; of many concurrent confirmations one wins", async () => {
    const lab = await s.heldVersion({ storage: local, storageDir, srcDir: path.join(tmp, "src"), importFrom: "storage" });
    await expect(requestDestruction({ actor: lab.member, input: { datasetId: lab.datasetId, confirm: label(lab) }, ip: null })).rejects.toMatchObject({ status: 403 });
    await expect(requestDestruction({ actor: lab.steward, input: { datasetId: lab.datasetId, confirm: "mimic-cxr" }, ip: null })).rejects.toMatchObject({ status: 400 });
    // Many requests at once: one open request.
    const requests = await Promise.allSettled(Array.from({ length: 12 }, () => requestDestruction({ actor: lab.steward, input: { datasetId: lab.datasetId, confirm: label(lab) }, ip: null })));
    expect(requests.filter((r) => r.status === "fulfilled")).toHaveLength(1);
    expect(requests.filter((r) => r.status === "rejected").every((r) => (r as PromiseRejectedResult).reason.status === 409)).toBe(true);
    const id = (requests.find((r) => r.status === "fulfilled") as PromiseFulfilledResult<{ id: string }>).value.id;

    await expect(decideDestruction({ actor: lab.steward, destructionId: id, input: { action: "confirm", confirm: label(lab) }, ip: null })).rejects.toMatchObject({ status: 403 });
    await expect(decideDestruction({ actor: lab.member, destructionId: id, input: { action: "confirm", confirm: label(lab) }, ip: null })).rejects.toMatchObject({ status: 403 });
    const confirms = await Promise.allSettled(
      Array.from({ length: 12 }, (_, i) => decideDestruction({ actor: i % 2 ? lab.admin : lab.steward2, destructionId: id, input: { action: "confirm", confirm: label(lab) }, ip: null })),
    );
    expect(confirms.filter((r) => r.status === "fulfilled")).toHaveLength(1);
    expect(confirms.filter((r) => r.status === "rejected").every((r) => (r as PromiseRejectedResult).reason.status === 409)).toBe(true);
    const rows = await auditActions(lab.labId);
    expect(rows.filter((r) => r.action === "dataset.destroy.confirm" && r.outcome === "ok")).toHaveLength(1);
    expect(rows.filter((r) => r.action === "dataset.destroy.confirm" && r.outcome === "denied")).toHaveLength(1);
    // Four concurrent job runs: one destruction, one record.
    const outcomes = await Promise.all(Array.from({ length: 4 }, () => runDestruction({ destructionId: id, storage: local })));
    expect(outcomes.filter((o) => o.outcome === "destroyed")).toHaveLength(1);
    expect((await auditActions(lab.labId)).filter((r) => r.action === "dataset.destroyed")).toHaveLength(1);
    expect(await getDb().select().from(datasetDestructions).where(and(eq(datasetDestructions.labId, lab.labId), eq(datasetDestructions.datasetId, lab.datasetId)))).toHaveLength(1);
  });
});
