import { createHash } from "node:crypto";
import { mkdirSync, writeFileSync } from "node:fs";
import path from "node:path";
import { and, eq } from "drizzle-orm";
import * as schema from "@/db/schema";
import { writeDicom } from "@/lib/mimic/synth/dicom-writer";
import { E2E_STORAGE_DIR } from "../playwright.config";
import { testDb } from "./support/db";
import { expect, test } from "./support/fixtures";
import { E2E_CXR } from "./support/mimic-data";

// DICOMweb with a browser session on the built app (tests/dicomweb covers tokens, the npm client and
// concurrency): search, metadata and the instance byte for byte as the researcher; 403 for a member.
test("a signed-in researcher searches and retrieves over DICOMweb; a member without access is refused", async ({ page, lab, login }) => {
  const uid = `1.2.826.0.1.3680043.10.1395.9.${Date.now()}`;
  const bytes = writeDicom({
    patientId: "10009999", studyId: "59999999", studyInstanceUid: `${uid}.1`, seriesInstanceUid: `${uid}.2`, sopInstanceUid: `${uid}.3`,
    studyDate: "21500101", studyTime: "120000.000", viewPosition: "PA", rows: 8, columns: 8, pixels: new Uint16Array(64).fill(100), windowCenter: 100, windowWidth: 200,
  });
  const p = `files/p10/p10009999/s59999999/${createHash("sha1").update(uid).digest("hex").slice(0, 40).replace(/(.{8})(?!$)/g, "$1-")}.dcm`;
  const key = `e2e-dicomweb/${lab.lab.id}/${p}`;
  mkdirSync(path.dirname(path.join(E2E_STORAGE_DIR, key)), { recursive: true });
  writeFileSync(path.join(E2E_STORAGE_DIR, key), bytes);
  const [ds] = await testDb().select({ id: schema.datasets.id }).from(schema.datasets).where(and(eq(schema.datasets.slug, E2E_CXR.slug), eq(schema.datasets.version, E2E_CXR.version)));
  await testDb().insert(schema.storedFiles).values({ labId: lab.lab.id, datasetId: ds!.id, path: p, storageKey: key, size: bytes.length, sha256: createHash("sha256").update(bytes).digest("hex"), storedAt: new Date() });
  const base = `/api/dicomweb/${E2E_CXR.slug}/${E2E_CXR.version}`;

  await login("researcher");
  const search = await page.request.get(`${base}/studies?PatientID=10009999`, { headers: { accept: "application/dicom+json" } });
  expect(search.status()).toBe(200);
  expect(search.headers()["cache-control"]).toBe("no-store, private");
  const studies = (await search.json()) as Record<string, { Value?: unknown[] }>[];
  expect(studies.map((s) => s["0020000D"]!.Value![0])).toEqual([`${uid}.1`]);
  const meta = (await (await page.request.get(`${base}/studies/${uid}.1/series/${uid}.2/instances/${uid}.3/metadata`)).json()) as Record<string, { Value?: unknown[] }>[];
  expect(meta[0]!["00100020"]!.Value).toEqual(["10009999"]);
  const instance = await page.request.get(`${base}/studies/${uid}.1/series/${uid}.2/instances/${uid}.3`, { headers: { accept: 'multipart/related; type="application/dicom"' } });
  expect(instance.headers()["content-type"]).toMatch(/^multipart\/related; type="application\/dicom"; boundary=/);
  const body = await instance.body();
  expect(body.indexOf(bytes)).toBeGreaterThan(0);
  const audit = await testDb().select().from(schema.auditLog).where(and(eq(schema.auditLog.action, "dicomweb.retrieve"), eq(schema.auditLog.actorId, lab.researcher.id)));
  expect(audit.map((r) => (r.details as { kind: string; via: string }).via)).toEqual(["session", "session"]);

  await page.context().clearCookies();
  await login("member");
  const refused = await page.request.get(`${base}/studies`);
  expect(refused.status()).toBe(403);
  expect(((await refused.json()) as { error: string }).error).toMatch(/do not hold access/);
});
