import { parse } from "csv-parse/sync";
import { describe, expect, it } from "vitest";
import { recordAudit } from "@/lib/audit/record";
import { now } from "@/lib/clock";
import { loadMatrixView, matrixCsv, parseHiddenColumns } from "@/lib/credentialing/matrix-csv";
import { readyForApprovalPairs } from "@/lib/credentialing/matrix-view";
import { reviewDuaSignature } from "@/lib/credentialing/review-queue";
import { getDb } from "@/lib/db/client";
import { credentialMember } from "@/lib/factories";
import { notificationsOf, pendingDua, stewardLab } from "./steward-fixtures";

// Access ready for approval reaches the review queue and the stewards' notifications; the matrix
// shows each pair's last data access, and its CSV holds only the columns left visible.

describe("ready for approval and matrix dates", () => {
  it("accepting a member's last step puts them in the queue's ready list and notifies the stewards once", async () => {
    const { lab, steward, admin, v200, another } = await stewardLab();
    const db = getDb();
    const rita = await another("Rita Ready");
    await credentialMember(db, { labId: lab.id, userId: rita.id, stewardId: admin.id, datasetIds: [] });
    const dua = await pendingDua({ labId: lab.id, userId: rita.id, datasetId: v200.id });
    const before = readyForApprovalPairs(await loadMatrixView(db, { labId: lab.id, now: now() }));
    expect(before.filter((p) => p.userId === rita.id)).toEqual([]);

    await reviewDuaSignature({ actor: steward, signatureId: dua.id, decision: "accept", ip: null });
    const pairs = readyForApprovalPairs(await loadMatrixView(db, { labId: lab.id, now: now() })).filter((p) => p.userId === rita.id);
    expect(pairs).toEqual([{ userId: rita.id, name: rita.name, email: rita.email, datasetId: v200.id, dataset: "mimic-cxr 2.0.0", since: expect.any(String) }]);
    for (const s of [steward, admin]) {
      const ready = (await notificationsOf(s.id)).filter((n) => n.title === `Ready for approval: ${rita.name}`);
      expect(ready).toHaveLength(1);
      expect(ready[0]).toMatchObject({ kind: "review_requested", link: "/stewardship/queue", body: expect.stringContaining("mimic-cxr 2.0.0") });
    }
    // The member is not told they are ready for approval as if they were a steward.
    expect((await notificationsOf(rita.id)).filter((n) => n.title.startsWith("Ready for approval"))).toEqual([]);
  });

  it("shows the newest data access per pair and exports only the visible columns", async () => {
    const { lab, steward, v200, v210, another } = await stewardLab();
    const db = getDb();
    const carol = await another("Carol Credentialed");
    await credentialMember(db, { labId: lab.id, userId: carol.id, stewardId: steward.id, datasetIds: [v200.id] });
    await recordAudit(db, { labId: lab.id, actor: carol, action: "dataset.browse", target: { type: "dataset", id: v200.id }, details: { studies: 1 } });
    await recordAudit(db, { labId: lab.id, actor: carol, action: "study.view", target: { type: "study", id: "5" }, details: { dataset: "mimic-cxr/2.0.0" } });
    // A refusal is not an access.
    await recordAudit(db, { labId: lab.id, actor: carol, action: "dataset.access", outcome: "denied", target: { type: "dataset", id: v210.id }, details: {} });
    const view = await loadMatrixView(db, { labId: lab.id, now: now() });
    const row = view.rows.find((r) => r.member.id === carol.id)!;
    expect(row.cells[v200.id]!.lastAccess!.slice(0, 10)).toBe(now().toISOString().slice(0, 10));
    expect(row.cells[v210.id]!.lastAccess).toBeNull();

    const hidden = parseHiddenColumns({ hide: `physionet,role,${v210.id},nonsense` });
    const records = parse(matrixCsv(view, { q: "carol" }, hidden).csv) as string[][];
    expect(records[0]).toEqual(["member", "email", "mimic-cxr 2.0.0", "mimic-cxr 2.0.0 approved on", "mimic-cxr 2.0.0 expires on", "mimic-cxr 2.0.0 training valid until", "mimic-cxr 2.0.0 responsible use attested", "mimic-cxr 2.0.0 last data access"]);
    expect(records[1]!.slice(0, 3)).toEqual([carol.name, carol.email, "access"]);
    expect(records[1]![7]).toBe(now().toISOString().slice(0, 10));
  });
});
