import { and, eq } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { auditLog, datasets, labDatasets } from "@/db/schema";
import { labAccessPolicySettingsSchema, trainingValiditySchema } from "@/lib/credentialing/policy";
import { hasDatasetAccess } from "@/lib/datasets/dataset-access";
import { getDb } from "@/lib/db/client";
import { credentialMember } from "@/lib/factories";
import { getAccessPolicySettings, updateAccessSettings, updateTrainingValidity } from "@/lib/settings/access-policy";
import { addLabDataset, newDatasetSchema, setRetention } from "@/lib/settings/lab-datasets";
import { labWithRoles } from "../support/db";

const DAY = 86_400_000;

describe("the lab's access policy", () => {
  it("training validity is the lab's to set, and the rule follows it on the next request", async () => {
    const { lab, steward, member } = await labWithRoles();
    const db = getDb();
    const [d] = await db.select().from(datasets).where(and(eq(datasets.slug, "mimic-cxr"), eq(datasets.version, "2.1.0")));
    await db.insert(labDatasets).values({ labId: lab.id, datasetId: d!.id });
    // Accepted 400 days ago: inside the default 1095 days.
    await credentialMember(db, { labId: lab.id, userId: member.id, stewardId: steward.id, datasetIds: [d!.id], at: new Date(Date.now() - 400 * DAY) });
    const access = () => hasDatasetAccess({ userId: member.id, labId: lab.id, datasetId: d!.id });
    expect(await access()).toBe(true);
    await updateTrainingValidity({ actor: steward, trainingType: "citi-data-or-specimens", validityDays: 365, ip: null });
    expect(await access()).toBe(false);
    await updateTrainingValidity({ actor: steward, trainingType: "citi-data-or-specimens", validityDays: null, ip: null });
    expect(await access()).toBe(true);
    expect((await getAccessPolicySettings(lab.id)).trainings.find((t) => t.slug === "citi-data-or-specimens")!.validityDays).toBeNull();

    await updateAccessSettings({ actor: steward, verificationValidDays: 14, warningDays: 60, ip: null });
    expect(await getAccessPolicySettings(lab.id)).toMatchObject({ verificationValidDays: 14, warningDays: 60 });
    const audit = await db.select({ action: auditLog.action, details: auditLog.details }).from(auditLog).where(eq(auditLog.labId, lab.id)).orderBy(auditLog.id);
    expect(audit.map((a) => a.action)).toEqual(["policy.training_validity", "policy.training_validity", "policy.update"]);
    expect(audit[0]!.details).toEqual({ from: 1095, to: 365 });
  });

  it("refuses out-of-range settings with clear messages", () => {
    expect(trainingValiditySchema.safeParse(0).error?.issues[0]?.message).toBe("Training validity must be at least 1 day");
    expect(trainingValiditySchema.safeParse(2.5).error?.issues[0]?.message).toBe("Training validity must be a whole number of days");
    expect(labAccessPolicySettingsSchema.safeParse({ verificationValidDays: null, warningDays: -1 }).error?.issues[0]?.message).toBe("Warning period cannot be negative");
  });
});

describe("the lab's datasets", () => {
  it("a steward adds a version (new to labgate or known), sets retention; duplicates and bad input are refused", async () => {
    const { lab, steward } = await labWithRoles();
    const slug = `proj-${Date.now().toString(36)}`;
    const input = newDatasetSchema.parse({ slug, version: "1.0", title: "A project", accessPolicy: "credentialed", requiredTrainingTypes: ["citi-data-or-specimens"], duaName: "PhysioNet Credentialed Health Data Use Agreement", duaVersion: "1.5.0" });
    const first = await addLabDataset({ actor: steward, input, ip: null });
    expect(first.created).toBe(true);
    await expect(addLabDataset({ actor: steward, input, ip: null })).rejects.toThrow(`Your lab already holds ${slug} 1.0`);
    const other = await labWithRoles();
    expect(await addLabDataset({ actor: other.steward, input, ip: null })).toEqual({ id: first.id, created: false });

    await setRetention({ actor: steward, datasetId: first.id, retentionDays: 730, ip: null });
    const [held] = await getDb().select().from(labDatasets).where(and(eq(labDatasets.labId, lab.id), eq(labDatasets.datasetId, first.id)));
    expect(held!.retentionDays).toBe(730);
    // Another lab's steward cannot touch this lab's copy.
    await expect(setRetention({ actor: { ...other.steward, labId: other.lab.id }, datasetId: crypto.randomUUID(), retentionDays: 1, ip: null })).rejects.toThrow(/no such dataset/);

    expect(newDatasetSchema.safeParse({ ...input, slug: "Not A Slug!" }).error?.issues[0]?.message).toMatch(/slug/);
    expect(newDatasetSchema.safeParse({ ...input, version: "v1" }).error?.issues[0]?.message).toBe("The version looks like 2.1.0");
    await expect(addLabDataset({ actor: steward, input: { ...input, slug: `${slug}-x`, duaName: "" }, ip: null })).rejects.toThrow(/data use agreement/);
    await expect(addLabDataset({ actor: steward, input: { ...input, slug: `${slug}-y`, requiredTrainingTypes: ["made-up"] }, ip: null })).rejects.toThrow(/training types/);
  });
});
