// Everything that compares against "now" (invite expiry, later training expiry) asks this clock,
// so tests can travel in time without sleeping or mocking Date globally.
let offsetMs = 0;

export function now(): Date {
  return new Date(Date.now() + offsetMs);
}

export function setClockOffsetForTests(ms: number): void {
  if (process.env.NODE_ENV === "production" && process.env.LABGATE_TEST_CLOCK !== "1") {
    throw new Error("the test clock is disabled in production");
  }
  offsetMs = ms;
}
