// One date format everywhere: the ISO calendar date (and UTC time where the minute matters) on the
// page, the reader's local time with its zone on hover. Server and browser render the same text, so
// hydration never disagrees; only the hover title depends on where the reader is.

/** "2026-12-06" for a calendar date (a training's expiry) or a moment (its UTC day). */
export function isoDate(value: Date | string): string {
  if (typeof value === "string" && /^\d{4}-\d{2}-\d{2}$/.test(value)) return value;
  return new Date(value).toISOString().slice(0, 10);
}

/** "2026-12-06 20:04 UTC": a moment to the minute. */
export function isoDateTime(value: Date | string): string {
  const iso = new Date(value).toISOString();
  return `${iso.slice(0, 10)} ${iso.slice(11, 16)} UTC`;
}

/** "2026-12-06 21:04:09 GMT+1" in the given (or the runtime's) time zone, for the hover title. */
export function localDateTime(value: Date | string, timeZone?: string): string {
  const d = new Date(value);
  const parts = Object.fromEntries(
    new Intl.DateTimeFormat("en-CA", { timeZone, year: "numeric", month: "2-digit", day: "2-digit", hour: "2-digit", minute: "2-digit", second: "2-digit", hourCycle: "h23", timeZoneName: "short" })
      .formatToParts(d)
      .map((p) => [p.type, p.value]),
  );
  return `${parts.year}-${parts.month}-${parts.day} ${parts.hour}:${parts.minute}:${parts.second} ${parts.timeZoneName}`;
}
