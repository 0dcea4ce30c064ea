import { and, eq } from "drizzle-orm";
import { afterEach, describe, expect, it } from "vitest";
import { attestations, auditLog, datasets, duaSignatures, labDatasets, notifications } from "@/db/schema";
import { now, setClockOffsetForTests } from "@/lib/clock";
import { addMonths } from "@/lib/credentialing/attestation-steps";
import { runDailyCredentialingSweep } from "@/lib/credentialing/daily-sweep";
import { labAccessMatrix } from "@/lib/credentialing/member-access";
import { attestationSchema, recordAttestation } from "@/lib/credentialing/record-attestation";
import { RESPONSIBLE_USE } from "@/lib/credentialing/responsible-use";
import { duaSignatureSchema, signDua } from "@/lib/credentialing/sign-dua";
import { expiringPairs, toMatrixView } from "@/lib/credentialing/matrix-view";
import { hasDatasetAccess } from "@/lib/datasets/dataset-access";
import { getDb } from "@/lib/db/client";
import { credentialMember } from "@/lib/factories";
import { memberTimeline } from "@/lib/credentialing/timeline";
import { updateAccessSettings } from "@/lib/settings/access-policy";
import { labWithRoles } from "../support/db";
import { isolatedDatabaseForFile } from "../support/isolated-database";

// Responsible use of online services and periodic re-attestation (decision 038) on real PostgreSQL:
// the steward's setting, the member's attestation with the DUA or on its own, the access rule's
// verdict after each, and the daily sweep's warnings and once-only expiry. The sweep acts on every
// lab, so this file has a database of its own.
isolatedDatabaseForFile();

const DAY = 86_400_000;
const travelTo = (ms: number) => setClockOffsetForTests(ms - Date.now());
afterEach(() => setClockOffsetForTests(0));

async function credentialedLab(slugVersion: [string, string] = ["mimic-cxr-jpg", "2.0.0"]) {
  const db = getDb();
  const roles = await labWithRoles();
  const [dataset] = await db.select().from(datasets).where(and(eq(datasets.slug, slugVersion[0]), eq(datasets.version, slugVersion[1])));
  await db.insert(labDatasets).values({ labId: roles.lab.id, datasetId: dataset!.id });
  await credentialMember(db, { labId: roles.lab.id, userId: roles.member.id, stewardId: roles.steward.id, datasetIds: [dataset!.id], at: now() });
  const access = () => hasDatasetAccess({ userId: roles.member.id, labId: roles.lab.id, datasetId: dataset!.id });
  const settings = (s: { responsibleUseRequired?: boolean; reattestMonths?: number | null }) => updateAccessSettings({ actor: roles.steward, verificationValidDays: null, warningDays: 30, ...s, ip: null });
  return { ...roles, dataset: dataset!, access, settings };
}

const auditOf = (labId: string, action: string) => getDb().select().from(auditLog).where(and(eq(auditLog.labId, labId), eq(auditLog.action, action)));
const notificationsOf = (userId: string) => getDb().select().from(notifications).where(eq(notifications.userId, userId)).orderBy(notifications.createdAt);

describe("responsible use of online services", () => {
  it("a lab that requires it refuses access until the member attests; the change is audited with old and new values", async () => {
    const { lab, member, access, settings } = await credentialedLab();
    expect(await access()).toBe(true);
    await settings({ responsibleUseRequired: true });
    expect(await access()).toBe(false);
    const [policyRow] = await auditOf(lab.id, "policy.update");
    expect(policyRow!.details).toMatchObject({ from: { responsibleUseRequired: false, reattestMonths: null }, to: { responsibleUseRequired: true, reattestMonths: null } });

    expect(attestationSchema.safeParse({ kind: "responsible_use", agree: false }).success).toBe(false);
    expect(attestationSchema.safeParse({ kind: "something", agree: true }).success).toBe(false);
    await recordAttestation({ actor: member, input: { kind: "responsible_use", agree: true }, ip: "192.0.2.1" });
    expect(await access()).toBe(true);
    const [row] = await auditOf(lab.id, "attestation.record");
    expect(row).toMatchObject({ actorId: member.id, targetType: "user", targetId: member.id, outcome: "ok" });
    expect(row!.details).toMatchObject({ kind: "responsible_use", text: `${RESPONSIBLE_USE.name} ${RESPONSIBLE_USE.version}`, via: "checklist" });

    // An attestation of an older text does not count: a new version means attesting again.
    await getDb().update(attestations).set({ textVersion: "2023-04-01" }).where(eq(attestations.userId, member.id));
    expect(await access()).toBe(false);

    // Another lab's setting changes nothing here, and turning it off restores access.
    await settings({ responsibleUseRequired: false });
    expect(await access()).toBe(true);
  });

  it("is signed with the DUA: a DUA without it is refused where the lab requires it, and both are recorded together", async () => {
    const { lab, member, steward, settings } = await credentialedLab();
    const [v210] = await getDb().select().from(datasets).where(and(eq(datasets.slug, "mimic-cxr-jpg"), eq(datasets.version, "2.1.0")));
    await getDb().insert(labDatasets).values({ labId: lab.id, datasetId: v210!.id });
    await settings({ responsibleUseRequired: true });
    const input = duaSignatureSchema().parse({ datasetId: v210!.id, signedOn: now().toISOString().slice(0, 10), initials: "AB", agree: true });

    await expect(signDua({ actor: member, input, ip: null })).rejects.toMatchObject({ status: 400, fieldErrors: { responsibleUse: [expect.stringMatching(/Attest/)] } });
    expect(await getDb().select().from(duaSignatures).where(and(eq(duaSignatures.userId, member.id), eq(duaSignatures.datasetId, v210!.id)))).toHaveLength(0);

    await signDua({ actor: member, input: { ...input, responsibleUse: true }, ip: null });
    const rows = await getDb().select().from(attestations).where(eq(attestations.userId, member.id));
    expect(rows).toMatchObject([{ kind: "responsible_use", textVersion: RESPONSIBLE_USE.version, datasetId: null }]);
    expect((await auditOf(lab.id, "attestation.record"))[0]!.details).toMatchObject({ via: "dua" });
    const { entries } = await memberTimeline(getDb(), { labId: lab.id, userId: member.id, viewerId: steward.id });
    expect(entries.map((e) => e.summary)).toContain(`Attested to ${RESPONSIBLE_USE.name} ${RESPONSIBLE_USE.version} with a DUA signature`);

    // The steward (another person) sees the attestation date beside the member's cell in the matrix.
    const matrix = await labAccessMatrix(getDb(), { labId: lab.id, now: now() });
    const view = toMatrixView(matrix, new Map());
    const cell = view.rows.find((r) => r.member.id === member.id)!.cells[v210!.id]!;
    expect(cell.responsibleUseOn).toBe(rows[0]!.attestedAt.toISOString());
    expect(cell.label).toBe("Data use agreement: pending");
    expect(steward.id).not.toBe(member.id);
  });
});

describe("periodic re-attestation", () => {
  it("a DUA falls due N months after signing: warned once, ended by the rule, recorded once, restored by re-confirming", async () => {
    const { lab, member, dataset, access, settings } = await credentialedLab();
    await settings({ reattestMonths: 12 });
    const due = addMonths(new Date(`${now().toISOString().slice(0, 10)}T00:00:00Z`), 12);

    // The expiring view and the sweep see the due date.
    travelTo(due.getTime() - 10 * DAY);
    expect(await access()).toBe(true);
    const matrix = await labAccessMatrix(getDb(), { labId: lab.id, now: now() });
    const pairs = expiringPairs(matrix, new Map(), { now: now(), days: 30 });
    expect(pairs).toMatchObject([{ userId: member.id, datasetId: dataset.id, expiresAt: due.toISOString(), cause: "Data use agreement" }]);
    await runDailyCredentialingSweep(getDb(), { now: now() });
    await runDailyCredentialingSweep(getDb(), { now: now() });
    const warned = await notificationsOf(member.id);
    expect(warned).toHaveLength(1);
    expect(warned[0]).toMatchObject({ kind: "access_expiring" });
    expect(warned[0]!.body).toMatch(/What to do: re-confirm the PhysioNet Credentialed Health Data Use Agreement 1\.5\.0 for mimic-cxr-jpg 2\.0\.0 on your labgate checklist before/);

    // Overdue: access ends by the rule; concurrent sweeps record it exactly once.
    travelTo(due.getTime() + 2 * 3_600_000);
    expect(await access()).toBe(false);
    await Promise.all(Array.from({ length: 8 }, () => runDailyCredentialingSweep(getDb(), { now: now() })));
    const expired = await auditOf(lab.id, "access.expired");
    expect(expired).toHaveLength(1);
    expect(expired[0]!.details).toMatchObject({ datasetId: dataset.id, causes: ["dua"] });
    const ended = (await notificationsOf(member.id)).filter((n) => n.kind === "access_revoked");
    expect(ended).toHaveLength(1);
    expect(ended[0]!.body).toMatch(/periodic re-confirmation \(Data use agreement\) fell due/);

    // A re-confirmation of another dataset version does not count; of this one, it does.
    const [other] = await getDb().select().from(datasets).where(and(eq(datasets.slug, "mimic-cxr-jpg"), eq(datasets.version, "2.1.0")));
    await getDb().insert(labDatasets).values({ labId: lab.id, datasetId: other!.id });
    await expect(recordAttestation({ actor: member, input: { kind: "dua", datasetId: other!.id, agree: true }, ip: null })).rejects.toMatchObject({ status: 409 });
    await recordAttestation({ actor: member, input: { kind: "dua", datasetId: dataset.id, agree: true }, ip: null });
    expect(await access()).toBe(true);
    const { entries } = await memberTimeline(getDb(), { labId: lab.id, userId: member.id, viewerId: member.id });
    expect(entries[0]!.summary).toBe("DUA re-confirmed for mimic-cxr-jpg/2.0.0 (PhysioNet Credentialed Health Data Use Agreement 1.5.0)");
    travelTo(addMonths(now(), 12).getTime() - DAY);
    expect(await access()).toBe(true);
  });

  it("an overdue responsible-use attestation ends access; many parallel checks all agree", async () => {
    const { member, access, settings } = await credentialedLab();
    await settings({ responsibleUseRequired: true, reattestMonths: 6 });
    await recordAttestation({ actor: member, input: { kind: "responsible_use", agree: true }, ip: null });
    // Re-confirm the DUA too, so only the attestation falls due.
    travelTo(Date.now() + 150 * DAY);
    const { dataset } = await credentialedLabDataset(member.labId);
    await recordAttestation({ actor: member, input: { kind: "dua", datasetId: dataset, agree: true }, ip: null });
    travelTo(addMonths(new Date(), 6).getTime() + DAY);
    const verdicts = await Promise.all(Array.from({ length: 40 }, () => access()));
    expect(new Set(verdicts)).toEqual(new Set([false]));
    await recordAttestation({ actor: member, input: { kind: "responsible_use", agree: true }, ip: null });
    expect(await access()).toBe(true);
  });

  it("the setting is validated at the edge: whole months from 1 to 60, or none", async () => {
    const { labAccessPolicySettingsSchema } = await import("@/lib/credentialing/policy");
    const base = { verificationValidDays: null, warningDays: 30 };
    for (const bad of [0, 61, 1.5, "12"]) expect(labAccessPolicySettingsSchema.safeParse({ ...base, reattestMonths: bad }).success, String(bad)).toBe(false);
    for (const good of [1, 12, 60, null, undefined]) expect(labAccessPolicySettingsSchema.safeParse({ ...base, reattestMonths: good }).success, String(good)).toBe(true);
    const { lab, steward, settings } = await credentialedLab();
    await settings({ reattestMonths: 12 });
    // Omitting the new settings keeps them (an older form or client).
    await updateAccessSettings({ actor: steward, verificationValidDays: null, warningDays: 20, ip: null });
    const rows = await auditOf(lab.id, "policy.update");
    expect(rows.map((r) => (r.details as { to: { reattestMonths: number | null } }).to.reattestMonths).sort()).toEqual([12, 12]);
  });
});

async function credentialedLabDataset(labId: string) {
  const [row] = await getDb().select({ dataset: labDatasets.datasetId }).from(labDatasets).where(eq(labDatasets.labId, labId));
  return row!;
}
