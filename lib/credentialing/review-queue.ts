import "server-only";
import { alias } from "drizzle-orm/pg-core";
import { and, asc, eq } from "drizzle-orm";
import { datasets, duaSignatures, trainings, users } from "@/db/schema";
import { recordAudit } from "@/lib/audit/record";
import type { CurrentUser } from "@/lib/auth/current-user";
import { now } from "@/lib/clock";
import { getDb, type DbOrTx } from "@/lib/db/client";
import { AppError } from "@/lib/http/errors";
import { notify } from "@/lib/notifications/notify";
import { loadLabDatasetRequirements } from "./load-facts";
import { compareInitials, compareNames, type NameCheck } from "./name-match";
import { notifyReadyForApproval } from "./ready-notice";

// The steward's review queue: CITI Completion Reports and DUA signatures members submitted, to
// accept or reject with a comment. Deciding locks the row, so two stewards deciding at once get one
// decision and one clear 409.

export const REVIEW_DECISIONS = ["accept", "reject"] as const;
export type ReviewDecision = (typeof REVIEW_DECISIONS)[number];

export const trainingPdfUrl = (trainingId: string) => `/api/credentialing/trainings/${trainingId}/pdf`;

export type PendingTraining = {
  id: string;
  userId: string;
  memberName: string;
  memberEmail: string;
  kind: "report" | "certificate";
  learnerName: string;
  course: string;
  completionDate: string;
  expirationDate: string | null;
  recordId: string;
  verificationUrl: string;
  pdfUrl: string;
  submittedAt: Date;
  /** The report's learner name against the member's name; a mismatch is shown and must be answered. */
  nameCheck: NameCheck;
};

export type PendingDua = {
  id: string;
  userId: string;
  memberName: string;
  memberEmail: string;
  datasetId: string;
  dataset: string;
  duaName: string;
  duaVersion: string;
  /** False when the dataset now requires another DUA text or version than the one signed. */
  matchesCurrentDua: boolean;
  signedOn: string;
  initials: string;
  /** The initials typed against the member's name. */
  initialsCheck: NameCheck;
  submittedAt: Date;
};

/** Everything awaiting a steward in the lab, oldest first. */
export async function listReviewQueue(db: DbOrTx, opts: { labId: string }): Promise<{ trainings: PendingTraining[]; duas: PendingDua[] }> {
  const [t, d, required] = await Promise.all([
    db
      .select({ t: trainings, memberName: users.name, memberEmail: users.email })
      .from(trainings)
      .innerJoin(users, eq(users.id, trainings.userId))
      .where(and(eq(trainings.labId, opts.labId), eq(trainings.status, "pending")))
      .orderBy(asc(trainings.submittedAt)),
    db
      .select({ s: duaSignatures, memberName: users.name, memberEmail: users.email, slug: datasets.slug, version: datasets.version })
      .from(duaSignatures)
      .innerJoin(users, eq(users.id, duaSignatures.userId))
      .innerJoin(datasets, eq(datasets.id, duaSignatures.datasetId))
      .where(and(eq(duaSignatures.labId, opts.labId), eq(duaSignatures.status, "pending")))
      .orderBy(asc(duaSignatures.createdAt)),
    // What the lab's copy requires now (the catalogue's or the lab's DUA), not the shared row's.
    loadLabDatasetRequirements(db, { labId: opts.labId }),
  ]);
  const current = new Map(required.map((r) => [r.id, r]));
  return {
    trainings: t.map(({ t, memberName, memberEmail }) => ({
      id: t.id,
      userId: t.userId,
      memberName,
      memberEmail,
      kind: t.kind,
      learnerName: t.learnerName,
      course: t.course,
      completionDate: t.completionDate,
      expirationDate: t.expirationDate,
      recordId: t.recordId,
      verificationUrl: t.verificationUrl,
      pdfUrl: trainingPdfUrl(t.id),
      submittedAt: t.submittedAt,
      nameCheck: compareNames(t.learnerName, memberName),
    })),
    duas: d.map(({ s, memberName, memberEmail, slug, version }) => ({
      id: s.id,
      userId: s.userId,
      memberName,
      memberEmail,
      datasetId: s.datasetId,
      dataset: `${slug} ${version}`,
      duaName: s.duaName,
      duaVersion: s.duaVersion,
      matchesCurrentDua: s.duaName === current.get(s.datasetId)?.duaName && s.duaVersion === current.get(s.datasetId)?.duaVersion,
      signedOn: s.signedOn,
      initials: s.initials,
      initialsCheck: compareInitials(s.initials, memberName),
      submittedAt: s.createdAt,
    })),
  };
}

type DecideOpts = { actor: CurrentUser; decision: ReviewDecision; comment?: string | null; ip: string | null };

function checkDecision(opts: DecideOpts, subjectUserId: string, what: string): string | null {
  const comment = opts.comment?.trim() || null;
  if (opts.decision === "reject" && !comment) throw new AppError("bad_request", "A comment is required to reject: tell the member what to fix", { comment: ["Tell the member why, so they can fix it"] });
  if (subjectUserId === opts.actor.id) throw new AppError("forbidden", `You cannot review your own ${what}; ask another steward`);
  return comment;
}

const reviewer = alias(users, "reviewer");

/** A name that does not match is accepted only with the steward's reason, which the audit keeps. */
function requireAnsweredMismatch(check: NameCheck, comment: string | null, ask: string) {
  if (check.matches || comment) return;
  throw new AppError("bad_request", `${check.detail}. To accept anyway, add a comment: ${ask}`, { comment: [check.detail] });
}

function alreadyDecided(what: string, status: string, by: string | null, at: Date | null): AppError {
  const when = at ? ` on ${at.toISOString().slice(0, 16).replace("T", " ")} UTC` : "";
  return new AppError("conflict", `This ${what} was already ${status}${by ? ` by ${by}` : ""}${when}; reload the queue to see what is left`);
}

export async function reviewTraining(opts: DecideOpts & { trainingId: string }) {
  return getDb().transaction(async (tx) => {
    const [row] = await tx
      .select({ t: trainings, memberEmail: users.email, memberName: users.name })
      .from(trainings)
      .innerJoin(users, eq(users.id, trainings.userId))
      .where(and(eq(trainings.id, opts.trainingId), eq(trainings.labId, opts.actor.labId)))
      .for("update", { of: trainings })
      .limit(1);
    if (!row) throw new AppError("not_found", "No such training submission in your lab");
    const { t } = row;
    const comment = checkDecision(opts, t.userId, "training");
    if (t.status !== "pending") {
      const [by] = t.reviewedBy ? await tx.select({ email: reviewer.email }).from(reviewer).where(eq(reviewer.id, t.reviewedBy)) : [];
      throw alreadyDecided("training", t.status, by?.email ?? null, t.reviewedAt);
    }
    if (opts.decision === "accept" && t.kind !== "report") throw new AppError("conflict", "This is a CITI Completion Certificate; only a Completion Report can be accepted. Reject it and ask for the report");
    const nameCheck = compareNames(t.learnerName, row.memberName);
    if (opts.decision === "accept") requireAnsweredMismatch(nameCheck, comment, "say how you confirmed the report is the member's (e.g. a name change)");
    const at = now();
    const status = opts.decision === "accept" ? "accepted" : "rejected";
    await tx
      .update(trainings)
      .set({ status, acceptedAt: status === "accepted" ? at : null, reviewedBy: opts.actor.id, reviewedAt: at, reviewComment: comment })
      .where(eq(trainings.id, t.id));
    await recordAudit(tx, {
      action: `training.${opts.decision}`,
      labId: t.labId,
      actor: opts.actor,
      target: { type: "training", id: t.id },
      ip: opts.ip,
      details: { userId: t.userId, email: row.memberEmail, trainingType: t.trainingType, course: t.course, recordId: t.recordId, from: "pending", to: status, comment, learnerName: t.learnerName, nameMatches: nameCheck.matches },
    });
    await notify(tx, {
      labId: t.labId,
      userId: t.userId,
      kind: "submission_reviewed",
      title: `CITI training ${status}`,
      body: `A steward ${status} your ${t.course} Completion Report (record ${t.recordId})${comment ? `: ${comment}` : "."}`,
      link: "/credentialing",
    });
    if (status === "accepted") await notifyReadyForApproval(tx, { labId: t.labId, userId: t.userId, memberName: row.memberName });
    return { id: t.id, status };
  });
}

export async function reviewDuaSignature(opts: DecideOpts & { signatureId: string }) {
  return getDb().transaction(async (tx) => {
    const [row] = await tx
      .select({ s: duaSignatures, memberEmail: users.email, memberName: users.name, slug: datasets.slug, version: datasets.version })
      .from(duaSignatures)
      .innerJoin(users, eq(users.id, duaSignatures.userId))
      .innerJoin(datasets, eq(datasets.id, duaSignatures.datasetId))
      .where(and(eq(duaSignatures.id, opts.signatureId), eq(duaSignatures.labId, opts.actor.labId)))
      .for("update", { of: duaSignatures })
      .limit(1);
    if (!row) throw new AppError("not_found", "No such DUA signature in your lab");
    const { s } = row;
    const comment = checkDecision(opts, s.userId, "DUA signature");
    if (s.status !== "pending") {
      const [by] = s.reviewedBy ? await tx.select({ email: reviewer.email }).from(reviewer).where(eq(reviewer.id, s.reviewedBy)) : [];
      throw alreadyDecided("DUA signature", s.status, by?.email ?? null, s.reviewedAt);
    }
    const initialsCheck = compareInitials(s.initials, row.memberName);
    if (opts.decision === "accept") requireAnsweredMismatch(initialsCheck, comment, "say how you confirmed the member signed it");
    const at = now();
    const status = opts.decision === "accept" ? "accepted" : "rejected";
    const dataset = `${row.slug} ${row.version}`;
    await tx.update(duaSignatures).set({ status, reviewedBy: opts.actor.id, reviewedAt: at, reviewComment: comment }).where(eq(duaSignatures.id, s.id));
    await recordAudit(tx, {
      action: `dua.${opts.decision}`,
      labId: s.labId,
      actor: opts.actor,
      target: { type: "dua_signature", id: s.id },
      ip: opts.ip,
      details: { userId: s.userId, email: row.memberEmail, datasetId: s.datasetId, dataset, duaName: s.duaName, duaVersion: s.duaVersion, signedOn: s.signedOn, from: "pending", to: status, comment, initials: s.initials, initialsMatch: initialsCheck.matches },
    });
    await notify(tx, {
      labId: s.labId,
      userId: s.userId,
      kind: "submission_reviewed",
      title: `DUA signature ${status}: ${dataset}`,
      body: `A steward ${status} your ${s.duaName} ${s.duaVersion} signature for ${dataset}${comment ? `: ${comment}` : "."}`,
      link: "/credentialing",
    });
    if (status === "accepted") await notifyReadyForApproval(tx, { labId: s.labId, userId: s.userId, memberName: row.memberName });
    return { id: s.id, status };
  });
}
