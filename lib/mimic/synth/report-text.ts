import { LABELS, type Label } from "@/lib/mimic/import/file-specs";
import type { SynthStudy } from "./cohort";
import { labelIndex, type LabelState } from "./labels-model";
import { Prng } from "./prng";
import { FILLERS, INDICATIONS, LINE_INDICATIONS, NORMAL_IMPRESSIONS, PHRASES } from "./report-phrases";

/**
 * A free-text report in the real files' shape: an indented "FINAL REPORT" title (not always), then
 * "SECTION:  text" blocks separated by " \n" lines, wrapped at ~78 columns with a leading space,
 * "___" where de-identification removed something. It states exactly the study's CheXpert labels:
 * positive and uncertain labels get sentences, negative ones are negated, unmentioned ones are not
 * mentioned. Some reports lack sections, as real ones do.
 */
const WIDTH = 77;

function wrap(text: string): string {
  const out: string[] = [];
  let line = "";
  for (const word of text.split(" ")) {
    if (line.length + word.length + 1 > WIDTH && line.length > 0) {
      out.push(` ${line}`);
      line = word;
    } else line = line ? `${line} ${word}` : word;
  }
  if (line) out.push(` ${line}`);
  return out.join("\n");
}

function joinList(terms: string[]): string {
  if (terms.length === 1) return terms[0]!;
  return `${terms.slice(0, -1).join(", ")}${terms.length > 2 ? "," : ""} or ${terms[terms.length - 1]}`;
}

function findingsAndImpression(state: (l: Label) => LabelState, rng: Prng): { findings: string[]; negations: string[]; impression: string[] } {
  const findings: string[] = [];
  const impression: string[] = [];
  const negated: string[] = [];
  const negations: string[] = [];
  for (const label of LABELS) {
    if (label === "No Finding") continue;
    const p = PHRASES[label];
    const s = state(label);
    if (s === "1.0") {
      findings.push(rng.pick(p.positive));
      if (label === "Support Devices" && rng.chance(0.4)) findings.push(rng.pick(p.positive));
      impression.push(p.impression);
    } else if (s === "-1.0") {
      findings.push(rng.pick(p.uncertain));
      impression.push(p.uncertainImpression);
    } else if (s === "0.0") {
      if (p.negated) negated.push(p.negated);
      else negations.push(p.negative!);
    }
  }
  // Reports vary the order; the negations usually close the findings.
  for (let i = findings.length - 1; i > 0; i--) {
    const j = rng.int(i + 1);
    [findings[i], findings[j]] = [findings[j]!, findings[i]!];
  }
  if (negated.length) negations.push(`${rng.chance(0.5) ? "There is no" : "No"} ${joinList(negated)}.`);
  if (rng.chance(0.3)) findings.push(rng.pick(FILLERS));
  if (rng.chance(0.004)) findings.push("The patient is rotated approximately 15° to the left.");
  return { findings, negations, impression };
}

const EMPTY_STATE = (): LabelState => "";

export function reportText(study: SynthStudy, seed: number): string {
  const rng = new Prng(seed, study.studyId, 2);
  const labels = study.chexpert;
  const state = labels ? (l: Label) => labels[labelIndex(l)]! : EMPTY_STATE;
  const person = study.sex === "F" ? "woman" : "man";
  const fill = (t: string) => t.replace("{person}", person).replace("{sex}", study.sex);
  const lineCase = study.procedure.includes("LINE");
  const indication = fill(rng.pick(lineCase ? LINE_INDICATIONS : INDICATIONS));
  const technique = study.portable ? "Portable AP chest radiograph." : study.images.length > 1 ? "Chest PA and lateral." : "Single frontal view of the chest.";
  const comparison = study.hasPrior ? rng.pick(["___.", "Chest radiograph from ___.", "Multiple prior chest radiographs, most recently ___."]) : rng.pick(["None.", "None available."]);
  const { findings, negations, impression } = findingsAndImpression(state, rng);
  const normal = labels !== null && state("No Finding") === "1.0";
  if (normal) findings.unshift("The lungs are clear.");
  const impressionText = normal
    ? [...(state("Support Devices") === "1.0" ? ["Lines and tubes in standard position."] : []), rng.pick(NORMAL_IMPRESSIONS)].join(" ")
    : impression.length > 1 && rng.chance(0.5)
      ? impression.map((t, i) => `${i + 1}. ${t}`).join("\n")
      : impression.join(" ");

  const blocks: string[] = [];
  if (rng.chance(0.06)) blocks.push(` WET READ: ___ ___ ___ ${1 + rng.int(12)}:${String(rng.int(60)).padStart(2, "0")} AM\n${wrap(impressionText.split("\n")[0] ?? "").replace(/^ /gm, "  ")}\n ______________________________________________________________________________`);
  if (rng.chance(0.9)) blocks.push("                                 FINAL REPORT");
  const older = rng.chance(0.15);
  blocks.push(older ? ` ${study.procedure}` : ` EXAMINATION:  ${study.procedure}`);
  const sections: [string, string][] = [[older ? "HISTORY" : "INDICATION", indication]];
  if (!older && rng.chance(0.7)) sections.push(["TECHNIQUE", technique]);
  if (rng.chance(0.9)) sections.push(["COMPARISON", comparison]);
  if (labels === null) {
    // The few studies the label files leave out: no findings or impression to label.
    sections.push(["NOTE", "This study was reported as part of a multi-part exam; see the related report."]);
  } else {
    // Whatever sections a report keeps, every label stays stated somewhere in it.
    const shape = rng.float();
    if (shape >= 0.15) sections.push(["FINDINGS", [...findings, ...negations].join("  ")]);
    const impressionOnly = shape < 0.15 && negations.length ? `${impressionText}\n${negations.join("  ")}` : impressionText;
    if (shape < 0.95) sections.push([older && rng.chance(0.5) ? "CONCLUSION" : "IMPRESSION", impressionOnly]);
  }
  if (state("Pneumothorax") === "1.0" && rng.chance(0.5)) {
    sections.push(["NOTIFICATION", "The findings were discussed with Dr. ___ by Dr. ___ on the telephone on ___ at 2:14 PM, 5 minutes after discovery."]);
  }
  const body = sections.map(([name, text]) => (name === "FINDINGS" || name === "IMPRESSION" || name === "CONCLUSION" ? ` ${name}:  \n \n${text.split("\n").map(wrap).join("\n")}` : wrap(`${name}:  ${text}`)));
  return `${[...blocks.slice(0, -1), `${blocks[blocks.length - 1]!}\n \n${body.join("\n \n")}`].join("\n")}\n`;
}
