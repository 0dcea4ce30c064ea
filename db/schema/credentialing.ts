import { sql } from "drizzle-orm";
import { boolean, check, date, index, integer, pgEnum, pgTable, primaryKey, text, timestamp, uniqueIndex, uuid } from "drizzle-orm/pg-core";
import { labs } from "./labs";
import { users } from "./users";

// What each member must hold before the lab's copy of a dataset version reaches them, modelled on
// PhysioNet (shared/design/physionet.md). The rule that combines these rows lives in one pure
// function: lib/credentialing/access-rule.ts.

export const datasetAccessPolicyEnum = pgEnum("dataset_access_policy", ["open", "restricted", "credentialed", "contributor_review"]);
export const trainingKindEnum = pgEnum("training_kind", ["report", "certificate"]);
export const reviewStatusEnum = pgEnum("review_status", ["pending", "accepted", "rejected"]);
export const credentialingStageEnum = pgEnum("credentialing_stage", ["not_in_review", "id_check", "reference", "reference_response", "final_review"]);
export const credentialingDecisionEnum = pgEnum("credentialing_decision", ["accepted", "rejected", "withdrawn", "revoked"]);
export const verificationOutcomeEnum = pgEnum("physionet_verification_outcome", ["confirmed", "wrong_credentials", "not_authorized", "not_found", "error"]);
export const accessGrantStatusEnum = pgEnum("access_grant_status", ["approved", "suspended", "revoked"]);

// Reference data (inserted by a migration): e.g. the CITI "Data or Specimens Only Research" course.
export const trainingTypes = pgTable("training_types", {
  slug: text("slug").primaryKey(),
  name: text("name").notNull(),
  // The course title printed on the CITI report; an upload for any other course is refused.
  courseName: text("course_name").notNull(),
  // Used when a lab has no policy row; null means the training never expires.
  defaultValidityDays: integer("default_validity_days"),
});

// A PhysioNet project version. Global rather than per lab: "mimic-cxr 2.1.0" is the same thing for
// every lab. Which labs hold a copy, and for how long, is lab_datasets.
export const datasets = pgTable(
  "datasets",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    slug: text("slug").notNull(),
    version: text("version").notNull(),
    title: text("title").notNull(),
    accessPolicy: datasetAccessPolicyEnum("access_policy").notNull().default("credentialed"),
    requiredTrainingTypes: text("required_training_types").array().notNull().default(sql`'{}'::text[]`),
    duaName: text("dua_name").notNull(),
    duaVersion: text("dua_version").notNull(),
    createdBy: uuid("created_by").references(() => users.id),
    createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    uniqueIndex("datasets_slug_version_idx").on(t.slug, t.version),
    check("datasets_slug_format", sql`${t.slug} ~ '^[a-z0-9][a-z0-9-]{0,99}$'`),
    check("datasets_version_format", sql`${t.version} ~ '^[0-9]+(\\.[0-9]+){0,3}$'`),
    // "open" only for the open projects of lib/datasets/physionet-catalogue.ts (migration 0010).
    check("datasets_open_only_catalogue", sql`${t.accessPolicy} <> 'open' or ${t.slug} in ('mimic-iv-demo', 'mimiciii-demo', 'mitdb', 'ptb-xl')`),
  ],
);

export const labDatasets = pgTable(
  "lab_datasets",
  {
    labId: uuid("lab_id").notNull().references(() => labs.id),
    datasetId: uuid("dataset_id").notNull().references(() => datasets.id),
    // The lab's retention period for its copy; null until the steward sets one.
    retentionDays: integer("retention_days"),
    // The lab's own requirements for a project outside labgate's PhysioNet catalogue (null = the
    // datasets row's); ignored for a catalogue project, whose requirements the catalogue fixes.
    requiredTrainingTypes: text("required_training_types").array(),
    duaName: text("dua_name"),
    duaVersion: text("dua_version"),
    addedBy: uuid("added_by").references(() => users.id),
    addedAt: timestamp("added_at", { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [primaryKey({ columns: [t.labId, t.datasetId] }), check("lab_datasets_retention_positive", sql`${t.retentionDays} is null or ${t.retentionDays} > 0`)],
);

export const physionetAccounts = pgTable(
  "physionet_accounts",
  {
    userId: uuid("user_id").primaryKey().references(() => users.id),
    labId: uuid("lab_id").notNull().references(() => labs.id),
    // Stored lower-case, as PhysioNet stores it.
    username: text("username").notNull(),
    createdAt: timestamp("created_at", { withTimezone: true }).notNull(),
    updatedAt: timestamp("updated_at", { withTimezone: true }).notNull(),
  },
  (t) => [
    index("physionet_accounts_lab_idx").on(t.labId),
    // One labgate member per PhysioNet account across the whole installation, whatever the case.
    uniqueIndex("physionet_accounts_username_key").on(sql`lower(${t.username})`),
  ],
);

export const trainings = pgTable(
  "trainings",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    labId: uuid("lab_id").notNull().references(() => labs.id),
    userId: uuid("user_id").notNull().references(() => users.id),
    trainingType: text("training_type").notNull().references(() => trainingTypes.slug),
    kind: trainingKindEnum("kind").notNull(),
    status: reviewStatusEnum("status").notNull().default("pending"),
    learnerName: text("learner_name").notNull(),
    course: text("course").notNull(),
    completionDate: date("completion_date", { mode: "string" }).notNull(),
    // As printed on the report; informational only: validity counts from acceptance (lab policy).
    expirationDate: date("expiration_date", { mode: "string" }),
    recordId: text("record_id").notNull(),
    verificationUrl: text("verification_url").notNull(),
    storageKey: text("storage_key").notNull(),
    sha256: text("sha256").notNull(),
    sizeBytes: integer("size_bytes").notNull(),
    submittedAt: timestamp("submitted_at", { withTimezone: true }).notNull(),
    reviewedBy: uuid("reviewed_by").references(() => users.id),
    reviewedAt: timestamp("reviewed_at", { withTimezone: true }),
    reviewComment: text("review_comment"),
    acceptedAt: timestamp("accepted_at", { withTimezone: true }),
  },
  (t) => [
    index("trainings_lab_status_idx").on(t.labId, t.status),
    index("trainings_user_type_idx").on(t.userId, t.trainingType),
    // The same file cannot be under review or accepted twice for one member.
    uniqueIndex("trainings_user_sha256_live_idx").on(t.userId, t.sha256).where(sql`${t.status} <> 'rejected'`),
    index("trainings_record_id_idx").on(t.recordId),
    check("trainings_accepted_has_date", sql`(${t.status} = 'accepted') = (${t.acceptedAt} is not null)`),
  ],
);

export const credentialingApplications = pgTable(
  "credentialing_applications",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    labId: uuid("lab_id").notNull().references(() => labs.id),
    userId: uuid("user_id").notNull().references(() => users.id),
    applicationDate: date("application_date", { mode: "string" }).notNull(),
    stage: credentialingStageEnum("stage").notNull().default("not_in_review"),
    // Null while PhysioNet has not decided.
    decision: credentialingDecisionEnum("decision"),
    decisionDate: date("decision_date", { mode: "string" }),
    createdAt: timestamp("created_at", { withTimezone: true }).notNull(),
    updatedAt: timestamp("updated_at", { withTimezone: true }).notNull(),
  },
  (t) => [
    index("credentialing_applications_user_idx").on(t.userId, t.applicationDate),
    index("credentialing_applications_lab_idx").on(t.labId),
    check("credentialing_decision_has_date", sql`(${t.decision} is null) = (${t.decisionDate} is null)`),
  ],
);

export const duaSignatures = pgTable(
  "dua_signatures",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    labId: uuid("lab_id").notNull().references(() => labs.id),
    userId: uuid("user_id").notNull().references(() => users.id),
    datasetId: uuid("dataset_id").notNull().references(() => datasets.id),
    // Copied from the dataset at signing time: PhysioNet does not keep which DUA text was signed.
    duaName: text("dua_name").notNull(),
    duaVersion: text("dua_version").notNull(),
    signedOn: date("signed_on", { mode: "string" }).notNull(),
    initials: text("initials").notNull(),
    status: reviewStatusEnum("status").notNull().default("pending"),
    reviewedBy: uuid("reviewed_by").references(() => users.id),
    reviewedAt: timestamp("reviewed_at", { withTimezone: true }),
    reviewComment: text("review_comment"),
    createdAt: timestamp("created_at", { withTimezone: true }).notNull(),
  },
  (t) => [
    index("dua_signatures_user_dataset_idx").on(t.userId, t.datasetId),
    index("dua_signatures_lab_status_idx").on(t.labId, t.status),
    uniqueIndex("dua_signatures_live_idx").on(t.userId, t.datasetId, t.duaName, t.duaVersion).where(sql`${t.status} <> 'rejected'`),
  ],
);

export const physionetVerifications = pgTable(
  "physionet_verifications",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    labId: uuid("lab_id").notNull().references(() => labs.id),
    userId: uuid("user_id").notNull().references(() => users.id),
    datasetId: uuid("dataset_id").notNull().references(() => datasets.id),
    physionetUsername: text("physionet_username").notNull(),
    outcome: verificationOutcomeEnum("outcome").notNull(),
    // Null when no HTTP answer came back (network error, timeout).
    httpStatus: integer("http_status"),
    detail: text("detail"),
    checkedAt: timestamp("checked_at", { withTimezone: true }).notNull(),
  },
  (t) => [index("physionet_verifications_user_dataset_idx").on(t.userId, t.datasetId, t.checkedAt), index("physionet_verifications_lab_idx").on(t.labId)],
);

// The steward's current decision per (member, dataset); its history is in the audit log.
export const accessGrants = pgTable(
  "access_grants",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    labId: uuid("lab_id").notNull().references(() => labs.id),
    userId: uuid("user_id").notNull().references(() => users.id),
    datasetId: uuid("dataset_id").notNull().references(() => datasets.id),
    status: accessGrantStatusEnum("status").notNull(),
    reason: text("reason"),
    decidedBy: uuid("decided_by").notNull().references(() => users.id),
    decidedAt: timestamp("decided_at", { withTimezone: true }).notNull(),
  },
  (t) => [uniqueIndex("access_grants_user_dataset_idx").on(t.userId, t.datasetId), index("access_grants_lab_idx").on(t.labId, t.datasetId)],
);

export const labTrainingPolicies = pgTable(
  "lab_training_policies",
  {
    labId: uuid("lab_id").notNull().references(() => labs.id),
    trainingType: text("training_type").notNull().references(() => trainingTypes.slug),
    // Days from acceptance; null means an accepted training never expires in this lab.
    validityDays: integer("validity_days").default(1095),
    updatedBy: uuid("updated_by").references(() => users.id),
    updatedAt: timestamp("updated_at", { withTimezone: true }).notNull(),
  },
  (t) => [primaryKey({ columns: [t.labId, t.trainingType] }), check("lab_training_policies_validity_positive", sql`${t.validityDays} is null or ${t.validityDays} > 0`)],
);

// Lab-wide access settings; a lab without a row uses the defaults in lib/credentialing/policy.ts.
export const labAccessPolicies = pgTable(
  "lab_access_policies",
  {
    labId: uuid("lab_id").primaryKey().references(() => labs.id),
    // A confirmed PhysioNet verification this recent stands in for steward approval; null = never.
    verificationValidDays: integer("verification_valid_days"),
    warningDays: integer("warning_days").notNull().default(30),
    // Members attest to PhysioNet's responsible use of online services (decision 038).
    responsibleUseRequired: boolean("responsible_use_required").notNull().default(false),
    // Members re-confirm their DUAs and that attestation every this many months; null = never.
    reattestMonths: integer("reattest_months"),
    updatedBy: uuid("updated_by").references(() => users.id),
    updatedAt: timestamp("updated_at", { withTimezone: true }).notNull(),
  },
  (t) => [
    check("lab_access_policies_verification_positive", sql`${t.verificationValidDays} is null or ${t.verificationValidDays} > 0`),
    check("lab_access_policies_warning_positive", sql`${t.warningDays} >= 0`),
    check("lab_access_policies_reattest_months_range", sql`${t.reattestMonths} is null or ${t.reattestMonths} between 1 and 60`),
  ],
);

// What a member attested to in labgate: the responsible-use text (kind responsible_use) or a
// periodic re-confirmation of the DUA of one dataset version (kind dua). Append-only: the newest
// row for the text version in force is the one that counts (lib/credentialing/attestation-steps.ts).
export const attestationKindEnum = pgEnum("attestation_kind", ["responsible_use", "dua"]);

export const attestations = pgTable(
  "attestations",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    labId: uuid("lab_id").notNull().references(() => labs.id),
    userId: uuid("user_id").notNull().references(() => users.id),
    kind: attestationKindEnum("kind").notNull(),
    datasetId: uuid("dataset_id").references(() => datasets.id),
    // The responsible-use text's version, or "<DUA name> <DUA version>" for a DUA re-confirmation.
    textVersion: text("text_version").notNull(),
    attestedAt: timestamp("attested_at", { withTimezone: true }).notNull(),
  },
  (t) => [
    index("attestations_lab_user_idx").on(t.labId, t.userId),
    check("attestations_dataset_for_dua", sql`(${t.kind} = 'dua') = (${t.datasetId} is not null)`),
  ],
);

// An access review campaign: every (member, dataset) pair holding access when it opens must be
// certified or revoked by the deadline; the daily job revokes what is left unanswered.
export const accessReviewStatusEnum = pgEnum("access_review_status", ["open", "closed"]);
export const accessReviewDecisionEnum = pgEnum("access_review_decision", ["certified", "revoked", "expired"]);

export const accessReviews = pgTable(
  "access_reviews",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    labId: uuid("lab_id").notNull().references(() => labs.id),
    title: text("title").notNull(),
    status: accessReviewStatusEnum("status").notNull().default("open"),
    deadline: timestamp("deadline", { withTimezone: true }).notNull(),
    openedBy: uuid("opened_by").notNull().references(() => users.id),
    openedAt: timestamp("opened_at", { withTimezone: true }).notNull(),
    closedAt: timestamp("closed_at", { withTimezone: true }),
  },
  (t) => [index("access_reviews_lab_idx").on(t.labId, t.status), check("access_reviews_closed_has_date", sql`(${t.status} = 'closed') = (${t.closedAt} is not null)`)],
);

export const accessReviewItems = pgTable(
  "access_review_items",
  {
    reviewId: uuid("review_id").notNull().references(() => accessReviews.id),
    userId: uuid("user_id").notNull().references(() => users.id),
    datasetId: uuid("dataset_id").notNull().references(() => datasets.id),
    // Null while unanswered; "expired" when the deadline revoked it.
    decision: accessReviewDecisionEnum("decision"),
    comment: text("comment"),
    decidedBy: uuid("decided_by").references(() => users.id),
    decidedAt: timestamp("decided_at", { withTimezone: true }),
  },
  (t) => [primaryKey({ columns: [t.reviewId, t.userId, t.datasetId] }), check("access_review_items_decided_has_date", sql`(${t.decision} is null) = (${t.decidedAt} is null)`)],
);

export const notificationKindEnum = pgEnum("notification_kind", [
  "training_expiring",
  "access_expiring",
  "review_requested",
  "access_granted",
  "access_suspended",
  "access_revoked",
  "access_reinstated",
  "submission_reviewed",
  "campaign_opened",
  "retention_due",
]);

// In-app notifications, mailed too when SMTP is configured. dedupe_key keeps a daily job from
// warning twice about the same thing ("training-expiring:<training id>:30").
export const notifications = pgTable(
  "notifications",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    labId: uuid("lab_id").notNull().references(() => labs.id),
    userId: uuid("user_id").notNull().references(() => users.id),
    kind: notificationKindEnum("kind").notNull(),
    title: text("title").notNull(),
    body: text("body").notNull(),
    link: text("link"),
    dedupeKey: text("dedupe_key"),
    createdAt: timestamp("created_at", { withTimezone: true }).notNull(),
    readAt: timestamp("read_at", { withTimezone: true }),
    emailedAt: timestamp("emailed_at", { withTimezone: true }),
    emailError: text("email_error"),
  },
  (t) => [index("notifications_user_idx").on(t.userId, t.createdAt), uniqueIndex("notifications_dedupe_idx").on(t.userId, t.dedupeKey).where(sql`${t.dedupeKey} is not null`)],
);
