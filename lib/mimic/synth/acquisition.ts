import { dicomIdFrom } from "./ids";
import { weighted, type Prng } from "./prng";

/**
 * How a study was acquired: the procedure, how many images, their view positions, sizes and the
 * DICOM code meanings the JPG metadata file carries. Proportions follow the real metadata (AP ~39%,
 * PA ~26%, LATERAL ~22%, LL ~9%, empty ~4% of 377,110 images; ~1.65 images per study).
 */
export type SynthImage = {
  dicomId: string;
  view: string;
  viewCode: string;
  orientation: string;
  rows: number;
  columns: number;
};

export type Acquisition = {
  procedure: string;
  /** PerformedProcedureStepDescription: the procedure, occasionally missing. */
  performed: string;
  portable: boolean;
  images: SynthImage[];
};

type Kind = "pa-lat" | "portable" | "single" | "line";

const PROCEDURES: Record<Kind, readonly (readonly [string, number])[]> = {
  "pa-lat": [
    ["CHEST (PA AND LAT)", 90],
    ["CHEST (PRE-OP PA AND LAT)", 6],
    ["CHEST (PA AND LAT) PORT", 1],
    ["CHEST (AP AND LAT)", 3],
  ],
  portable: [
    ["CHEST (PORTABLE AP)", 94],
    ["TRAUMA #2 (AP CXR AND PELVIS PORT)", 3],
    ["PORTABLE CHEST", 3],
  ],
  single: [["CHEST (SINGLE VIEW)", 1]],
  line: [
    ["CHEST PORT. LINE PLACEMENT", 70],
    ["DX CHEST PORTABLE PICC LINE PLACEMENT", 30],
  ],
};
const pickProcedure = Object.fromEntries(Object.entries(PROCEDURES).map(([k, t]) => [k, weighted(t)])) as Record<Kind, (rng: Prng) => string>;

const VIEW_CODES: Record<string, string> = {
  PA: "postero-anterior",
  AP: "antero-posterior",
  LATERAL: "lateral",
  LL: "left lateral",
  "AP AXIAL": "antero-posterior",
  "AP LLD": "antero-posterior",
  "AP RLD": "antero-posterior",
  "PA LLD": "postero-anterior",
  "PA RLD": "postero-anterior",
  LAO: "left anterior oblique",
  RAO: "right anterior oblique",
  LPO: "left posterior oblique",
  SWIMMERS: "lateral",
  "XTABLE LATERAL": "lateral",
};
const RARE_VIEWS = ["AP AXIAL", "AP LLD", "AP RLD", "PA LLD", "PA RLD", "LAO", "RAO", "LPO", "SWIMMERS", "XTABLE LATERAL"] as const;

const SIZES = {
  upright: weighted<readonly [number, number]>([
    [[3056, 2544], 55],
    [[2544, 3056], 15],
    [[3050, 2539], 12],
    [[2539, 3050], 8],
    [[3032, 2520], 5],
    [[2048, 2500], 5],
  ]),
  portable: weighted<readonly [number, number]>([
    [[2539, 3050], 30],
    [[3050, 2539], 22],
    [[2544, 3056], 18],
    [[2022, 2022], 10],
    [[2021, 2021], 6],
    [[2500, 2048], 8],
    [[2705, 2539], 6],
  ]),
};

const pickKind = weighted<Kind>([
  ["pa-lat", 49],
  ["portable", 41],
  ["single", 4],
  ["line", 6],
]);

function lateral(rng: Prng): string {
  return rng.chance(0.72) ? "LATERAL" : "LL";
}

/** The view positions of one study, before blanks and rare views are sprinkled in. */
function viewsFor(kind: Kind, rng: Prng): string[] {
  const r = rng.float();
  if (kind === "pa-lat") {
    if (r < 0.04) return ["PA"];
    if (r < 0.87) return ["PA", lateral(rng)];
    if (r < 0.97) return ["PA", lateral(rng), rng.chance(0.5) ? "PA" : lateral(rng)];
    return ["PA", lateral(rng), "PA", lateral(rng)];
  }
  if (kind === "single") return [rng.chance(0.6) ? "AP" : "PA"];
  if (r < 0.78) return ["AP"];
  if (r < 0.92) return ["AP", rng.chance(0.6) ? "AP" : lateral(rng)];
  return ["AP", "AP", rng.chance(0.5) ? "AP" : lateral(rng)];
}

export function acquire(rng: Prng, opts: { sickness: number }): Acquisition {
  // Sicker (more often imaged) patients are more often filmed at the bedside.
  const kind = rng.chance(opts.sickness * 0.15) ? "portable" : pickKind(rng);
  const procedure = pickProcedure[kind](rng);
  const portable = kind === "portable" || kind === "line";
  const images = viewsFor(kind, rng).map((planned): SynthImage => {
    const view = rng.chance(0.0004) ? rng.pick(RARE_VIEWS) : rng.chance(0.042) ? "" : planned;
    const upright = !portable || rng.chance(0.15);
    const [rows, columns] = (upright ? SIZES.upright : SIZES.portable)(rng);
    const orientation = rng.chance(portable ? 0.1 : 0.03) ? "" : portable && rng.chance(0.4) ? "Recumbent" : "Erect";
    const viewCode = view === "" ? (rng.chance(0.5) ? "" : VIEW_CODES[planned]!) : VIEW_CODES[view]!;
    return { dicomId: dicomIdFrom(rng), view, viewCode, orientation, rows, columns };
  });
  images.sort((a, b) => (a.dicomId < b.dicomId ? -1 : 1));
  return { procedure, performed: rng.chance(0.01) ? "" : procedure, portable, images };
}
