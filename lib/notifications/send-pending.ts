import "server-only";
import { eq, sql } from "drizzle-orm";
import { notifications } from "@/db/schema";
import type { Db, Tx } from "@/lib/db/client";
import { describeMailError, type Mailer } from "./mailer";

// Mails notifications that have not been mailed yet. Each one is claimed in its own transaction
// with FOR UPDATE SKIP LOCKED and marked in that same transaction after the SMTP server accepted
// it, so two workers never send one twice; a crash between the two can at worst send it again.
// Failures are written to email_error as "attempt N at <time>: <reason>" and retried with backoff.

export const MAX_EMAIL_ATTEMPTS = 6;
/** The first retry waits this long; each further one twice as long (5, 10, 20, 40, 80 minutes). */
export const FIRST_RETRY_MINUTES = 5;
/** Older notifications are left in-app only: a warning mailed days late, or a backlog mailed when
 * SMTP is first configured, helps nobody. */
export const MAX_EMAIL_AGE_HOURS = 48;

// Connection-level failures: the next message would fail the same way, so the run stops there.
const SERVER_DOWN = new Set(["ECONNECTION", "ESOCKET", "ETIMEDOUT", "EDNS", "ETLS", "EAUTH"]);

export type SendPendingResult = { sent: number; failed: number };

type Claimed = { id: string; title: string; body: string; link: string | null; email: string; email_error: string | null };

export function emailErrorText(attempt: number, at: Date, reason: string): string {
  return `attempt ${attempt} at ${at.toISOString()}: ${reason}`;
}

function attemptsSoFar(error: string | null): number {
  const m = error ? /^attempt (\d+) /.exec(error) : null;
  return m ? Number(m[1]) : 0;
}

/** An in-app path made absolute with the app's public URL (which may carry a base path). */
export function absoluteLink(appUrl: string, link: string | null): string | null {
  if (!link || !link.startsWith("/") || link.startsWith("//")) return null;
  return `${appUrl.replace(/\/+$/, "")}${link}`;
}

export function renderEmail(n: { title: string; body: string; link: string | null }, appUrl: string): { subject: string; text: string } {
  const link = absoluteLink(appUrl, n.link);
  const inbox = absoluteLink(appUrl, "/notifications");
  const text = [n.body, "", ...(link ? [`Open in labgate: ${link}`, ""] : []), "--", `labgate · all your notifications: ${inbox}`].join("\n");
  return { subject: `[labgate] ${n.title}`, text };
}

async function claimOne(tx: Tx, now: Date): Promise<Claimed | undefined> {
  const oldest = new Date(now.getTime() - MAX_EMAIL_AGE_HOURS * 3_600_000);
  // The retry schedule is read back from email_error, which only this module writes.
  const r = await tx.execute<Claimed>(sql`
    select n.id, n.title, n.body, n.link, n.email_error, u.email
    from notifications n
    join users u on u.id = n.user_id and u.status = 'active'
    where n.emailed_at is null
      and n.created_at > ${oldest.toISOString()}::timestamptz
      and (
        n.email_error is null
        or (
          substring(n.email_error from '^attempt (\\d+) ')::int < ${MAX_EMAIL_ATTEMPTS}
          and substring(n.email_error from '^attempt \\d+ at (\\S+):')::timestamptz
            + make_interval(mins => ${FIRST_RETRY_MINUTES} * power(2, substring(n.email_error from '^attempt (\\d+) ')::int - 1)::int)
            <= ${now.toISOString()}::timestamptz
        )
      )
    order by n.email_error is not null, n.created_at
    limit 1
    for update of n skip locked`);
  return r.rows[0];
}

/** Sends up to `limit` pending notifications; returns how many were sent and how many failed. */
export async function sendPendingEmails(db: Db, opts: { now: Date; mailer: Mailer; appUrl: string; limit?: number }): Promise<SendPendingResult> {
  const result: SendPendingResult = { sent: 0, failed: 0 };
  const limit = opts.limit ?? 100;
  for (let i = 0; i < limit; i++) {
    const outcome = await db.transaction(async (tx) => {
      const n = await claimOne(tx, opts.now);
      if (!n) return "none" as const;
      try {
        await opts.mailer.send({ to: n.email, ...renderEmail(n, opts.appUrl) });
        await tx.update(notifications).set({ emailedAt: opts.now, emailError: null }).where(eq(notifications.id, n.id));
        return "sent" as const;
      } catch (e) {
        const reason = describeMailError(e);
        await tx.update(notifications).set({ emailError: emailErrorText(attemptsSoFar(n.email_error) + 1, opts.now, reason) }).where(eq(notifications.id, n.id));
        const code = (e as { code?: unknown } | null)?.code;
        return typeof code === "string" && SERVER_DOWN.has(code) ? ("server-down" as const) : ("failed" as const);
      }
    });
    if (outcome === "none") break;
    if (outcome === "sent") result.sent++;
    else result.failed++;
    if (outcome === "server-down") break;
  }
  return result;
}
