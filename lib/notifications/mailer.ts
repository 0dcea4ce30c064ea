import "server-only";
import nodemailer from "nodemailer";
import { getEnv, type Env } from "@/lib/env";

// Outgoing mail through one SMTP server (SMTP_URL), with nodemailer. Without SMTP_URL labgate is
// in-app only and nothing here is used. The worker sends; web requests never wait for SMTP.

export type MailMessage = { to: string; subject: string; text: string };

export type Mailer = {
  send: (message: MailMessage) => Promise<void>;
  close: () => void;
};

export function createMailer(opts: { smtpUrl: string; from: string }): Mailer {
  const transport = nodemailer.createTransport({
    url: opts.smtpUrl,
    // A mail server that hangs must not hold the worker (and the claimed rows) for minutes.
    connectionTimeout: 15_000,
    greetingTimeout: 15_000,
    socketTimeout: 30_000,
  });
  return {
    send: async (m) => {
      await transport.sendMail({ from: opts.from, to: m.to, subject: m.subject, text: m.text });
    },
    close: () => transport.close(),
  };
}

/** The configured mailer, or null when SMTP_URL is unset (in-app notifications only). */
export function mailerFromEnv(env: Env = getEnv()): Mailer | null {
  return env.SMTP_URL ? createMailer({ smtpUrl: env.SMTP_URL, from: env.MAIL_FROM }) : null;
}

const FIXED: Record<string, string> = {
  EAUTH: "the mail server refused labgate's SMTP credentials",
  ECONNECTION: "could not connect to the mail server",
  ESOCKET: "could not connect to the mail server",
  ETIMEDOUT: "the mail server did not answer in time",
  EDNS: "the mail server's host name could not be resolved",
  ETLS: "the TLS handshake with the mail server failed",
  EENVELOPE: "the mail server refused the sender or recipient",
  EMESSAGE: "the mail server refused the message",
};

/**
 * A failure in words safe to store and show: nodemailer's own messages can echo server banners,
 * addresses or the connection URL, so only the error code and the SMTP status are kept.
 */
export function describeMailError(e: unknown): string {
  const err = (e ?? {}) as { code?: unknown; responseCode?: unknown };
  const code = typeof err.code === "string" ? err.code : null;
  const status = typeof err.responseCode === "number" ? ` (SMTP ${err.responseCode})` : "";
  const text = (code && FIXED[code]) ?? "sending failed";
  return `${text}${status}${code && !FIXED[code] ? ` [${code.replace(/[^A-Z0-9_]/gi, "").slice(0, 32)}]` : ""}`;
}
