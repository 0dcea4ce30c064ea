import type { Label } from "@/lib/mimic/import/file-specs";

/**
 * What a radiologist writes for each label state. Positive and uncertain findings get their own
 * sentences; negatives are mostly gathered into one "No …, … or …." sentence using `negated`, or
 * written as `negative` where a list would read oddly. `impression` is the short restatement.
 */
export type Phrases = {
  positive: readonly string[];
  uncertain: readonly string[];
  negated?: string;
  negative?: string;
  impression: string;
  uncertainImpression: string;
};

export const PHRASES: Record<Exclude<Label, "No Finding">, Phrases> = {
  Atelectasis: {
    positive: ["Mild bibasilar atelectasis.", "Left basilar opacity most likely reflects atelectasis.", "Patchy right basilar atelectasis.", "Linear atelectasis at the left lung base."],
    uncertain: ["Retrocardiac opacity may reflect atelectasis.", "Bibasilar opacities could represent atelectasis, though aspiration is possible."],
    negated: "atelectasis",
    impression: "Bibasilar atelectasis.",
    uncertainImpression: "Possible atelectasis at the lung bases.",
  },
  Cardiomegaly: {
    positive: ["The heart is moderately enlarged.", "Moderate cardiomegaly is unchanged.", "Mild enlargement of the cardiac silhouette."],
    uncertain: ["The heart size is borderline enlarged.", "The cardiac silhouette is possibly enlarged, accentuated by low lung volumes."],
    negative: "Heart size is normal.",
    impression: "Cardiomegaly.",
    uncertainImpression: "Borderline heart size.",
  },
  Consolidation: {
    positive: ["Focal consolidation in the right lower lobe.", "Dense consolidation in the left lower lobe.", "Consolidation in the right middle lobe."],
    uncertain: ["Patchy opacity in the right lower lobe may represent early consolidation."],
    negated: "focal consolidation",
    impression: "Focal consolidation.",
    uncertainImpression: "Possible early consolidation.",
  },
  Edema: {
    positive: ["Mild pulmonary edema.", "Moderate pulmonary edema with vascular congestion.", "Interstitial pulmonary edema has increased."],
    uncertain: ["Possible mild interstitial edema.", "Hazy perihilar opacities may reflect mild pulmonary edema."],
    negated: "pulmonary edema",
    impression: "Pulmonary edema.",
    uncertainImpression: "Possible mild pulmonary edema.",
  },
  "Enlarged Cardiomediastinum": {
    positive: ["The mediastinum is widened.", "The cardiomediastinal silhouette is enlarged."],
    uncertain: ["The mediastinal contour is possibly widened, likely due to AP technique."],
    negative: "Mediastinal contours are normal.",
    impression: "Widened mediastinum.",
    uncertainImpression: "Possibly widened mediastinum.",
  },
  Fracture: {
    positive: ["There is a displaced fracture of the left posterior ninth rib.", "Acute fracture of the right seventh rib.", "Healing fracture of the left clavicle."],
    uncertain: ["Possible nondisplaced fracture of the right sixth rib."],
    negative: "No displaced rib fracture.",
    impression: "Rib fracture.",
    uncertainImpression: "Possible rib fracture; dedicated rib views could help.",
  },
  "Lung Lesion": {
    positive: ["A 1.5 cm nodule projects over the right upper lobe.", "Spiculated mass in the left upper lobe.", "A 1.5 × 1.2 cm nodule in the left mid lung."],
    uncertain: ["Nodular opacity in the right mid lung may be a nipple shadow; a pulmonary nodule is not excluded."],
    negated: "suspicious pulmonary nodules",
    impression: "Pulmonary nodule; CT is recommended.",
    uncertainImpression: "Possible nodule; repeat with nipple markers.",
  },
  "Lung Opacity": {
    positive: ["Patchy opacity in the right lower lung.", "Bilateral hazy opacities.", "Streaky opacities in the left lower lobe."],
    uncertain: ["Questionable opacity in the left lower lobe."],
    negated: "focal opacity",
    impression: "Patchy lung opacities.",
    uncertainImpression: "Questionable left lower lobe opacity.",
  },
  "Pleural Effusion": {
    positive: ["Small bilateral pleural effusions.", "Moderate right pleural effusion.", "Small left pleural effusion is unchanged.", "Layering left pleural effusion."],
    uncertain: ["Possible small left pleural effusion.", "Blunting of the right costophrenic angle may reflect a trace effusion."],
    negated: "pleural effusion",
    impression: "Pleural effusions.",
    uncertainImpression: "Possible small pleural effusion.",
  },
  "Pleural Other": {
    positive: ["Pleural thickening along the left lateral chest wall.", "Calcified pleural plaques."],
    uncertain: ["Possible apical pleural thickening."],
    negative: "No pleural thickening.",
    impression: "Pleural thickening.",
    uncertainImpression: "Possible apical pleural thickening.",
  },
  Pneumonia: {
    positive: ["Findings are concerning for pneumonia.", "Right lower lobe opacity consistent with pneumonia."],
    uncertain: ["Opacity at the left base could represent pneumonia in the appropriate clinical setting.", "Infection cannot be excluded."],
    negated: "pneumonia",
    impression: "Pneumonia.",
    uncertainImpression: "Pneumonia cannot be excluded.",
  },
  Pneumothorax: {
    positive: ["Small right apical pneumothorax.", "Moderate left pneumothorax."],
    uncertain: ["Possible tiny right apical pneumothorax."],
    negated: "pneumothorax",
    impression: "Pneumothorax.",
    uncertainImpression: "Possible tiny apical pneumothorax.",
  },
  "Support Devices": {
    positive: [
      "Endotracheal tube terminates 4 cm above the carina.",
      "Right internal jugular central venous catheter terminates in the mid SVC.",
      "Left-sided PICC terminates in the lower SVC.",
      "Enteric tube courses below the diaphragm with the tip in the stomach.",
      "Left chest wall pacemaker with leads in the right atrium and right ventricle.",
      "Median sternotomy wires are intact.",
    ],
    uncertain: ["A catheter projects over the right chest; its course is uncertain."],
    negative: "The endotracheal tube has been removed.",
    impression: "Lines and tubes as described.",
    uncertainImpression: "Uncertain catheter position.",
  },
};

export const INDICATIONS = [
  "___ year old {person} with shortness of breath  // eval for pneumonia",
  "___{sex} with cough and fever",
  "___ year old {person} with chest pain  // r/o acute process",
  "___{sex} with hypoxia  // ?edema",
  "___ year old {person} with fall  // eval for fracture",
  "Evaluate for interval change.",
  "___{sex} s/p CABG  // assess effusions",
];

export const LINE_INDICATIONS = ["___ year old {person} with new line  // line placement", "___{sex} s/p PICC placement  // PICC position"];

export const FILLERS = ["Lungs are well expanded.", "The visualized upper abdomen is unremarkable.", "Lung volumes are low.", "There is no free air below the diaphragm."];

export const NORMAL_IMPRESSIONS = ["No acute cardiopulmonary process.", "No acute intrathoracic process.", "No evidence of acute cardiopulmonary disease."];
