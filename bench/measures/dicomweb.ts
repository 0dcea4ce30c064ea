import { createHash } from "node:crypto";
import { sql } from "drizzle-orm";
import { storedFiles } from "@/db/schema";
import { serveStoredFile } from "@/lib/api/serve-stored-file";
import { getDb } from "@/lib/db/client";
import { handleDicomweb } from "@/lib/dicomweb/handle";
import { createLab, createUser } from "@/lib/factories";
import { findDataset } from "@/lib/mimic/import/import-directory";
import { writeDicom } from "@/lib/mimic/synth/dicom-writer";
import { getStorage } from "@/lib/storage/get-storage";
import { percentile, round, type Measure } from "../harness";

// A lab copy of MIMIC-CXR's size class: 50,000 indexed files (stored a day ago) besides the one read,
// so the per-request freshness check and the UID lookup run against a real-sized table. Steady state:
// in the minute after a bulk store, requests also re-check the files just stored.
const INDEXED = 50_000;
const SIZE = 724; // 724 × 724 × 2 bytes ≈ 1 MiB of pixels
const WARMUP = 20;
const SAMPLES = 200;

async function drain(r: Response): Promise<number> {
  let n = 0;
  for await (const c of r.body as unknown as AsyncIterable<Uint8Array>) n += c.length;
  return n;
}

export const dicomwebRetrieve: Measure = {
  name: "dicomweb.retrieve",
  description: `WADO-RS instance retrieve (multipart, audited, ${INDEXED.toLocaleString("en")} indexed files) vs the same ~1 MiB file from /api/v1 files (audited), p50`,
  async run({ log }) {
    const dataset = (await findDataset({ slug: "mimic-cxr", version: "2.0.0" }))!;
    const lab = await createLab(getDb());
    const u = await createUser(getDb(), { labId: lab.id, role: "member" });
    const user = { id: u.id, email: u.email, name: u.name, role: u.role, labId: lab.id };
    const uid = "1.2.826.0.1.3680043.10.1395.77";
    const bytes = writeDicom({
      patientId: "10000001", studyId: "50000001", studyInstanceUid: `${uid}.1`, seriesInstanceUid: `${uid}.2`, sopInstanceUid: `${uid}.3`, studyDate: "21500101", studyTime: "120000.000",
      viewPosition: "PA", rows: SIZE, columns: SIZE, pixels: Uint16Array.from({ length: SIZE * SIZE }, (_, i) => i % 4096), windowCenter: 2048, windowWidth: 4096,
    });
    const path = "files/p10/p10000001/s50000001/bench.dcm";
    const key = `bench-dicomweb/${lab.id}/${path}`;
    await getStorage().put(key, bytes);
    await getDb().insert(storedFiles).values({ labId: lab.id, datasetId: dataset.id, path, storageKey: key, size: bytes.length, sha256: createHash("sha256").update(bytes).digest("hex"), storedAt: new Date() });
    await getDb().execute(sql`insert into stored_files (lab_id, dataset_id, path, storage_key, size, sha256, stored_at)
      select ${lab.id}, ${dataset.id}, 'files/p11/x/s' || g || '/i.dcm', 'nowhere/' || g, 1, repeat('0', 64), now() - interval '1 day' from generate_series(1, ${INDEXED}) g`);
    // Statistics first: the foreign key checks of the next insert are planned from them.
    await getDb().execute(sql`analyze stored_files`);
    await getDb().execute(sql`insert into dicom_instances (lab_id, dataset_id, path, sha256, study_uid, series_uid, sop_uid, patient_id, study_date, modality, attrs)
      select ${lab.id}, ${dataset.id}, 'files/p11/x/s' || g || '/i.dcm', repeat('0', 64), '2.25.' || g, '2.25.' || g || '.1', '2.25.' || g || '.1.1', '1' || lpad((g % 60000)::text, 7, '0'), '21500101', 'CR', '{}'::jsonb
      from generate_series(1, ${INDEXED}) g`);
    await getDb().execute(sql`analyze stored_files; analyze dicom_instances`);
    const dataRef = { id: dataset.id, slug: dataset.slug, version: dataset.version } as Parameters<typeof handleDicomweb>[0]["dataset"];
    const wado = `http://bench/api/dicomweb/mimic-cxr/2.0.0/studies/${uid}.1/series/${uid}.2/instances/${uid}.3`;
    const dicomweb: number[] = [];
    const plain: number[] = [];
    for (let i = 0; i < WARMUP + SAMPLES; i++) {
      const t0 = performance.now();
      const r = await handleDicomweb({ req: new Request(wado), user, dataset: dataRef, token: null, ip: null, path: ["studies", `${uid}.1`, "series", `${uid}.2`, "instances", `${uid}.3`] });
      const n = await drain(r);
      const t1 = performance.now();
      await drain(await serveStoredFile({ user, dataset: dataRef, path, rangeHeader: null, ip: null, tokenId: null }));
      const t2 = performance.now();
      if (n < bytes.length) throw new Error("bench: the instance came back short");
      if (i >= WARMUP) {
        dicomweb.push(t1 - t0);
        plain.push(t2 - t1);
      }
    }
    const p50 = percentile(dicomweb, 50);
    const base = percentile(plain, 50);
    log(`WADO-RS instance p50 ${round(p50)} ms (p95 ${round(percentile(dicomweb, 95))}), /api/v1 file p50 ${round(base)} ms`);
    return { p50_ms: round(p50), p95_ms: round(percentile(dicomweb, 95)), file_read_p50_ms: round(base), ratio: round(p50 / base), indexed: INDEXED, samples: SAMPLES };
  },
};
