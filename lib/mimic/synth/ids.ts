import { Prng } from "./prng";

/**
 * MIMIC identifiers: subject_id 8 digits from 10000000, study_id 8 digits from 50000000 (random,
 * not chronological), dicom_id five groups of 8 lowercase hex digits.
 */
const SUBJECT_BASE = 10_000_000;
const SUBJECT_SPAN = 9_999_999;
const STUDY_BASE = 50_000_000;
const STUDY_SPAN = 10_000_000;

/**
 * How many studies each patient has: a discretised log-normal, most with one to three and a long
 * tail past a hundred, averaging ~3.5 like the real 227,835 studies / 65,379 patients.
 */
export function planStudiesPerPatient(opts: { seed: number; studies: number }): number[] {
  const rng = new Prng(opts.seed, 0x5717);
  const counts: number[] = [];
  let left = opts.studies;
  while (left > 0) {
    const n = Math.min(left, 180, Math.max(1, Math.ceil(Math.exp(0.38 + 1.18 * rng.normal()))));
    counts.push(n);
    left -= n;
  }
  return counts;
}

/** Patient k of `patients`: increasing, unique, spread evenly over p10…p19 as in the real folders. */
export function subjectIdFor(k: number, patients: number, rng: Prng): number {
  return SUBJECT_BASE + Math.floor(((k + rng.float()) * SUBJECT_SPAN) / patients);
}

/** Hands out unique random study ids; the Set is a few MB even for the full 227,835 studies. */
export class StudyIds {
  private readonly used = new Set<number>();
  constructor(private readonly rng: Prng) {}

  next(): number {
    for (;;) {
      const id = STUDY_BASE + this.rng.int(STUDY_SPAN);
      if (!this.used.has(id)) {
        this.used.add(id);
        return id;
      }
    }
  }
}

export function dicomIdFrom(rng: Prng): string {
  return `${rng.hex8()}-${rng.hex8()}-${rng.hex8()}-${rng.hex8()}-${rng.hex8()}`;
}

/** `files/p10/p10000032`: the patient folder both projects use. */
export function patientFolder(subjectId: number): string {
  return `files/p${String(subjectId).slice(0, 2)}/p${subjectId}`;
}
