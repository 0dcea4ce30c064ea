import type { RateLimitRule } from "./consume";

// Who may try what how often. Sign-in, invite and PhysioNet limits count failures only (a success
// gives its attempt back), so a lab's people signing in all day from one NAT address never meet them;
// a guesser meets them within minutes. Blocks double while the guessing goes on, up to an hour.
// `action` names the audit row of a refusal: rate_limit.<action>.
export type NamedRule = RateLimitRule & { name: string; action: string; what: string };

const MINUTES = 60;

export const RULES = {
  // Per account, keyed by the typed email whether or not an account uses it, so a refusal says
  // nothing about which emails exist.
  signInAccount: { name: "sign_in.account", action: "sign_in", what: "sign-in attempts for this account", limit: 10, windowSeconds: 15 * MINUTES, maxBlockSeconds: 60 * MINUTES },
  // Per client address: password spraying (one guess at each of many accounts).
  signInIp: { name: "sign_in.ip", action: "sign_in", what: "failed sign-ins from your network address", limit: 50, windowSeconds: 15 * MINUTES, maxBlockSeconds: 60 * MINUTES },
  // Invite links carry 256 random bits; the limit keeps a guesser from costing us work, not from luck.
  inviteIp: { name: "invite_accept.ip", action: "invite_accept", what: "invalid invite links from your network address", limit: 20, windowSeconds: 15 * MINUTES, maxBlockSeconds: 60 * MINUTES },
  // Each attempt is a request to PhysioNet with a password: labgate must not be a guessing oracle
  // against PhysioNet accounts, nor get the lab's members locked out there.
  verifyMember: { name: "physionet_verify.member", action: "physionet_verify", what: "unsuccessful PhysioNet checks", limit: 10, windowSeconds: 15 * MINUTES, maxBlockSeconds: 60 * MINUTES },
  verifyUsername: { name: "physionet_verify.username", action: "physionet_verify", what: "unsuccessful PhysioNet checks for this PhysioNet account", limit: 10, windowSeconds: 15 * MINUTES, maxBlockSeconds: 60 * MINUTES },
  // Wrong current passwords per account: a stolen session must not become a password-guessing oracle.
  passwordChangeAccount: { name: "password_change.account", action: "password_change", what: "wrong current passwords", limit: 5, windowSeconds: 15 * MINUTES, maxBlockSeconds: 60 * MINUTES },
  // Reset mails per typed email, whether or not an account uses it (a refusal reveals nothing),
  // so nobody can flood a person's mailbox through labgate.
  passwordResetEmail: { name: "password_reset_request.email", action: "password_reset_request", what: "password reset requests for this email", limit: 3, windowSeconds: 60 * MINUTES, maxBlockSeconds: 60 * MINUTES },
  passwordResetIp: { name: "password_reset_request.ip", action: "password_reset_request", what: "password reset requests from your network address", limit: 20, windowSeconds: 60 * MINUTES, maxBlockSeconds: 60 * MINUTES },
  // Reset links carry 256 random bits; like invite links, the limit keeps guessers from costing us work.
  passwordResetLinkIp: { name: "password_reset.ip", action: "password_reset", what: "invalid reset links from your network address", limit: 20, windowSeconds: 15 * MINUTES, maxBlockSeconds: 60 * MINUTES },
} satisfies Record<string, NamedRule>;

/** The key a rule counts under: its name and the subject (email, address, member id, username). */
export function limitKey(rule: NamedRule, subject: string): string {
  return `${rule.name}:${subject.toLowerCase()}`;
}
