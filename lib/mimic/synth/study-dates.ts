import type { Prng } from "./prng";

/**
 * Dates are shifted into 2100–2200 per patient, as in MIMIC; a patient's studies fall within a few
 * years of each other, mostly clustered around admissions.
 */
const DAY_MS = 86_400_000;
const EPOCH_2105 = Date.UTC(2105, 0, 1);

export function patientTimeline(rng: Prng, count: number): number[] {
  const start = EPOCH_2105 + rng.int(90 * 365) * DAY_MS;
  const days: number[] = [];
  let day = 0;
  for (let i = 0; i < count; i++) {
    days.push(day);
    // Inpatient stays give daily portable films; between stays there are months.
    day += rng.chance(0.6) ? 1 + rng.int(3) : 14 + rng.int(400);
  }
  return days.map((d) => start + d * DAY_MS);
}

export function formatStudyDate(ms: number): string {
  const d = new Date(ms);
  const m = d.getUTCMonth() + 1;
  const day = d.getUTCDate();
  return `${d.getUTCFullYear()}${m < 10 ? "0" : ""}${m}${day < 10 ? "0" : ""}${day}`;
}

/**
 * StudyTime as the real CSV has it: HHMMSS.fff written as a float, so leading zeros are lost
 * ("84519.64" is 08:45:19.640) and trailing zeros of the fraction too ("153215.0").
 */
export function randomStudyTime(rng: Prng): string {
  // Radiographs are taken round the clock, more by day.
  const hour = rng.chance(0.7) ? 7 + rng.int(13) : (20 + rng.int(11)) % 24;
  const whole = hour * 10_000 + rng.int(60) * 100 + rng.int(60);
  const ms = rng.chance(0.05) ? 0 : rng.int(1000);
  const frac = ms === 0 ? "0" : String(ms).padStart(3, "0").replace(/0+$/, "");
  return `${whole}.${frac}`;
}
