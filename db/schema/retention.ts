import { sql } from "drizzle-orm";
import { bigint, boolean, check, index, integer, pgEnum, pgTable, text, timestamp, uniqueIndex, uuid } from "drizzle-orm/pg-core";
import { datasets } from "./credentialing";
import { labs } from "./labs";
import { users } from "./users";

// The end of a lab's copy of a dataset version (docs/decisions/021): one steward asks, a different
// steward or admin confirms, a job removes every byte and the lab's hold on the version. The row
// outlives the lab_datasets row it ends, and is what the printable attestation shows.

export const destructionStatusEnum = pgEnum("destruction_status", ["requested", "confirmed", "done", "cancelled"]);

export const datasetDestructions = pgTable(
  "dataset_destructions",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    labId: uuid("lab_id").notNull().references(() => labs.id),
    datasetId: uuid("dataset_id").notNull().references(() => datasets.id),
    status: destructionStatusEnum("status").notNull().default("requested"),
    // Copied from lab_datasets, which the destruction removes.
    heldSince: timestamp("held_since", { withTimezone: true }).notNull(),
    retentionDays: integer("retention_days"),
    requestedBy: uuid("requested_by").notNull().references(() => users.id),
    requestedAt: timestamp("requested_at", { withTimezone: true }).notNull(),
    confirmedBy: uuid("confirmed_by").references(() => users.id),
    confirmedAt: timestamp("confirmed_at", { withTimezone: true }),
    // Set once the file list is taken (before anything is deleted): a resumed job deletes this list.
    listedAt: timestamp("listed_at", { withTimezone: true }),
    fileCount: bigint("file_count", { mode: "number" }),
    bytes: bigint("bytes", { mode: "number" }),
    listSha256: text("list_sha256"),
    storageBackend: text("storage_backend", { enum: ["local", "s3"] }),
    // Another lab of this installation still holds the version: the shared copy stays (decision 021).
    sharedCopyKept: boolean("shared_copy_kept").notNull().default(false),
    // Import directories outside lab storage: never deleted by labgate, named on the attestation.
    keptPaths: text("kept_paths").array().notNull().default(sql`'{}'::text[]`),
    destroyedAt: timestamp("destroyed_at", { withTimezone: true }),
    auditId: bigint("audit_id", { mode: "number" }),
    auditHash: text("audit_hash"),
    error: text("error"),
  },
  (t) => [
    // One open destruction per lab and version: a second request, or a race of two, is refused.
    uniqueIndex("dataset_destructions_open_idx").on(t.labId, t.datasetId).where(sql`${t.status} in ('requested', 'confirmed')`),
    index("dataset_destructions_lab_idx").on(t.labId, t.requestedAt),
    check("dataset_destructions_four_eyes", sql`${t.confirmedBy} is null or ${t.confirmedBy} <> ${t.requestedBy}`),
    check("dataset_destructions_done_has_record", sql`${t.status} <> 'done' or (${t.destroyedAt} is not null and ${t.listSha256} is not null and ${t.auditId} is not null)`),
  ],
);

// The file list of one destruction, taken before the first delete: what the hash covers, and what a
// resumed job still has to remove. Paths only, never contents.
export const datasetDestructionFiles = pgTable(
  "dataset_destruction_files",
  {
    destructionId: uuid("destruction_id").notNull().references(() => datasetDestructions.id, { onDelete: "cascade" }),
    // "<where>:<path>": storage (local|s3) key, local import file, thumbnail, staging leftover.
    path: text("path").notNull(),
    size: bigint("size", { mode: "number" }).notNull(),
    deletedAt: timestamp("deleted_at", { withTimezone: true }),
  },
  (t) => [uniqueIndex("dataset_destruction_files_pk").on(t.destructionId, t.path)],
);
