import { sql } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { auditLog } from "@/db/schema";
import { recordAudit } from "@/lib/audit/record";
import { verifyAuditChain } from "@/lib/audit/verify";
import { canonicalJson } from "@/lib/audit/canonical";
import { getDb } from "@/lib/db/client";
import { createLab } from "@/lib/factories";

describe("audit log", () => {
  it("canonical JSON does not depend on key order", () => {
    expect(canonicalJson({ b: 1, a: { d: [1, { z: 1, y: 2 }], c: null } })).toBe(canonicalJson({ a: { c: null, d: [1, { y: 2, z: 1 }] }, b: 1 }));
    expect(canonicalJson({ a: "x" })).toBe('{"a":"x"}');
  });

  it("links each row to the previous one, also under concurrent writers", async () => {
    const db = getDb();
    const lab = await createLab(db);
    await Promise.all(
      Array.from({ length: 20 }, (_, i) => db.transaction((tx) => recordAudit(tx, { action: "test.concurrent", labId: lab.id, details: { i, nested: { b: 2, a: 1 } } }))),
    );
    const rows = await db.select().from(auditLog).orderBy(auditLog.id);
    for (let i = 1; i < rows.length; i++) expect(rows[i]!.prevHash).toBe(rows[i - 1]!.hash);
    const result = await verifyAuditChain(db);
    expect(result).toMatchObject({ ok: true });
  });

  it("refuses UPDATE, DELETE and TRUNCATE for the app's role", async () => {
    const db = getDb();
    const lab = await createLab(db);
    const { id } = await db.transaction((tx) => recordAudit(tx, { action: "test.immutable", labId: lab.id }));
    // Drizzle wraps the driver error; PostgreSQL's own message is its cause.
    const refused = { cause: expect.objectContaining({ message: expect.stringMatching(/append-only/) }) };
    await expect(db.execute(sql`update audit_log set action = 'x' where id = ${id}`)).rejects.toMatchObject(refused);
    await expect(db.execute(sql`delete from audit_log where id = ${id}`)).rejects.toMatchObject(refused);
    await expect(db.execute(sql`truncate audit_log`)).rejects.toMatchObject(refused);
  });

  it("is written in the same transaction as the action: a rolled-back action leaves no row", async () => {
    const db = getDb();
    const lab = await createLab(db);
    await expect(
      db.transaction(async (tx) => {
        await recordAudit(tx, { action: "test.rolled_back", labId: lab.id });
        throw new Error("action failed");
      }),
    ).rejects.toThrow("action failed");
    const rows = await db.execute(sql`select 1 from audit_log where lab_id = ${lab.id}`);
    expect(rows.rowCount).toBe(0);
    expect(await verifyAuditChain(db)).toMatchObject({ ok: true });
  });
});
