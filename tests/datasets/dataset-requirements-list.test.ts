import { randomUUID } from "node:crypto";
import { and, eq } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { datasets, labDatasets, trainings } from "@/db/schema";
import { requirementLabels } from "@/lib/datasets/dataset-requirements";
import { listLabDatasets } from "@/lib/datasets/find-dataset";
import { hasDatasetAccess } from "@/lib/datasets/dataset-access";
import { getDb } from "@/lib/db/client";
import { credentialMember } from "@/lib/factories";
import { updateAccessSettings } from "@/lib/settings/access-policy";
import { addLabDataset, newDatasetSchema } from "@/lib/settings/lab-datasets";
import { labWithRoles } from "../support/db";

// Credentialing and training are separate facts (PhysioNet since 2023): the dataset list names, per
// version, whether credentialing, which training (or none) and which DUA it requires, plus the lab's
// own attestation and re-confirmation settings — and the access rule asks exactly that.

const CITI = "PhysioNet Credentialed Health Data Use Agreement 1.5.0";

describe("requirementLabels", () => {
  const d = (accessPolicy: "open" | "restricted" | "credentialed", trainings: string[]) => ({ accessPolicy, requiredTrainings: trainings.map((name) => ({ name })), duaName: "PhysioNet Credentialed Health Data Use Agreement", duaVersion: "1.5.0" });
  it.each([
    ["credentialed with training", d("credentialed", ["CITI Data or Specimens Only Research"]), {}, ["PhysioNet credentialing", "Training: CITI Data or Specimens Only Research", `DUA: ${CITI}`]],
    ["credentialed without training", d("credentialed", []), {}, ["PhysioNet credentialing", "No training", `DUA: ${CITI}`]],
    ["restricted: a DUA alone", d("restricted", []), {}, ["No PhysioNet credentialing", "No training", `DUA: ${CITI}`]],
    ["open", d("open", []), { responsibleUseRequired: true, reattestMonths: 12 }, ["Nothing: open access"]],
    ["the lab's attestation and yearly re-confirmation", d("credentialed", []), { responsibleUseRequired: true, reattestMonths: 12 }, ["PhysioNet credentialing", "No training", `DUA: ${CITI}`, "Responsible use of online services (attested in labgate)", "Re-confirmed every 12 months"]],
  ] as const)("%s", (_name, dataset, lab, want) => {
    expect(requirementLabels(dataset, lab)).toEqual(want);
  });
});

describe("the dataset list", () => {
  it("says per version what it requires, and a version that requires credentialing without training opens without one", async () => {
    const db = getDb();
    const { lab, steward, member } = await labWithRoles();
    const [jpg] = await db.select().from(datasets).where(and(eq(datasets.slug, "mimic-cxr-jpg"), eq(datasets.version, "2.0.0")));
    await db.insert(labDatasets).values({ labId: lab.id, datasetId: jpg!.id });
    const slug = `no-training-${randomUUID().slice(0, 8)}`;
    const added = await addLabDataset({ actor: steward, input: newDatasetSchema.parse({ slug, version: "1.0", title: "Credentialed, no training", requiredTrainingTypes: [], duaName: "PhysioNet Credentialed Health Data Use Agreement", duaVersion: "1.5.0" }), ip: null });
    await updateAccessSettings({ actor: steward, verificationValidDays: null, warningDays: 30, reattestMonths: 12, ip: null });

    const list = await listLabDatasets({ labId: lab.id, userId: member.id });
    expect(list.find((d) => d.slug === "mimic-cxr-jpg")!.requires).toEqual(["PhysioNet credentialing", "Training: CITI Data or Specimens Only Research", `DUA: ${CITI}`, "Re-confirmed every 12 months"]);
    expect(list.find((d) => d.slug === slug)!.requires).toEqual(["PhysioNet credentialing", "No training", `DUA: ${CITI}`, "Re-confirmed every 12 months"]);

    // Credentialed, DUA signed and approved, no training at all: the no-training version opens, the JPG does not.
    await credentialMember(db, { labId: lab.id, userId: member.id, stewardId: steward.id, datasetIds: [added.id, jpg!.id] });
    await db.delete(trainings).where(eq(trainings.userId, member.id));
    expect(await hasDatasetAccess({ userId: member.id, labId: lab.id, datasetId: added.id })).toBe(true);
    expect(await hasDatasetAccess({ userId: member.id, labId: lab.id, datasetId: jpg!.id })).toBe(false);
  });
});
