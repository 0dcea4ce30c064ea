import type { FaultKind } from "./faults";

/** Live counters, read by tests and benchmarks (e.g. to prove a downloader respected a connection cap). */
export type UpstreamStats = {
  requests: number;
  statuses: Record<number, number>;
  /** Response body bytes written (what a throttle limits). */
  bodyBytes: number;
  rangeRequests: number;
  /** Requests whose Basic password was verified; a session cookie avoids this. */
  passwordChecks: number;
  sessionLogins: number;
  faults: Record<FaultKind, number>;
  connections: { total: number; open: number; peak: number; dropped: number };
};

export function createStats(): UpstreamStats {
  return {
    requests: 0,
    statuses: {},
    bodyBytes: 0,
    rangeRequests: 0,
    passwordChecks: 0,
    sessionLogins: 0,
    faults: { serviceUnavailable: 0, serverError: 0, resetMidBody: 0, truncateBody: 0, corruptBody: 0 },
    connections: { total: 0, open: 0, peak: 0, dropped: 0 },
  };
}
