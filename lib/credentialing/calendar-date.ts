import { z } from "zod";

// Dates the member types (application, decision, DUA signing) are calendar dates. "Today" allows one
// day of grace, as the member's local date may be ahead of UTC.
const DAY_MS = 86_400_000;
const EARLIEST = "2000-01-01";

export function calendarDateSchema(label: string, opts: { now: () => Date }) {
  return z
    .string({ error: `${label} is required` })
    .regex(/^\d{4}-\d{2}-\d{2}$/, `${label} must be a date like 2026-03-14`)
    .refine((d) => !Number.isNaN(Date.parse(`${d}T00:00:00Z`)) && new Date(`${d}T00:00:00Z`).toISOString().startsWith(d), `${label} is not a real date`)
    .refine((d) => d >= EARLIEST, `${label} cannot be before ${EARLIEST}`)
    .refine((d) => Date.parse(`${d}T00:00:00Z`) <= opts.now().getTime() + DAY_MS, `${label} cannot be in the future`);
}
