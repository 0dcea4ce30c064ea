import { sql } from "drizzle-orm";
import { bigint, boolean, check, index, integer, jsonb, pgEnum, pgTable, primaryKey, text, timestamp, uniqueIndex, uuid } from "drizzle-orm/pg-core";
import { datasets } from "./credentialing";
import { labs } from "./labs";
import { users } from "./users";

// Downloads from PhysioNet into lab storage (lib/downloads/). A job is a selection of one dataset
// version's files; its file rows are the work list that workers claim with SKIP LOCKED; what has
// been verified and moved into lab storage is in stored_files, the only thing the read route serves.

export const downloadJobStateEnum = pgEnum("download_job_state", [
  "preparing", // a worker is fetching SHA256SUMS.txt and estimating sizes
  "ready", // counts and estimate shown; waits for the member to start it
  "running",
  "paused",
  "completed", // every selected file verified
  "incomplete", // ended with files that could not be verified (listed per file)
  "failed", // stopped by a job-level problem: credentials, PhysioNet refusal, storage full, quota
  "cancelled",
  "stopped", // the owner's access to the dataset ended
]);

export const downloadFileStateEnum = pgEnum("download_file_state", ["pending", "active", "done", "skipped", "failed"]);
export const downloadFileCategoryEnum = pgEnum("download_file_category", ["metadata", "report", "image", "other"]);

export const downloadJobs = pgTable(
  "download_jobs",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    labId: uuid("lab_id").notNull().references(() => labs.id),
    userId: uuid("user_id").notNull().references(() => users.id),
    datasetId: uuid("dataset_id").notNull().references(() => datasets.id),
    // The validated selection (lib/downloads/selection.ts) and its one-line description.
    selection: jsonb("selection").notNull(),
    description: text("description").notNull(),
    state: downloadJobStateEnum("state").notNull().default("preparing"),
    concurrency: integer("concurrency").notNull().default(4),
    // Where the bytes come from: PhysioNet by GNU wget, or PhysioNet's cloud mirror with the member's
    // own cloud identity (decision 032).
    source: text("source", { enum: ["physionet", "mirror"] }).notNull().default("physionet"),
    cloudIdentityId: uuid("cloud_identity_id").references(() => cloudIdentities.id),
    filesTotal: integer("files_total").notNull().default(0),
    filesDone: integer("files_done").notNull().default(0),
    filesSkipped: integer("files_skipped").notNull().default(0),
    filesFailed: integer("files_failed").notNull().default(0),
    // Sum of sizes known exactly (listings, HEAD, finished files) plus the sampled average for the rest.
    bytesEstimate: bigint("bytes_estimate", { mode: "number" }).notNull().default(0),
    estimateExact: boolean("estimate_exact").notNull().default(false),
    bytesDone: bigint("bytes_done", { mode: "number" }).notNull().default(0),
    // Bytes received from the network (resumed partials included once): the rate is its slope.
    bytesReceived: bigint("bytes_received", { mode: "number" }).notNull().default(0),
    storageFreeAtPrepare: bigint("storage_free_at_prepare", { mode: "number" }),
    // Bytes per second of one connection, measured on SHA256SUMS.txt at preparation (null: too small to tell).
    connectionRate: bigint("connection_rate", { mode: "number" }),
    notice: text("notice"),
    error: text("error"),
    createdAt: timestamp("created_at", { withTimezone: true }).notNull(),
    startedAt: timestamp("started_at", { withTimezone: true }),
    finishedAt: timestamp("finished_at", { withTimezone: true }),
    updatedAt: timestamp("updated_at", { withTimezone: true }).notNull(),
  },
  (t) => [
    index("download_jobs_lab_idx").on(t.labId, t.createdAt),
    index("download_jobs_user_idx").on(t.userId, t.state),
    index("download_jobs_state_idx").on(t.state),
    check("download_jobs_concurrency_range", sql`${t.concurrency} between 1 and 8`),
    check("download_jobs_source", sql`${t.source} in ('physionet', 'mirror')`),
  ],
);

export const downloadFiles = pgTable(
  "download_files",
  {
    jobId: uuid("job_id").notNull().references(() => downloadJobs.id, { onDelete: "cascade" }),
    // Relative path inside the version directory, as in SHA256SUMS.txt.
    path: text("path").notNull(),
    sha256: text("sha256").notNull(),
    category: downloadFileCategoryEnum("category").notNull(),
    size: bigint("size", { mode: "number" }),
    state: downloadFileStateEnum("state").notNull().default("pending"),
    attempts: integer("attempts").notNull().default(0),
    checksumFailures: integer("checksum_failures").notNull().default(0),
    error: text("error"),
    // Which lane of which worker holds an active file; a lane's advisory lock decides who may.
    lane: integer("lane"),
    claimToken: uuid("claim_token"),
    retryAfter: timestamp("retry_after", { withTimezone: true }),
    verifiedAt: timestamp("verified_at", { withTimezone: true }),
  },
  (t) => [
    primaryKey({ columns: [t.jobId, t.path] }),
    index("download_files_claim_idx").on(t.jobId, t.state, t.path),
    check("download_files_sha256_format", sql`${t.sha256} ~ '^[0-9a-f]{64}$'`),
  ],
);

// Live status of each transfer lane, for the progress view (not for locking: that is an advisory lock).
export const downloadLanes = pgTable(
  "download_lanes",
  {
    jobId: uuid("job_id").notNull().references(() => downloadJobs.id, { onDelete: "cascade" }),
    lane: integer("lane").notNull(),
    worker: text("worker").notNull(),
    currentPath: text("current_path"),
    bytesInFlight: bigint("bytes_in_flight", { mode: "number" }).notNull().default(0),
    updatedAt: timestamp("updated_at", { withTimezone: true }).notNull(),
  },
  (t) => [primaryKey({ columns: [t.jobId, t.lane] })],
);

// The member's PhysioNet password, AES-256-GCM encrypted with a key that is never in the database
// (lib/downloads/credentials/cipher.ts). Deleted when the member's last job ends unless `keep`.
export const downloadCredentials = pgTable("download_credentials", {
  userId: uuid("user_id").primaryKey().references(() => users.id),
  labId: uuid("lab_id").notNull().references(() => labs.id),
  username: text("username").notNull(),
  ciphertext: text("ciphertext").notNull(),
  iv: text("iv").notNull(),
  authTag: text("auth_tag").notNull(),
  keyId: text("key_id").notNull(),
  keep: boolean("keep").notNull().default(false),
  createdAt: timestamp("created_at", { withTimezone: true }).notNull(),
  updatedAt: timestamp("updated_at", { withTimezone: true }).notNull(),
});

// What is in lab storage: written in the transaction that follows a verified, atomic move.
export const storedFiles = pgTable(
  "stored_files",
  {
    labId: uuid("lab_id").notNull().references(() => labs.id),
    datasetId: uuid("dataset_id").notNull().references(() => datasets.id),
    path: text("path").notNull(),
    storageKey: text("storage_key").notNull(),
    size: bigint("size", { mode: "number" }).notNull(),
    sha256: text("sha256").notNull(),
    jobId: uuid("job_id").references(() => downloadJobs.id, { onDelete: "set null" }),
    storedAt: timestamp("stored_at", { withTimezone: true }).notNull(),
  },
  // stored_at: DICOMweb's index looks only at files stored since its last check (migration 0029).
  // stored_files_browse (migration 0030): (lab_id, dataset_id, path COLLATE "C") for the storage browser.
  (t) => [
    primaryKey({ columns: [t.labId, t.datasetId, t.path] }),
    index("stored_files_stored_at_idx").on(t.labId, t.datasetId, t.storedAt),
    index("stored_files_browse").on(t.labId, t.datasetId, sql`(${t.path} collate "C")`),
  ],
);

export const labStorageSettings = pgTable(
  "lab_storage_settings",
  {
    labId: uuid("lab_id").primaryKey().references(() => labs.id),
    // Null: no quota beyond the disk itself.
    quotaBytes: bigint("quota_bytes", { mode: "number" }),
    updatedBy: uuid("updated_by").references(() => users.id),
    updatedAt: timestamp("updated_at", { withTimezone: true }).notNull(),
  },
  (t) => [check("lab_storage_quota_positive", sql`${t.quotaBytes} is null or ${t.quotaBytes} > 0`)],
);

// A member's cloud identity for one dataset version on PhysioNet's mirrors, the last "Verify with the
// mirror" (its HTTP status is the evidence), and their key pair sealed like the PhysioNet password
// while a job needs it or they keep it (lib/downloads/mirror/identities.ts).
export const cloudIdentities = pgTable(
  "cloud_identities",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    labId: uuid("lab_id").notNull().references(() => labs.id),
    userId: uuid("user_id").notNull().references(() => users.id),
    datasetId: uuid("dataset_id").notNull().references(() => datasets.id),
    provider: text("provider", { enum: ["aws", "gcs"] }).notNull(),
    identity: text("identity").notNull(),
    keysCiphertext: text("keys_ciphertext"),
    keysIv: text("keys_iv"),
    keysAuthTag: text("keys_auth_tag"),
    keysKeyId: text("keys_key_id"),
    keepKeys: boolean("keep_keys").notNull().default(false),
    verifiedOutcome: text("verified_outcome"),
    verifiedStatus: integer("verified_status"),
    verifiedAt: timestamp("verified_at", { withTimezone: true }),
    createdAt: timestamp("created_at", { withTimezone: true }).notNull(),
    updatedAt: timestamp("updated_at", { withTimezone: true }).notNull(),
  },
  (t) => [
    uniqueIndex("cloud_identities_member_dataset").on(t.userId, t.datasetId),
    check("cloud_identities_provider", sql`${t.provider} in ('aws', 'gcs')`),
    check("cloud_identities_keys_whole", sql`(${t.keysCiphertext} is null) = (${t.keysKeyId} is null)`),
  ],
);
