import { describe, expect, it } from "vitest";
import { detailFields, listAuditFilterChoices, readableAuditRows } from "@/lib/audit/describe";
import { auditFilterSchema, listAuditEntries } from "@/lib/audit/query";
import { recordAudit } from "@/lib/audit/record";
import { getDb } from "@/lib/db/client";
import { isoDate, isoDateTime, localDateTime } from "@/lib/format/date";
import { stewardLab } from "../credentialing/steward-fixtures";

// The audit page names people and datasets (rows keep ids), filters by member, dataset and target,
// and still shows a steward without access only what the masker lets through.

async function scene() {
  const db = getDb();
  const s = await stewardLab();
  const { lab, steward, member, v200 } = s;
  await recordAudit(db, { labId: lab.id, actor: steward, action: "access.approve", target: { type: "user", id: member.id }, details: { datasetId: v200.id, userId: member.id, email: member.email } });
  await recordAudit(db, { labId: lab.id, actor: member, action: "dataset.browse", target: { type: "dataset", id: v200.id }, details: { query: "pneumothorax", studies: 3 } });
  await recordAudit(db, { labId: lab.id, actor: steward, action: "invite.create", target: { type: "invite", id: "inv-9" }, details: { email: "x@example.org", role: "member" } });
  return s;
}

const list = (lab: { id: string }, viewer: { id: string }, f: Record<string, string>) => listAuditEntries({ viewer: { userId: viewer.id, labId: lab.id }, filter: auditFilterSchema.parse(f) });

describe("readable audit log", () => {
  it("names actor and target, renders details as fields, links each row, keeps masked values hidden", async () => {
    const { lab, steward, member, v200 } = await scene();
    const { rows } = await list(lab, steward, {});
    const readable = await readableAuditRows(getDb(), lab.id, rows);
    const approve = readable.find((r) => r.action === "access.approve")!;
    expect(approve).toMatchObject({ actorName: steward.name, targetLabel: `member ${member.name}`, href: `/members/${member.id}/timeline`, targetFilter: `user:${member.id}` });
    expect(approve.details).toContainEqual(["email", member.email]);
    const browse = readable.find((r) => r.action === "dataset.browse")!;
    expect(browse).toMatchObject({ actorName: member.name, targetLabel: "dataset mimic-cxr 2.0.0", href: "/datasets/mimic-cxr/2.0.0" });
    // The steward holds no access to 2.0.0: the search term stays hidden after naming.
    expect(browse.details).toContainEqual(["query", "[hidden: no access to mimic-cxr 2.0.0]"]);
    expect(browse.details).toContainEqual(["studies", "3"]);
    expect(JSON.stringify(readable)).not.toContain("pneumothorax");
    expect(readable.find((r) => r.action === "invite.create")).toMatchObject({ targetLabel: "invitation", href: "/members" });
    void v200;
  });

  it("filters by member (actor, target or subject), dataset and target", async () => {
    const { lab, steward, member, v200, v210 } = await scene();
    const byMember = await list(lab, steward, { member: member.id });
    expect(byMember.rows.map((r) => r.action).sort()).toEqual(["access.approve", "dataset.browse"]);
    const byDataset = await list(lab, steward, { dataset: v200.id });
    expect(byDataset.rows.map((r) => r.action).sort()).toEqual(["access.approve", "dataset.browse"]);
    expect((await list(lab, steward, { dataset: v210.id })).total).toBe(0);
    const byTarget = await list(lab, steward, { target: "invite:inv-9" });
    expect(byTarget.rows.map((r) => r.action)).toEqual(["invite.create"]);
    // A malformed filter is dropped, not an error.
    expect(auditFilterSchema.parse({ member: "not-a-uuid", target: "nocolon" })).toMatchObject({ member: undefined, target: undefined });
  });

  it("offers the lab's actions, members and dataset versions as choices", async () => {
    const { lab, member } = await scene();
    const c = await listAuditFilterChoices(getDb(), lab.id);
    expect(c.actions).toEqual(expect.arrayContaining(["access.approve", "dataset.browse", "invite.create"]));
    expect(c.members.map((m) => m.id)).toContain(member.id);
    expect(c.versions.map((v) => v.version)).toEqual(["2.0.0", "2.1.0"]);
  });

  it("formats dates one way: ISO date, UTC time, local time with zone", () => {
    expect(detailFields({ a: "x", n: 3, o: { b: 1 } })).toEqual([["a", "x"], ["n", "3"], ["o", '{"b":1}']]);
    expect(isoDate("2027-01-31")).toBe("2027-01-31");
    expect(isoDate(new Date("2026-12-06T23:30:00Z"))).toBe("2026-12-06");
    expect(isoDateTime("2026-12-06T20:04:09Z")).toBe("2026-12-06 20:04 UTC");
    expect(localDateTime("2026-12-06T20:04:09Z", "Europe/Berlin")).toBe("2026-12-06 21:04:09 GMT+1");
    expect(localDateTime("2026-07-06T20:04:09Z", "America/New_York")).toBe("2026-07-06 16:04:09 EDT");
  });
});
