import { acquire, type Acquisition } from "./acquisition";
import { planStudiesPerPatient, StudyIds, subjectIdFor } from "./ids";
import { chexpertLabels, negbioFrom, radiologistLabelsFrom, type Labels } from "./labels-model";
import { hash32, Prng } from "./prng";
import { formatStudyDate, patientTimeline, randomStudyTime } from "./study-dates";

/**
 * The synthetic cohort, one patient at a time in file order (subject_id, then study_id). Both
 * projects draw from the same cohort, so a seed gives the same subjects, studies and dicom_ids in
 * mimic-cxr and mimic-cxr-jpg, as PhysioNet's two projects share them.
 */
export type Split = "train" | "validate" | "test";

export type SynthStudy = Acquisition & {
  subjectId: number;
  studyId: number;
  studyDate: string;
  studyTime: string;
  split: Split;
  /** null for the handful of studies the real label files leave out (227,827 of 227,835 rows). */
  chexpert: Labels | null;
  negbio: Labels | null;
  /** Radiologist labels, test split only. */
  testLabels: Labels | null;
  /** Whether an earlier study of this patient exists (the report's COMPARISON). */
  hasPrior: boolean;
  sex: "M" | "F";
  providers: { ordering: string; attending: string; resident: string };
};

export type SynthPatient = { subjectId: number; studies: SynthStudy[] };

const UNLABELLED_RATE = 8 / 227_835;

/** PhysioNet-style provider ids ("P" and five characters), from a fixed pool per role. */
function providerId(seed: number, role: number, k: number): string {
  return `P${hash32(seed, role, k).toString(36).toUpperCase().padStart(5, "0").slice(-5)}`;
}

function providersFor(seed: number, studyId: number) {
  const rng = new Prng(seed, studyId, 3);
  return {
    ordering: rng.chance(0.05) ? "" : providerId(seed, 1, rng.int(4000)),
    attending: rng.chance(0.01) ? "" : providerId(seed, 2, rng.int(250)),
    resident: rng.chance(0.45) ? "" : providerId(seed, 3, rng.int(300)),
  };
}

export function planCohort(opts: { seed: number; studies: number }): { patients: number; counts: number[] } {
  const counts = planStudiesPerPatient(opts);
  return { patients: counts.length, counts };
}

export function* generateCohort(opts: { seed: number; studies: number }): Generator<SynthPatient> {
  const { counts, patients } = planCohort(opts);
  const rng = new Prng(opts.seed, 0xc0407);
  const studyIds = new StudyIds(new Prng(opts.seed, 0x57d1));
  for (let k = 0; k < patients; k++) {
    const count = counts[k]!;
    const subjectId = subjectIdFor(k, patients, rng);
    const sex = rng.chance(0.52) ? "F" : "M";
    const cardiac = rng.float() ** 2;
    const sickness = Math.min(1, Math.min(1, (count - 1) / 12) * 0.7 + rng.float() * 0.3);
    const r = rng.float();
    const split: Split = r < 0.008 ? "validate" : r < 0.022 ? "test" : "train";
    const timeline = patientTimeline(rng, count);
    const studies: SynthStudy[] = timeline.map((ms, order) => {
      const studyId = studyIds.next();
      const srng = new Prng(opts.seed, studyId, 1);
      const acquisition = acquire(srng, { sickness });
      const studyTime = randomStudyTime(srng);
      const labelled = !srng.chance(UNLABELLED_RATE);
      const chexpert = labelled ? chexpertLabels(srng, { portable: acquisition.portable, cardiac, sickness }) : null;
      return {
        ...acquisition,
        subjectId,
        studyId,
        studyDate: formatStudyDate(ms),
        studyTime,
        split,
        chexpert,
        negbio: chexpert && negbioFrom(chexpert, srng),
        testLabels: chexpert && split === "test" ? radiologistLabelsFrom(chexpert, srng) : null,
        hasPrior: order > 0,
        sex,
        providers: providersFor(opts.seed, studyId),
      };
    });
    studies.sort((a, b) => a.studyId - b.studyId);
    yield { subjectId, studies };
  }
}
