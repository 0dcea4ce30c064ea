import { parse } from "csv-parse/sync";
import { describe, expect, it } from "vitest";
import { now } from "@/lib/clock";
import { changeAccessGrant } from "@/lib/credentialing/grants";
import { loadMatrixView, matrixCsv } from "@/lib/credentialing/matrix-csv";
import { cellText, expiringPairs, rowMatchesFilter, type MatrixCell } from "@/lib/credentialing/matrix-view";
import { labAccessMatrix } from "@/lib/credentialing/member-access";
import { loadGrantStatuses } from "@/lib/credentialing/grants";
import { getDb } from "@/lib/db/client";
import { credentialMember } from "@/lib/factories";
import { pendingTraining, readyForApproval, stewardLab } from "./steward-fixtures";

const DAY = 86_400_000;

/** A lab whose members stand at every stage a cell can show. */
async function matrixLab() {
  const lab = await stewardLab();
  const { steward, admin, member, v200, v210, another } = lab;
  const db = getDb();
  const credentialed = await another("Carol Credentialed");
  await credentialMember(db, { labId: lab.lab.id, userId: credentialed.id, stewardId: steward.id, datasetIds: [v200.id], username: `carol-${credentialed.id.slice(0, 6)}` });
  // Accepted 1075 days ago under the default 1095-day validity: 20 days left.
  const ending = await another("Eve Ending");
  await credentialMember(db, { labId: lab.lab.id, userId: ending.id, stewardId: steward.id, datasetIds: [v200.id, v210.id], at: new Date(now().getTime() - 1075 * DAY) });
  const ready = await another("Rita Ready");
  await readyForApproval({ labId: lab.lab.id, userId: ready.id, stewardId: steward.id, datasetIds: [v200.id] });
  const suspended = await another("Sam Suspended");
  await credentialMember(db, { labId: lab.lab.id, userId: suspended.id, stewardId: steward.id, datasetIds: [v200.id] });
  await changeAccessGrant({ actor: admin, userId: suspended.id, datasetId: v200.id, action: "suspend", reason: "Audit finding", ip: null });
  const training = await another("Tom Training");
  await pendingTraining({ labId: lab.lab.id, userId: training.id });
  return { ...lab, member, credentialed, ending, ready, suspended, training };
}

const text = (view: Awaited<ReturnType<typeof loadMatrixView>>, email: string, label: string) => {
  const row = view.rows.find((r) => r.member.email === email)!;
  const ds = view.datasets.find((d) => d.label === label)!;
  return cellText(row.cells[ds.id]!);
};

describe("access matrix", () => {
  it("shows access, the missing step, expiring in N days, awaiting approval and suspensions, with the actions that apply", async () => {
    const lab = await matrixLab();
    const view = await loadMatrixView(getDb(), { labId: lab.lab.id, now: now() });
    expect(view.datasets.map((d) => d.label)).toEqual(["mimic-cxr 2.0.0", "mimic-cxr 2.1.0"]);
    // Every active member of the lab, the stewards and admin included (role gives no access).
    expect(view.rows).toHaveLength(8);
    expect(text(view, lab.credentialed.email, "mimic-cxr 2.0.0")).toBe("access");
    expect(text(view, lab.credentialed.email, "mimic-cxr 2.1.0")).toBe("Data use agreement: missing");
    const endsOn = view.rows.find((r) => r.member.email === lab.ending.email)!.cells[lab.v200.id]!.expiresAt!.slice(0, 10);
    expect(text(view, lab.ending.email, "mimic-cxr 2.0.0")).toBe(`expires in 20 days (${endsOn})`);
    expect(text(view, lab.ready.email, "mimic-cxr 2.0.0")).toBe("awaiting approval");
    expect(text(view, lab.suspended.email, "mimic-cxr 2.0.0")).toBe("suspended");
    expect(text(view, lab.training.email, "mimic-cxr 2.0.0")).toBe("PhysioNet account: missing");
    expect(text(view, lab.member.email, "mimic-cxr 2.0.0")).toBe("PhysioNet account: missing");

    const cell = (email: string, id: string) => view.rows.find((r) => r.member.email === email)!.cells[id]!;
    expect(cell(lab.ready.email, lab.v200.id).actions).toEqual(["approve"]);
    expect(cell(lab.credentialed.email, lab.v200.id).actions).toEqual(["suspend", "revoke"]);
    expect(cell(lab.suspended.email, lab.v200.id)).toMatchObject({ grant: "suspended", actions: ["revoke", "reinstate"], reason: expect.stringContaining("Audit finding") });
    expect(cell(lab.member.email, lab.v200.id).actions).toEqual([]);
  });

  it("filters by member text and by status, in any or one dataset", async () => {
    const lab = await matrixLab();
    const view = await loadMatrixView(getDb(), { labId: lab.lab.id, now: now() });
    const emails = (f: Parameters<typeof rowMatchesFilter>[1]) => view.rows.filter((r) => rowMatchesFilter(r, f)).map((r) => r.member.email).sort();
    expect(emails({ q: "CAROL" })).toEqual([lab.credentialed.email]);
    expect(emails({ q: `carol-${lab.credentialed.id.slice(0, 6)}` })).toEqual([lab.credentialed.email]);
    expect(emails({ status: "access" })).toEqual([lab.credentialed.email, lab.ending.email].sort());
    expect(emails({ status: "expiring" })).toEqual([lab.ending.email]);
    expect(emails({ status: "awaiting_approval" })).toEqual([lab.ready.email]);
    expect(emails({ status: "suspended" })).toEqual([lab.suspended.email]);
    expect(emails({ status: "access", datasetId: lab.v210.id })).toEqual([lab.ending.email]);
    expect(emails({ status: "no_access", datasetId: lab.v200.id })).not.toContain(lab.credentialed.email);
    expect(emails({ q: "rita", status: "access" })).toEqual([]);
  });

  it("exports the same rows and cell texts as CSV, with the page's filter", async () => {
    const lab = await matrixLab();
    const view = await loadMatrixView(getDb(), { labId: lab.lab.id, now: now() });
    const all = matrixCsv(view, {});
    const records = parse(all.csv) as string[][];
    const dated = (l: string) => [l, `${l} approved on`, `${l} expires on`, `${l} training valid until`, `${l} responsible use attested`, `${l} last data access`];
    expect(records[0]).toEqual(["member", "email", "role", "physionet_username", ...dated("mimic-cxr 2.0.0"), ...dated("mimic-cxr 2.1.0")]);
    expect(all.rows).toBe(8);
    expect(records).toHaveLength(9);
    for (const r of view.rows) {
      const line = records.find((l) => l[1] === r.member.email)!;
      const day = (v: string | null) => (v ? v.slice(0, 10) : "");
      const cellColumns = (c: MatrixCell) => [cellText(c), day(c.approvedOn), day(c.expiresAt), day(c.trainingValidUntil), day(c.responsibleUseOn), day(c.lastAccess)];
      expect(line).toEqual([r.member.name, r.member.email, r.member.role, r.member.physionetUsername ?? "", ...cellColumns(r.cells[lab.v200.id]!), ...cellColumns(r.cells[lab.v210.id]!)]);
    }
    const carol = records.find((l) => l[1] === lab.credentialed.email)!;
    expect([carol[3], carol[4], carol[10]]).toEqual([`carol-${lab.credentialed.id.slice(0, 6)}`, "access", "Data use agreement: missing"]);
    // Carol was approved today, her training counts 1095 days, and access ends with it.
    const today = now().toISOString().slice(0, 10);
    const until = new Date(now().getTime() + 1095 * DAY).toISOString().slice(0, 10);
    expect(carol.slice(5, 8)).toEqual([today, until, until]);

    const filtered = parse(matrixCsv(view, { status: "expiring" }).csv) as string[][];
    expect(filtered.map((l) => l[1])).toEqual(["email", lab.ending.email]);
    expect(filtered[1]![4]).toMatch(/^expires in 20 days \(\d{4}-\d\d-\d\d\)$/);
  });

  it("lists pairs whose access ends by itself within 30/60/90 days, with the step that ends it", async () => {
    const lab = await matrixLab();
    const at = now();
    const [matrix, grants] = await Promise.all([labAccessMatrix(getDb(), { labId: lab.lab.id, now: at }), loadGrantStatuses(getDb(), { labId: lab.lab.id })]);
    const in30 = expiringPairs(matrix, grants, { now: at, days: 30 });
    expect(in30.map((p) => [p.email, p.dataset, p.daysLeft, p.cause, p.actions])).toEqual([
      [lab.ending.email, "mimic-cxr 2.0.0", 20, "CITI training", ["suspend", "revoke"]],
      [lab.ending.email, "mimic-cxr 2.1.0", 20, "CITI training", ["suspend", "revoke"]],
    ]);
    expect(expiringPairs(matrix, grants, { now: at, days: 10 })).toEqual([]);
    // Carol's training was accepted today: it ends in 1095 days, beyond any window.
    expect(expiringPairs(matrix, grants, { now: at, days: 90 }).map((p) => p.email)).not.toContain(lab.credentialed.email);
  });
});
