import { LABELS, type Label } from "@/lib/mimic/import/file-specs";
import { weighted, type Prng } from "./prng";

/**
 * Per-study CheXpert-style labels with the real files' four states and roughly their prevalence
 * (MIMIC-CXR-JPG paper: No Finding ~33%, Support Devices ~29%, Pleural Effusion ~24%, Lung Opacity
 * ~23%, Atelectasis and Cardiomegaly ~20%, Edema ~12%, …) and their co-occurrence: heart failure
 * drives cardiomegaly, edema and effusion together; effusion brings atelectasis; pneumonia brings
 * opacity and consolidation. No Finding follows the CheXpert labeler's rule: positive only when no
 * pathology is positive or uncertain (Support Devices does not count), otherwise empty.
 */
export type LabelState = "1.0" | "0.0" | "-1.0" | "";
export type Labels = LabelState[];

const I = Object.fromEntries(LABELS.map((l, i) => [l, i])) as Record<Label, number>;
export const labelIndex = (label: Label): number => I[label];

const NO_FINDING = I["No Finding"];
const DEVICES = I["Support Devices"];
const isPathology = (i: number) => i !== NO_FINDING && i !== DEVICES;

/** Among studies where the label is not positive: chance of "uncertain", then of "negative". */
const NOT_POSITIVE: Record<Label, readonly [number, number]> = {
  Atelectasis: [0.2, 0.02],
  Cardiomegaly: [0.1, 0.12],
  Consolidation: [0.07, 0.06],
  Edema: [0.17, 0.17],
  "Enlarged Cardiomediastinum": [0.12, 0.04],
  Fracture: [0.01, 0.01],
  "Lung Lesion": [0.02, 0.01],
  "Lung Opacity": [0.07, 0.02],
  "No Finding": [0, 0],
  "Pleural Effusion": [0.09, 0.1],
  "Pleural Other": [0.012, 0.001],
  Pneumonia: [0.24, 0.15],
  Pneumothorax: [0.02, 0.14],
  "Support Devices": [0.004, 0.05],
};

/** What a normal report typically negates ("no focal consolidation, effusion or pneumothorax"). */
const NORMAL_NEGATED: readonly (readonly [Label, number])[] = [
  ["Pneumothorax", 0.4],
  ["Pleural Effusion", 0.3],
  ["Consolidation", 0.12],
  ["Edema", 0.15],
  ["Pneumonia", 0.2],
  ["Cardiomegaly", 0.12],
  ["Enlarged Cardiomediastinum", 0.04],
  ["Lung Opacity", 0.02],
  ["Atelectasis", 0.01],
  ["Fracture", 0.01],
  ["Lung Lesion", 0.01],
];

const forcedFinding = weighted<Label>([
  ["Lung Opacity", 4],
  ["Atelectasis", 3],
  ["Cardiomegaly", 2],
  ["Pleural Effusion", 2],
]);

export function noFindingFor(labels: Labels, otherwise: LabelState): LabelState {
  return labels.some((s, i) => isPathology(i) && (s === "1.0" || s === "-1.0")) ? otherwise : "1.0";
}

/** The CheXpert labels of one study, given how it was acquired and the patient's tendencies. */
export function chexpertLabels(rng: Prng, opts: { portable: boolean; cardiac: number; sickness: number }): Labels {
  const labels: Labels = LABELS.map(() => "");
  const devices = rng.chance(opts.portable ? 0.4 + 0.2 * opts.sickness : 0.06);
  labels[DEVICES] = devices ? "1.0" : rng.chance(NOT_POSITIVE["Support Devices"][0]) ? "-1.0" : rng.chance(0.03) ? "0.0" : "";
  const normal = rng.chance((opts.portable ? 0.22 : 0.62) * (1 - 0.35 * opts.sickness));
  if (normal) {
    for (const [label, p] of NORMAL_NEGATED) if (rng.chance(p)) labels[I[label]] = "0.0";
    labels[NO_FINDING] = "1.0";
    return labels;
  }

  const pos = new Set<Label>();
  const chance = (label: Label, p: number) => {
    if (rng.chance(p)) pos.add(label);
  };
  const chf = rng.chance(0.2 + 0.35 * opts.cardiac);
  chance("Pleural Effusion", 0.2 + (chf ? 0.3 : 0) + (opts.portable ? 0.08 : 0));
  chance("Edema", chf ? 0.45 : 0.05);
  chance("Cardiomegaly", chf ? 0.62 : 0.17);
  chance("Atelectasis", pos.has("Pleural Effusion") ? 0.48 : 0.2);
  chance("Pneumonia", 0.1);
  chance("Consolidation", pos.has("Pneumonia") ? 0.35 : 0.04);
  chance("Lung Opacity", pos.has("Pneumonia") || pos.has("Consolidation") ? 0.6 : 0.26);
  chance("Pneumothorax", opts.portable ? 0.08 : 0.05);
  chance("Enlarged Cardiomediastinum", pos.has("Cardiomegaly") ? 0.08 : 0.03);
  chance("Fracture", 0.028);
  chance("Lung Lesion", 0.04);
  chance("Pleural Other", 0.013);

  for (const label of LABELS) {
    const i = I[label];
    if (!isPathology(i)) continue;
    if (pos.has(label)) labels[i] = "1.0";
    else {
      const [unc, neg] = NOT_POSITIVE[label];
      labels[i] = rng.chance(unc) ? "-1.0" : rng.chance(neg) ? "0.0" : "";
    }
  }
  // An abnormal study has something to report; without it the draw would be a normal study.
  if (noFindingFor(labels, "") === "1.0") labels[I[forcedFinding(rng)]] = "1.0";
  labels[NO_FINDING] = "";
  return labels;
}

/** NegBio reads the same reports a little differently: a few percent of cells disagree. */
export function negbioFrom(chexpert: Labels, rng: Prng): Labels {
  const out = chexpert.slice();
  for (let i = 0; i < out.length; i++) {
    if (!isPathology(i) || !rng.chance(0.03)) continue;
    const s = out[i];
    out[i] = s === "-1.0" ? "1.0" : s === "" ? (rng.chance(0.5) ? "0.0" : "") : s === "1.0" ? (rng.chance(0.3) ? "-1.0" : "1.0") : "";
  }
  out[NO_FINDING] = noFindingFor(out, "");
  return out;
}

/** The 2.1.0 test set's radiologist labels: mostly decided, uncertainty mostly resolved. */
export function radiologistLabelsFrom(chexpert: Labels, rng: Prng): Labels {
  const out = chexpert.map((s, i): LabelState => {
    if (!isPathology(i) && i !== DEVICES) return s;
    if (s === "1.0") return rng.chance(0.93) ? "1.0" : "0.0";
    if (s === "-1.0") return rng.chance(0.45) ? "1.0" : rng.chance(0.64) ? "0.0" : "-1.0";
    if (s === "") return rng.chance(0.35) ? "0.0" : "";
    return s;
  });
  out[NO_FINDING] = noFindingFor(out, "0.0");
  return out;
}
