import "server-only";
import { and, eq, ne } from "drizzle-orm";
import { z } from "zod";
import { datasetDestructions, datasets, labDatasets, users } from "@/db/schema";
import { recordAudit } from "@/lib/audit/record";
import type { CurrentUser } from "@/lib/auth/current-user";
import { roleAtLeast } from "@/lib/auth/roles";
import { now } from "@/lib/clock";
import { getDb } from "@/lib/db/client";
import { AppError } from "@/lib/http/errors";
import { notify } from "@/lib/notifications/notify";
import { uuidSchema } from "@/lib/validation";
import { enqueueDestruction } from "./queue";

// Four eyes on the end of a copy (docs/decisions/021): one steward requests, a different steward or
// admin of the lab confirms, and only then does the job run. Both type the version's name, so a
// mis-click cannot destroy anything.

const typed = z.string({ error: "Type the dataset and version to confirm" }).trim().max(200);
export const requestSchema = z.object({ datasetId: uuidSchema, confirm: typed });
export const decideSchema = z.object({ action: z.enum(["confirm", "cancel"], { error: "Action must be confirm or cancel" }), confirm: typed.optional() });

const labelOf = (d: { slug: string; version: string }) => `${d.slug} ${d.version}`;

function checkTyped(text: string | undefined, d: { slug: string; version: string }): void {
  const want = labelOf(d);
  const got = (text ?? "").trim().replace(/\s+/g, " ");
  if (got !== want && got !== `${d.slug}/${d.version}`) {
    throw new AppError("bad_request", `Type "${want}" to confirm`, { confirm: [`Type "${want}" exactly`] });
  }
}

function isUniqueViolation(e: unknown): boolean {
  const err = e as { code?: string; cause?: { code?: string } };
  return err.code === "23505" || err.cause?.code === "23505";
}

export async function requestDestruction(opts: { actor: CurrentUser; input: z.infer<typeof requestSchema>; ip: string | null }): Promise<{ id: string }> {
  const { actor } = opts;
  if (!roleAtLeast(actor.role, "steward")) throw new AppError("forbidden", "Only stewards can request a destruction");
  try {
    return await getDb().transaction(async (tx) => {
      const [held] = await tx
        .select({ d: datasets, addedAt: labDatasets.addedAt, retentionDays: labDatasets.retentionDays })
        .from(labDatasets)
        .innerJoin(datasets, eq(datasets.id, labDatasets.datasetId))
        .where(and(eq(labDatasets.labId, actor.labId), eq(labDatasets.datasetId, opts.input.datasetId)))
        .limit(1);
      if (!held) throw new AppError("not_found", "Your lab holds no copy of this dataset version");
      checkTyped(opts.input.confirm, held.d);
      const at = now();
      const [row] = await tx
        .insert(datasetDestructions)
        .values({ labId: actor.labId, datasetId: held.d.id, heldSince: held.addedAt, retentionDays: held.retentionDays, requestedBy: actor.id, requestedAt: at })
        .returning({ id: datasetDestructions.id });
      await recordAudit(tx, {
        action: "dataset.destroy.request",
        labId: actor.labId,
        actor,
        ip: opts.ip,
        target: { type: "dataset", id: held.d.id },
        details: { destructionId: row!.id, dataset: labelOf(held.d) },
      });
      // The other stewards and admins: one of them must confirm.
      const others = await tx
        .select({ id: users.id, role: users.role })
        .from(users)
        .where(and(eq(users.labId, actor.labId), eq(users.status, "active"), ne(users.id, actor.id)));
      for (const u of others.filter((o) => roleAtLeast(o.role, "steward"))) {
        await notify(tx, {
          labId: actor.labId,
          userId: u.id,
          kind: "retention_due",
          title: `Confirm destruction: ${labelOf(held.d)}`,
          body: `${actor.name} asked to destroy the lab's copy of ${labelOf(held.d)}. A second steward or an admin must confirm before anything is deleted.`,
          link: "/stewardship/retention",
          dedupeKey: `destroy-request:${row!.id}`,
        });
      }
      return { id: row!.id };
    });
  } catch (e) {
    if (isUniqueViolation(e)) throw new AppError("conflict", "A destruction of this version is already requested; confirm or cancel it");
    throw e;
  }
}

export async function decideDestruction(opts: { actor: CurrentUser; destructionId: string; input: z.infer<typeof decideSchema>; ip: string | null }): Promise<{ id: string; status: "confirmed" | "cancelled" }> {
  const { actor, input } = opts;
  if (!roleAtLeast(actor.role, "steward")) throw new AppError("forbidden", "Only stewards and admins can decide a destruction");
  const result = await getDb().transaction(async (tx) => {
    const [row] = await tx
      .select({ d: datasetDestructions, slug: datasets.slug, version: datasets.version })
      .from(datasetDestructions)
      .innerJoin(datasets, eq(datasets.id, datasetDestructions.datasetId))
      .where(and(eq(datasetDestructions.id, opts.destructionId), eq(datasetDestructions.labId, actor.labId)))
      .for("update", { of: datasetDestructions })
      .limit(1);
    if (!row) throw new AppError("not_found", "No such destruction request in your lab");
    const label = labelOf(row);
    if (row.d.status !== "requested") throw new AppError("conflict", `This destruction is already ${row.d.status}`);
    const at = now();
    if (input.action === "cancel") {
      await tx.update(datasetDestructions).set({ status: "cancelled" }).where(eq(datasetDestructions.id, row.d.id));
      await recordAudit(tx, { action: "dataset.destroy.cancel", labId: actor.labId, actor, ip: opts.ip, target: { type: "dataset", id: row.d.datasetId }, details: { destructionId: row.d.id, dataset: label } });
      return { id: row.d.id, status: "cancelled" as const };
    }
    if (row.d.requestedBy === actor.id) {
      await recordAudit(tx, {
        action: "dataset.destroy.confirm",
        outcome: "denied",
        labId: actor.labId,
        actor,
        ip: opts.ip,
        target: { type: "dataset", id: row.d.datasetId },
        details: { destructionId: row.d.id, dataset: label, reason: "own request" },
      });
      return null;
    }
    checkTyped(input.confirm, row);
    await tx.update(datasetDestructions).set({ status: "confirmed", confirmedBy: actor.id, confirmedAt: at }).where(eq(datasetDestructions.id, row.d.id));
    await recordAudit(tx, {
      action: "dataset.destroy.confirm",
      labId: actor.labId,
      actor,
      ip: opts.ip,
      target: { type: "dataset", id: row.d.datasetId },
      details: { destructionId: row.d.id, dataset: label, requestedBy: row.d.requestedBy },
    });
    return { id: row.d.id, status: "confirmed" as const };
  });
  // The refusal's audit row is committed; then the refusal itself.
  if (!result) throw new AppError("forbidden", "You requested this destruction; a different steward or an admin must confirm it");
  if (result.status === "confirmed") await enqueueDestruction(result.id);
  return result;
}
