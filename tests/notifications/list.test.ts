import { describe, expect, it } from "vitest";
import { setClockOffsetForTests } from "@/lib/clock";
import { getDb } from "@/lib/db/client";
import { countUnread, listNotifications, markAllRead, markRead, markReadSchema } from "@/lib/notifications/list";
import { notify } from "@/lib/notifications/notify";
import { labWithRoles } from "../support/db";

describe("in-app notifications", () => {
  it("a member lists, counts and marks only their own", async () => {
    const { lab, member, steward } = await labWithRoles();
    const { lab: otherLab, member: stranger } = await labWithRoles();
    const mine = { userId: member.id, labId: lab.id };
    await notify(getDb(), { labId: lab.id, userId: member.id, kind: "training_expiring", title: "first", body: "b1", link: "/credentialing" });
    setClockOffsetForTests(60_000);
    await notify(getDb(), { labId: lab.id, userId: member.id, kind: "access_granted", title: "second", body: "b2" });
    setClockOffsetForTests(0);
    await notify(getDb(), { labId: lab.id, userId: steward.id, kind: "review_requested", title: "steward's", body: "b3" });
    await notify(getDb(), { labId: otherLab.id, userId: stranger.id, kind: "access_granted", title: "stranger's", body: "b4" });

    const list = await listNotifications(mine);
    expect(list.map((n) => n.title)).toEqual(["second", "first"]);
    expect(await countUnread(mine)).toBe(2);
    // Someone else's id, or one's own id under another lab, changes nothing.
    const [theirs] = await listNotifications({ userId: stranger.id, labId: otherLab.id });
    expect(await markRead({ ...mine, ids: [theirs!.id] })).toEqual({ marked: 0 });
    expect(await markRead({ userId: member.id, labId: otherLab.id, ids: [list[0]!.id] })).toEqual({ marked: 0 });
    expect(await countUnread({ userId: stranger.id, labId: otherLab.id })).toBe(1);

    expect(await markRead({ ...mine, ids: [list[1]!.id] })).toEqual({ marked: 1 });
    expect(await countUnread(mine)).toBe(1);
    expect(await markAllRead(mine)).toEqual({ marked: 1 });
    expect(await countUnread(mine)).toBe(0);
    expect(await countUnread({ userId: steward.id, labId: lab.id })).toBe(1);
    expect((await listNotifications(mine)).every((n) => n.readAt !== null)).toBe(true);
  });

  it("a repeated dedupe key is one notification", async () => {
    const { lab, member } = await labWithRoles();
    for (let i = 0; i < 3; i++) await notify(getDb(), { labId: lab.id, userId: member.id, kind: "training_expiring", title: `warn ${i}`, body: "b", dedupeKey: "training-expiring:x:2030-01-01" });
    expect((await listNotifications({ userId: member.id, labId: lab.id })).map((n) => n.title)).toEqual(["warn 0"]);
  });

  it("the mark-read body is either ids or all: true", () => {
    expect(markReadSchema.safeParse({ all: true }).success).toBe(true);
    expect(markReadSchema.safeParse({ ids: ["6f1c1a52-2a9e-4d8b-9f0e-0c1d2e3f4a5b"] }).success).toBe(true);
    for (const bad of [{}, { ids: [] }, { ids: ["nope"] }, { all: false }, { all: true, ids: ["6f1c1a52-2a9e-4d8b-9f0e-0c1d2e3f4a5b"] }]) {
      const r = markReadSchema.safeParse(bad);
      expect(r.success, JSON.stringify(bad)).toBe(false);
      expect(r.error!.issues[0]!.message.length).toBeGreaterThan(5);
    }
  });
});
