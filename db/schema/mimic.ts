import { bigint, integer, jsonb, pgTable, primaryKey, text, timestamp, uniqueIndex, uuid } from "drizzle-orm/pg-core";
import { labs } from "./labs";
import { datasets } from "./credentialing";
import { users } from "./users";

/** One row per import attempt; the explorer's data tables themselves are in db/migrations/0005_mimic-explorer.sql. */
export const mimicImports = pgTable("mimic_imports", {
  id: uuid("id").primaryKey().defaultRandom(),
  datasetId: uuid("dataset_id")
    .notNull()
    .references(() => datasets.id),
  sourceDir: text("source_dir").notNull(),
  status: text("status", { enum: ["running", "succeeded", "failed", "unchanged"] }).notNull(),
  fingerprint: text("fingerprint"),
  startedBy: uuid("started_by").references(() => users.id),
  startedAt: timestamp("started_at", { withTimezone: true }).notNull().defaultNow(),
  finishedAt: timestamp("finished_at", { withTimezone: true }),
  phase: text("phase"),
  bytesDone: bigint("bytes_done", { mode: "number" }).notNull().default(0),
  bytesTotal: bigint("bytes_total", { mode: "number" }).notNull().default(0),
  rowsDone: bigint("rows_done", { mode: "number" }).notNull().default(0),
  counts: jsonb("counts").$type<Record<string, number>>(),
  error: text("error"),
});

export const mimicCohorts = pgTable("mimic_cohorts", {
  id: uuid("id").primaryKey().defaultRandom(),
  labId: uuid("lab_id").notNull(),
  datasetId: uuid("dataset_id")
    .notNull()
    .references(() => datasets.id),
  name: text("name").notNull(),
  query: text("query").notNull(),
  studyCount: integer("study_count").notNull(),
  /** The cohort's split (lib/mimic/cohorts/split-spec.ts, validated there); NULL is the official split. */
  split: jsonb("split").$type<unknown>(),
  createdBy: uuid("created_by")
    .notNull()
    .references(() => users.id),
  createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
});

/** A steward's statement that the lab reads this MIMIC-CXR version with this MIMIC-CXR-JPG version (migration 0020). */
export const mimicVersionPairs = pgTable(
  "mimic_version_pairs",
  {
    labId: uuid("lab_id")
      .notNull()
      .references(() => labs.id),
    cxrDatasetId: uuid("cxr_dataset_id")
      .notNull()
      .references(() => datasets.id),
    jpgDatasetId: uuid("jpg_dataset_id")
      .notNull()
      .references(() => datasets.id),
    createdBy: uuid("created_by")
      .notNull()
      .references(() => users.id),
    createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [primaryKey({ columns: [t.labId, t.cxrDatasetId] }), uniqueIndex("mimic_version_pairs_jpg").on(t.labId, t.jpgDatasetId)],
);
