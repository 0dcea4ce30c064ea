import { readFileSync } from "node:fs";
import { and, eq, sql } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { datasets, labDatasets } from "@/db/schema";
import { loadLabDatasetRequirements } from "@/lib/credentialing/load-facts";
import { hasDatasetAccess } from "@/lib/datasets/dataset-access";
import { effectiveRequirements } from "@/lib/datasets/dataset-requirements";
import { OPEN_SLUGS, PHYSIONET_CATALOGUE, findCatalogueProject } from "@/lib/datasets/physionet-catalogue";
import { getDb } from "@/lib/db/client";
import { createLab, createUser } from "@/lib/factories";
import { addLabDataset } from "@/lib/settings/lab-datasets";
import { labWithRoles } from "../support/db";

const CREDENTIALED = ["mimic-cxr", "mimic-cxr-jpg", "mimiciv", "mimic-iv-note", "mimic-iv-ed", "eicu-crd", "mimiciii"];
async function stewardOfNewLab() {
  const lab = await createLab(getDb());
  const u = await createUser(getDb(), { labId: lab.id, role: "steward", password: null });
  return { lab, steward: { id: u.id, email: u.email, name: u.name, role: u.role, labId: lab.id } };
}
const newSlug = () => `proj-${crypto.randomUUID().slice(0, 8)}`;

describe("the PhysioNet catalogue fixes a project's policy", () => {
  it("lists the credentialed MIMIC family with CITI training and the credentialed DUA 1.5.0", () => {
    for (const slug of CREDENTIALED) {
      expect(findCatalogueProject(slug), slug).toMatchObject({ access: "credentialed", requiredTrainingTypes: ["citi-data-or-specimens"], duaName: "PhysioNet Credentialed Health Data Use Agreement", duaVersion: "1.5.0" });
    }
    expect(PHYSIONET_CATALOGUE.filter((p) => p.access === "open").every((p) => p.duaName === "" && p.requiredTrainingTypes.length === 0)).toBe(true);
  });

  it("the database allows 'open' for exactly the catalogue's open slugs", () => {
    const migration = readFileSync("db/migrations/0010_dataset-policy-per-lab.sql", "utf8");
    const constraint = /ADD CONSTRAINT "datasets_open_only_catalogue" CHECK \(.*in \(([^)]*)\)\)/.exec(migration)![1]!;
    expect(constraint.split(",").map((s) => s.trim().replace(/'/g, "")).sort()).toEqual([...OPEN_SLUGS].sort());
  });

  it("a shared row that says 'open' counts for nothing: catalogue projects keep their policy, unknown ones are credentialed", () => {
    const open = { accessPolicy: "open" as const, requiredTrainingTypes: [], duaName: "", duaVersion: "" };
    expect(effectiveRequirements({ slug: "mimic-cxr-jpg", ...open })).toMatchObject({ accessPolicy: "credentialed", requiredTrainingTypes: ["citi-data-or-specimens"], duaVersion: "1.5.0", fromCatalogue: true });
    expect(effectiveRequirements({ slug: "made-up-project", ...open })).toMatchObject({ accessPolicy: "credentialed", requiredTrainingTypes: ["citi-data-or-specimens"], duaName: "PhysioNet Credentialed Health Data Use Agreement", fromCatalogue: false });
    expect(effectiveRequirements({ slug: "made-up-project", ...open, accessPolicy: "restricted" }).accessPolicy).toBe("credentialed");
    expect(effectiveRequirements({ slug: "mitdb", ...open, accessPolicy: "credentialed" }).accessPolicy).toBe("open");
  });

  it("refuses a steward's 'open' for mimic-cxr-jpg, a version PhysioNet never published, and 'open' for an unknown project", async () => {
    const { steward, lab } = await labWithRoles();
    await expect(addLabDataset({ actor: steward, input: { slug: "mimic-cxr-jpg", version: "2.0.0", accessPolicy: "open" }, ip: null })).rejects.toMatchObject({ status: 400, message: expect.stringMatching(/mimic-cxr-jpg is a credentialed PhysioNet project: its access policy is fixed/) });
    await expect(addLabDataset({ actor: steward, input: { slug: "mimic-cxr-jpg", version: "9.9.9" }, ip: null })).rejects.toMatchObject({ status: 400, message: "PhysioNet publishes mimic-cxr-jpg 2.0.0, 2.1.0; there is no version 9.9.9" });
    const slug = newSlug();
    await expect(addLabDataset({ actor: steward, input: { slug, version: "1.0", title: "X", accessPolicy: "open" }, ip: null })).rejects.toThrow(/treated as credentialed; open access exists only/);
    // import-version.test.ts plants a creator-less 9.9.9 row of its own, maybe at this moment: look for one this steward made.
    const [row] = await getDb().select().from(datasets).where(and(eq(datasets.slug, "mimic-cxr-jpg"), eq(datasets.version, "9.9.9"), eq(datasets.createdBy, steward.id)));
    expect(row).toBeUndefined();
    const held = await getDb().select().from(labDatasets).where(eq(labDatasets.labId, lab.id));
    expect(held).toEqual([]);
    // The database refuses it too, whoever writes it.
    await expect(getDb().insert(datasets).values({ slug, version: "1.0", title: "X", accessPolicy: "open", duaName: "", duaVersion: "" })).rejects.toThrow();
  });

  it("adding a catalogue project takes the catalogue's requirements, whatever the steward sends", async () => {
    const { steward, lab } = await labWithRoles();
    const r = await addLabDataset({ actor: steward, input: { slug: "mimiciv", version: "3.1", accessPolicy: "credentialed", requiredTrainingTypes: [], duaName: "My own DUA", duaVersion: "0.1" }, ip: null });
    const [req] = await loadLabDatasetRequirements(getDb(), { labId: lab.id, datasetId: r.id });
    expect(req).toMatchObject({ slug: "mimiciv", accessPolicy: "credentialed", requiredTrainings: [{ type: "citi-data-or-specimens" }], duaName: "PhysioNet Credentialed Health Data Use Agreement", duaVersion: "1.5.0" });
  });
});

describe("one lab's settings never change another lab's policy", () => {
  it("each lab keeps the training and DUA it named for a project outside the catalogue; the shared row holds the strictest", async () => {
    const a = await labWithRoles();
    const b = await labWithRoles();
    const slug = newSlug();
    const first = await addLabDataset({ actor: a.steward, input: { slug, version: "1.0", title: "A project", requiredTrainingTypes: [], duaName: "Lab A's DUA", duaVersion: "1" }, ip: null });
    const second = await addLabDataset({ actor: b.steward, input: { slug, version: "1.0", title: "A project", requiredTrainingTypes: ["citi-data-or-specimens"], duaName: "Lab B's DUA", duaVersion: "2" }, ip: null });
    expect(second).toEqual({ id: first.id, created: false });
    const [ra] = await loadLabDatasetRequirements(getDb(), { labId: a.lab.id, datasetId: first.id });
    const [rb] = await loadLabDatasetRequirements(getDb(), { labId: b.lab.id, datasetId: first.id });
    expect(ra).toMatchObject({ accessPolicy: "credentialed", requiredTrainings: [], duaName: "Lab A's DUA", duaVersion: "1" });
    expect(rb).toMatchObject({ accessPolicy: "credentialed", requiredTrainings: [{ type: "citi-data-or-specimens" }], duaName: "Lab B's DUA", duaVersion: "2" });
    const [shared] = await getDb().select().from(datasets).where(eq(datasets.id, first.id));
    expect(shared).toMatchObject({ accessPolicy: "credentialed", requiredTrainingTypes: ["citi-data-or-specimens"], duaName: "PhysioNet Credentialed Health Data Use Agreement" });
    // Nobody in either lab reads it: the member has none of the steps.
    expect(await hasDatasetAccess({ userId: a.member.id, labId: a.lab.id, datasetId: first.id })).toBe(false);
  });

  it("24 labs adding the same new project at once: one shared row, each lab its own requirements", async () => {
    // A steward per lab, without passwords: hashing 24 of them is not what this test measures.
    const labs = await Promise.all(Array.from({ length: 24 }, () => stewardOfNewLab()));
    const slug = newSlug();
    const results = await Promise.all(labs.map((l, i) => addLabDataset({ actor: l.steward, input: { slug, version: "2.0", title: "Shared", duaName: `DUA of lab ${i}`, duaVersion: "1" }, ip: null })));
    expect(new Set(results.map((r) => r.id)).size).toBe(1);
    expect(results.filter((r) => r.created)).toHaveLength(1);
    const rows = await getDb().execute<{ n: number }>(sql`select count(*)::int as n from datasets where slug = ${slug}`);
    expect(rows.rows[0]!.n).toBe(1);
    for (const [i, l] of labs.entries()) {
      const [req] = await loadLabDatasetRequirements(getDb(), { labId: l.lab.id, datasetId: results[0]!.id });
      expect(req!.duaName).toBe(`DUA of lab ${i}`);
    }
    // The same lab adding it twice at once: one succeeds, the rest are a clear 409.
    const l = await stewardOfNewLab();
    const twice = await Promise.allSettled(Array.from({ length: 8 }, () => addLabDataset({ actor: l.steward, input: { slug, version: "2.0", title: "Shared", duaName: "D", duaVersion: "1" }, ip: null })));
    expect(twice.filter((r) => r.status === "fulfilled")).toHaveLength(1);
    expect(twice.filter((r) => r.status === "rejected").map((r) => (r as PromiseRejectedResult).reason.status)).toEqual(Array(7).fill(409));
  }, 90_000);
});
