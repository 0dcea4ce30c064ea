import { spawnSync } from "node:child_process";
import { sql } from "drizzle-orm";
import { E2E_STORAGE_DIR } from "../playwright.config";
import { expect, test } from "./support/fixtures";
import { testDb } from "./support/db";
import { E2E_CXR, E2E_JPG, E2E_VIEWER } from "./support/mimic-data";

// Issue 13 §1: 60 concurrent thumbnail/image requests from one researcher forked the audit chain
// (`npm run audit:verify` said BROKEN, many rows shared one prev_hash). Replayed over HTTP against the
// production build, then 1,000 more with ~50 in flight; the chain must verify, with one row per request.

const AUDITED = ["image.view", "image.thumbnail", "image.preview"];
const [cr, mr] = E2E_VIEWER.dicom;
// Small answers (thumbnails, the JPEG) for the 1,000; the burst adds the two DICOM files (2 and 6 MB).
const SMALL = [
  `/api/datasets/${E2E_CXR.slug}/${E2E_CXR.version}/thumbnails/${cr.dicomId}`,
  `/api/datasets/${E2E_CXR.slug}/${E2E_CXR.version}/thumbnails/${mr.dicomId}`,
  `/api/datasets/${E2E_JPG.slug}/${E2E_JPG.version}/thumbnails/${E2E_VIEWER.jpg.dicomId}`,
  `/api/datasets/${E2E_JPG.slug}/${E2E_JPG.version}/images/${E2E_VIEWER.jpg.dicomId}`,
];
const BURST = [...SMALL, `/api/datasets/${E2E_CXR.slug}/${E2E_CXR.version}/images/${cr.dicomId}`, `/api/datasets/${E2E_CXR.slug}/${E2E_CXR.version}/images/${mr.dicomId}`];

async function auditedRowsOf(userId: string): Promise<number> {
  const r = await testDb().execute<{ n: number }>(sql`select count(*)::int as n from audit_log where actor_id = ${userId} and action in (${sql.join(AUDITED.map((a) => sql`${a}`), sql`, `)})`);
  return r.rows[0]!.n;
}

// The CLIs as an operator runs them, on the suite's database, with the app's secret and its lab
// storage: every checkpoint of the database lives there (the app's workers write theirs there too),
// and `npm test` verifies them all once more at the end.
function runCli(script: string, storageDir: string) {
  const r = spawnSync(process.execPath, ["--conditions=react-server", "--import", "tsx", script], {
    env: { ...process.env, LABGATE_STORAGE_DIR: storageDir, LABGATE_STORAGE_BACKEND: "local", NEXTAUTH_SECRET: process.env.NEXTAUTH_SECRET ?? "e2e-secret-e2e-secret-e2e-secret-e2e-0" },
    encoding: "utf8",
    timeout: 120_000,
  });
  return { code: r.status, out: `${r.stdout}${r.stderr}` };
}

test.describe.configure({ timeout: 600_000 });

test("1,060 concurrent audited image requests leave one unforked, verifiable chain with one row per request", async ({ page, login, baseURL }) => {
  const storageDir = E2E_STORAGE_DIR;
  {
    const researcher = await login("researcher");
    const before = runCli("scripts/audit-checkpoint.ts", storageDir);
    expect(before.out).toMatch(/audit checkpoint written/);

    // Plain HTTP with the researcher's session cookie (Playwright's request context would trace every body).
    const cookie = (await page.context().cookies()).map((c) => `${c.name}=${c.value}`).join("; ");
    const get = async (url: string) => {
      const res = await fetch(`${baseURL}${url}`, { headers: { cookie } });
      await res.arrayBuffer();
      return res.status;
    };
    // The thumbnail grid's burst: 60 at once.
    const burst = await Promise.all(Array.from({ length: 60 }, (_, i) => get(BURST[i % BURST.length]!)));
    expect(burst).toEqual(Array(60).fill(200));
    expect(await auditedRowsOf(researcher.id)).toBe(60);

    // Then 1,000 with 50 in flight.
    let next = 0;
    const statuses: number[] = [];
    await Promise.all(
      Array.from({ length: 50 }, async () => {
        while (next < 1000) {
          statuses.push(await get(SMALL[next++ % SMALL.length]!));
        }
      }),
    );
    expect(statuses).toHaveLength(1000);
    expect(statuses.filter((s) => s !== 200)).toEqual([]);
    expect(await auditedRowsOf(researcher.id)).toBe(1060);
    const forks = await testDb().execute<{ n: number }>(sql`select count(*)::int as n from (select prev_hash from audit_log group by prev_hash having count(*) > 1) d`);
    expect(forks.rows[0]!.n).toBe(0);

    const after = runCli("scripts/audit-checkpoint.ts", storageDir);
    expect(after.code, after.out).toBe(0);
    const verified = runCli("scripts/audit-verify.ts", storageDir);
    expect(verified.out).toMatch(/audit log OK: \d+ rows/);
    // This test's two, and any the suite's workers wrote meanwhile.
    const count = /checkpoints \(key ed25519:[0-9a-f]{16}\): (\d+) verified/.exec(verified.out);
    expect(Number(count?.[1] ?? 0), verified.out).toBeGreaterThanOrEqual(2);
    expect(verified.code).toBe(0);
  }
});

test("the steward's audit page shows the signed checkpoints, their validity and the public key's fingerprint", async ({ page, login }) => {
  // The app's own lab storage (npm test starts it empty; the suite's other checkpoints stay).
  const written = runCli("scripts/audit-checkpoint.ts", E2E_STORAGE_DIR);
  expect(written.code, written.out).toBe(0);
  const lastId = /row id (\d+)/.exec(written.out)![1]!;
  await login("steward");
  await page.goto("/audit");
  const panel = page.getByTestId("audit-checkpoints");
  await expect(panel).toContainText("Signed checkpoints");
  await expect(panel.getByTestId("checkpoint-key")).toHaveText(/^ed25519:[0-9a-f]{16}$/);
  const row = panel.locator("tbody tr", { has: page.locator(`td:text-is("${lastId}")`) });
  await expect(row).toContainText("valid");
  await expect(row.locator("td").nth(4)).toHaveText("yes");
});
