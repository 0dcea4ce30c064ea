import type { WgetCredentials } from "@/lib/physionet/wget/credentials";

/**
 * What one lane's wget runs share: the credentials, the CA certificate, and PhysioNet's session
 * cookie, kept in memory between batches (wget gets and returns the jar through pipes), so later
 * batches skip the password check. Nothing of it is ever written to a file: a killed worker strands
 * no password and no session.
 */
export type LaneSession = { credentials: WgetCredentials; caCertificate: string | null; cookies: string };

export function newLaneSession({ credentials, caCertificate }: { credentials: WgetCredentials; caCertificate: string | null }): LaneSession {
  return { credentials, caCertificate, cookies: "" };
}
