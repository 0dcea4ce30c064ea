import type { NamedRule } from "@/lib/limits/rules";

const MINUTES = 60;

// Password changes and resets, counted in PostgreSQL like sign-in (lib/limits).
export const PASSWORD_RULES = {
  // Wrong current passwords per account: a stolen session must not become a password-guessing oracle.
  changeAccount: { name: "password_change.account", action: "password_change", what: "wrong current passwords", limit: 5, windowSeconds: 15 * MINUTES, maxBlockSeconds: 60 * MINUTES },
  // Reset mails per typed email, whether or not an account uses it (a refusal reveals nothing),
  // so nobody can flood a person's mailbox through labgate.
  resetEmail: { name: "password_reset_request.email", action: "password_reset_request", what: "password reset requests for this email", limit: 3, windowSeconds: 60 * MINUTES, maxBlockSeconds: 60 * MINUTES },
  resetIp: { name: "password_reset_request.ip", action: "password_reset_request", what: "password reset requests from your network address", limit: 20, windowSeconds: 60 * MINUTES, maxBlockSeconds: 60 * MINUTES },
  // Reset links carry 256 random bits; like invite links, the limit keeps guessers from costing us work.
  resetLinkIp: { name: "password_reset.ip", action: "password_reset", what: "invalid reset links from your network address", limit: 20, windowSeconds: 15 * MINUTES, maxBlockSeconds: 60 * MINUTES },
} satisfies Record<string, NamedRule>;
