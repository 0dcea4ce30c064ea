import "server-only";
import { createHash, randomUUID } from "node:crypto";
import { and, eq, ne } from "drizzle-orm";
import { trainings, trainingTypes } from "@/db/schema";
import { recordAudit } from "@/lib/audit/record";
import type { CurrentUser } from "@/lib/auth/current-user";
import { roleAtLeast } from "@/lib/auth/roles";
import { now } from "@/lib/clock";
import { getDb } from "@/lib/db/client";
import { AppError } from "@/lib/http/errors";
import { getStorage } from "@/lib/storage/local-storage";
import { citiReadErrorToAppError, readCitiPdf } from "./citi-report";
import { notifyStewards } from "./notify-stewards";

// A member uploads the CITI Completion Report; labgate reads it, keeps the PDF in lab storage and
// queues it for a steward. A refused file (certificate, wrong course, unreadable…) stores nothing.

const storageKey = (labId: string, trainingId: string) => `citi/${labId}/${trainingId}.pdf`;

export async function submitTraining(opts: { actor: CurrentUser; trainingType: string; bytes: Uint8Array; ip: string | null }): Promise<{ id: string; learnerName: string; completionDate: string; expirationDate: string | null }> {
  const { actor } = opts;
  const db = getDb();
  const [type] = await db.select().from(trainingTypes).where(eq(trainingTypes.slug, opts.trainingType)).limit(1);
  if (!type) throw new AppError("bad_request", "Choose a training the lab requires", { trainingType: ["Unknown training type"] });
  const read = await readCitiPdf(opts.bytes, { now: now(), expectedCourse: type.courseName });
  if (!read.ok) {
    await recordAudit(db, { action: "training.submit", outcome: "denied", labId: actor.labId, actor, ip: opts.ip, details: { trainingType: type.slug, reason: read.error.reason } });
    throw citiReadErrorToAppError(read.error);
  }
  const report = read.report;
  const sha256 = createHash("sha256").update(opts.bytes).digest("hex");
  const id = randomUUID();
  const key = storageKey(actor.labId, id);
  // The file goes in first, under a key nobody references yet; if the row cannot be written the
  // file is removed again, so storage never holds a PDF without its record.
  await getStorage().put(key, opts.bytes);
  try {
    return await db.transaction(async (tx) => {
      const [duplicate] = await tx
        .select({ status: trainings.status })
        .from(trainings)
        .where(and(eq(trainings.userId, actor.id), eq(trainings.sha256, sha256), ne(trainings.status, "rejected")))
        .limit(1);
      if (duplicate) throw new AppError("conflict", duplicate.status === "accepted" ? "This report is already accepted" : "You already uploaded this report; it is awaiting review", { file: ["Already uploaded"] });
      await tx.insert(trainings).values({
        id,
        labId: actor.labId,
        userId: actor.id,
        trainingType: type.slug,
        kind: report.kind,
        status: "pending",
        learnerName: report.learnerName,
        course: report.course,
        completionDate: report.completionDate,
        expirationDate: report.expirationDate,
        recordId: report.recordId,
        verificationUrl: report.verificationUrl,
        storageKey: key,
        sha256,
        sizeBytes: opts.bytes.byteLength,
        submittedAt: now(),
      });
      await recordAudit(tx, {
        action: "training.submit",
        labId: actor.labId,
        actor,
        target: { type: "training", id },
        ip: opts.ip,
        details: { trainingType: type.slug, recordId: report.recordId, learnerName: report.learnerName, completionDate: report.completionDate, expirationDate: report.expirationDate, sha256 },
      });
      await notifyStewards(tx, { labId: actor.labId, title: `Training to review: ${actor.name}`, body: `${actor.name} uploaded a ${type.name} Completion Report (record ${report.recordId}, completed ${report.completionDate}).` });
      return { id, learnerName: report.learnerName, completionDate: report.completionDate, expirationDate: report.expirationDate };
    });
  } catch (e) {
    await getStorage().delete(key);
    throw e;
  }
}

/**
 * The stored PDF, for its owner and the lab's stewards only; anyone else (other labs included) gets
 * "not found", so ids reveal nothing. Every read is audited.
 */
export async function readTrainingPdf(opts: { actor: CurrentUser; trainingId: string; ip: string | null }): Promise<{ bytes: Buffer; recordId: string }> {
  const { actor } = opts;
  const db = getDb();
  const [row] = await db.select().from(trainings).where(and(eq(trainings.id, opts.trainingId), eq(trainings.labId, actor.labId))).limit(1);
  const allowed = row && (row.userId === actor.id || roleAtLeast(actor.role, "steward"));
  if (!row || !allowed) throw new AppError("not_found", "No such training report");
  const bytes = await getStorage().get(row.storageKey);
  if (!bytes) throw new AppError("not_found", "The PDF of this report is no longer in lab storage");
  await recordAudit(db, { action: "training.pdf_view", labId: actor.labId, actor, target: { type: "training", id: row.id }, ip: opts.ip, details: { owner: row.userId } });
  return { bytes, recordId: row.recordId };
}
