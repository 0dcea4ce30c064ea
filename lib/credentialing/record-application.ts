import "server-only";
import { and, eq } from "drizzle-orm";
import { z } from "zod";
import { credentialingApplications, credentialingDecisionEnum, credentialingStageEnum } from "@/db/schema";
import { recordAudit } from "@/lib/audit/record";
import type { CurrentUser } from "@/lib/auth/current-user";
import { now } from "@/lib/clock";
import { getDb } from "@/lib/db/client";
import { AppError } from "@/lib/http/errors";
import { calendarDateSchema } from "./calendar-date";

// The member keeps labgate's copy of their PhysioNet credentialing application current: the date
// they applied, the stage PhysioNet shows, and PhysioNet's decision when it comes.

export function applicationSchema(clock: () => Date = now) {
  return z
    .object({
      id: z.uuid({ error: "Not a valid application id" }).optional(),
      applicationDate: calendarDateSchema("The application date", { now: clock }),
      stage: z.enum(credentialingStageEnum.enumValues, { error: "Choose the stage PhysioNet shows for your application" }),
      decision: z.enum(credentialingDecisionEnum.enumValues, { error: "Choose PhysioNet's decision" }).nullable().default(null),
      decisionDate: calendarDateSchema("The decision date", { now: clock }).nullable().default(null),
    })
    .superRefine((v, ctx) => {
      if (v.decision && !v.decisionDate) ctx.addIssue({ code: "custom", path: ["decisionDate"], message: "Enter the date of PhysioNet's decision" });
      if (!v.decision && v.decisionDate) ctx.addIssue({ code: "custom", path: ["decision"], message: "Choose the decision that date belongs to" });
      if (v.decisionDate && v.decisionDate < v.applicationDate) ctx.addIssue({ code: "custom", path: ["decisionDate"], message: "The decision cannot come before the application" });
    });
}
export type ApplicationInput = z.infer<ReturnType<typeof applicationSchema>>;

/** A new application, or a change to one of the member's own (id); each change is audited. */
export async function recordCredentialingApplication(opts: { actor: CurrentUser; input: ApplicationInput; ip: string | null }): Promise<{ id: string }> {
  const { actor, input } = opts;
  return getDb().transaction(async (tx) => {
    const at = now();
    const values = { applicationDate: input.applicationDate, stage: input.stage, decision: input.decision, decisionDate: input.decisionDate, updatedAt: at };
    let id: string;
    let previous: Record<string, unknown> | null = null;
    if (input.id) {
      const [row] = await tx
        .select()
        .from(credentialingApplications)
        .where(and(eq(credentialingApplications.id, input.id), eq(credentialingApplications.userId, actor.id)))
        .for("update")
        .limit(1);
      if (!row) throw new AppError("not_found", "No such credentialing application of yours");
      previous = { applicationDate: row.applicationDate, stage: row.stage, decision: row.decision, decisionDate: row.decisionDate };
      await tx.update(credentialingApplications).set(values).where(eq(credentialingApplications.id, row.id));
      id = row.id;
    } else {
      const [row] = await tx.insert(credentialingApplications).values({ ...values, labId: actor.labId, userId: actor.id, createdAt: at }).returning({ id: credentialingApplications.id });
      id = row!.id;
    }
    await recordAudit(tx, {
      action: input.id ? "credentialing.update" : "credentialing.record",
      labId: actor.labId,
      actor,
      target: { type: "credentialing_application", id },
      ip: opts.ip,
      details: { applicationDate: input.applicationDate, stage: input.stage, decision: input.decision, decisionDate: input.decisionDate, previous },
    });
    return { id };
  });
}
