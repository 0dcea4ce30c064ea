import { PgDialect } from "drizzle-orm/pg-core";
import pg from "pg";
import { listStudies, listViewCodes, studyPageQueries } from "@/lib/mimic/browse/list-studies";
import { parseStudyFilters, type StudyFilters } from "@/lib/mimic/browse/study-filters";
import { findDataset, importMimicDirectory } from "@/lib/mimic/import/import-directory";
import { percentile, round, type Measure } from "../harness";
import { syntheticVersionDir } from "../support/synthetic-dir";
import { FULL_STUDIES } from "./mimic-import";

// The workload: three label filters + a view + a split, sorted by date, a page of 50 and
// every facet count. Ten variants so no single plan or cache line decides the figure.
const QUERIES = [
  "label=Pleural Effusion:positive&label=Edema:positive&label=Pneumothorax:negative&view=PA&split=train",
  "label=Cardiomegaly:positive&label=Edema:uncertain&label=No Finding:not-mentioned&view=AP&split=train",
  "label=Support Devices:positive&label=Atelectasis:positive&label=Pneumonia:negative&view=AP&split=train",
  "label=Lung Opacity:positive&label=Consolidation:uncertain&label=Fracture:not-mentioned&view=PA&split=train",
  "label=Pleural Effusion:negative&label=Cardiomegaly:negative&label=Pneumonia:uncertain&view=LATERAL&split=train",
  "label=Atelectasis:uncertain&label=Edema:negative&label=Pleural Effusion:positive&view=AP&split=validate",
  "label=No Finding:positive&label=Support Devices:not-mentioned&label=Pneumothorax:not-mentioned&view=PA&split=train",
  "label=Enlarged Cardiomediastinum:positive&label=Cardiomegaly:positive&label=Edema:positive&view=AP&split=train",
  "label=Lung Lesion:positive&label=Lung Opacity:positive&label=Pleural Other:not-mentioned&view=PA&split=train",
  "label=Pneumonia:positive&label=Consolidation:positive&label=Atelectasis:negative&view=AP&split=test",
];

function filtersOf(q: string): StudyFilters {
  const parsed = parseStudyFilters(new URLSearchParams(q));
  if (!parsed.ok) throw new Error(`bench: bad filter ${q}: ${parsed.errors.join("; ")}`);
  return parsed.filters;
}

async function importedDataset(log: (l: string) => void): Promise<string> {
  const dir = await syntheticVersionDir({ project: "mimic-cxr-jpg", version: "2.0.0", studies: FULL_STUDIES, log });
  const dataset = await findDataset({ slug: "mimic-cxr-jpg", version: "2.0.0" });
  if (!dataset) throw new Error("bench: reference dataset mimic-cxr-jpg 2.0.0 missing");
  await importMimicDirectory({ dir, dataset }); // a no-op when import.full already loaded it
  return dataset.id;
}

const WARMUP = 20;
const SAMPLES = 300;

export const mimicBrowsePage: Measure = {
  name: "browse.page_facets",
  description: "page of 50 studies, 3 label filters + view + split, by date, with all facet counts (full scale) vs the same SQL run directly",
  async run({ databaseUrl, log }) {
    const datasetId = await importedDataset(log);
    const filters = QUERIES.map(filtersOf);
    const pool = new pg.Pool({ connectionString: databaseUrl, max: 4 });
    const dialect = new PgDialect();
    try {
      const viewCodes = await listViewCodes();
      const direct = filters.map((f) => studyPageQueries({ datasetId, filters: f, viewCodes }));
      const lab: number[] = [];
      const raw: number[] = [];
      // Interleaved, so load on the machine hits both alike.
      for (let i = 0; i < WARMUP + SAMPLES; i++) {
        const k = i % filters.length;
        const t0 = performance.now();
        await listStudies({ datasetId, filters: filters[k]! });
        const t1 = performance.now();
        const facts = dialect.sqlToQuery(direct[k]!.facts);
        const page = (await pool.query<{ page: number[] }>(facts.sql, facts.params as unknown[])).rows[0]!.page;
        if (page.length) {
          const details = dialect.sqlToQuery(direct[k]!.details(page.map(Number)));
          await pool.query(details.sql, details.params as unknown[]);
        }
        const t2 = performance.now();
        if (i >= WARMUP) {
          lab.push(t1 - t0);
          raw.push(t2 - t1);
        }
      }
      const p95 = percentile(lab, 95);
      const rawP95 = percentile(raw, 95);
      log(`listStudies p95 ${round(p95)} ms (p50 ${round(percentile(lab, 50))}), direct SQL p95 ${round(rawP95)} ms`);
      return { p95_ms: round(p95), p50_ms: round(percentile(lab, 50)), sql_p95_ms: round(rawP95), ratio: round(p95 / rawP95), samples: SAMPLES };
    } finally {
      await pool.end();
    }
  },
};

const CLIENTS = 8;
const SECONDS = 15;

export const mimicBrowseConcurrent: Measure = {
  name: "browse.concurrent8",
  description: "the browse workload from 8 concurrent clients for 15 s (full scale)",
  async run({ log }) {
    const datasetId = await importedDataset(log);
    const filters = QUERIES.map(filtersOf);
    let done = 0;
    let errors = 0;
    const until = performance.now() + SECONDS * 1000;
    const t0 = performance.now();
    await Promise.all(
      Array.from({ length: CLIENTS }, async (_, c) => {
        for (let i = c; performance.now() < until; i += CLIENTS) {
          try {
            await listStudies({ datasetId, filters: filters[i % filters.length]! });
            done++;
          } catch {
            errors++;
          }
        }
      }),
    );
    const seconds = (performance.now() - t0) / 1000;
    log(`${done} pages in ${round(seconds)} s with ${CLIENTS} clients, ${errors} errors`);
    return { rps: round(done / seconds, 1), errors, clients: CLIENTS, seconds: round(seconds, 1) };
  },
};
