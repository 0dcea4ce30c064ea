import { drizzle } from "drizzle-orm/node-postgres";
import pg from "pg";
import * as schema from "@/db/schema";
import { createLab, createUser } from "@/lib/factories";
import { startSmtpSink } from "../tests/notifications/smtp-sink";
import { emptyDatabase, startLabgate } from "./support/spawn-start";
import { expect, test } from "./support/fixtures";

// The emailed reset end to end: `npm start` with SMTP_URL pointing at a real SMTP server (npm
// smtp-server on loopback), its own database, a browser at the forgot-password form.
test.describe.configure({ timeout: 240_000 });

test("with SMTP set, a forgotten password is reset through the mailed link; an unknown email gets the same answer and no mail", async ({ page }) => {
  const sink = await startSmtpSink();
  const db = await emptyDatabase();
  const app = await startLabgate({ databaseUrl: db.url, env: { SMTP_URL: sink.url } });
  const pool = new pg.Pool({ connectionString: db.url, max: 2 });
  try {
    const orm = drizzle(pool, { schema });
    const lab = await createLab(orm);
    const member = await createUser(orm, { labId: lab.id, role: "member" });
    const answer = "If an account with that email exists, a reset link is on its way.";

    await page.goto(`${app.url}/login`);
    await page.getByRole("link", { name: "Forgot your password?" }).click();
    await expect(page).toHaveURL(`${app.url}/forgot-password`);
    await page.getByLabel("Your email").fill(`nobody-here@example.org`);
    await page.getByRole("button", { name: "Send me a reset link" }).click();
    await expect(page.getByRole("status")).toContainText(answer);
    await page.getByLabel("Your email").fill(member.email);
    await page.getByRole("button", { name: "Send me a reset link" }).click();
    await expect(page.getByRole("status")).toContainText(answer);

    await expect.poll(() => sink.received.length, { timeout: 30_000 }).toBe(1);
    const mail = sink.received[0]!;
    expect(mail.envelopeTo).toEqual([member.email]);
    const link = new RegExp(`${app.url.replace(/[.:/]/g, "\\$&")}/reset-password/[A-Za-z0-9_-]{43}`).exec(mail.text)?.[0];
    expect(link, mail.text).toBeTruthy();

    const fresh = "mailed link passphrase";
    await page.goto(link!);
    await page.getByLabel("New password (at least 12 characters)").fill(fresh);
    await page.getByLabel("Repeat the new password").fill(fresh);
    await page.getByRole("button", { name: "Set new password" }).click();
    await expect(page.getByRole("status")).toContainText("Your password was changed");
    await page.getByRole("link", { name: "Sign in" }).click();
    await page.getByLabel("Email").fill(member.email);
    await page.getByLabel("Password").fill(fresh);
    await page.getByRole("button", { name: "Sign in", exact: true }).click();
    await expect(page).toHaveURL(`${app.url}/`);
    await page.goto(link!);
    await expect(page.getByRole("heading", { name: "Reset link not valid" })).toBeVisible();
    // Still only the one mail: the unknown address got none.
    expect(sink.received).toHaveLength(1);
    // The server's log names the route ("/reset-password/[token]"), never the link's token.
    expect(app.output()).not.toContain(link!.split("/").pop()!);
    expect(app.output()).not.toMatch(/reset-password\/[A-Za-z0-9_-]{43}/);
    expect(app.output()).toMatch(/"route":"\/reset-password\/\[token\]"/);
  } finally {
    await pool.end();
    await app.stop();
    await db.drop();
    await sink.close();
  }
});
