import type { FaultRate, UpstreamFaults } from "./faults";

// The command line's compact fault syntax, e.g. `--faults reset=3,503=0.1,first-byte=1500`: a whole
// number N ≥ 1 means "every Nth file body", a fraction below 1 a probability per file body.
const RATE_NAMES: Record<string, keyof Omit<UpstreamFaults, "firstByteDelayMs" | "seed">> = {
  "503": "serviceUnavailable",
  "500": "serverError",
  reset: "resetMidBody",
  truncate: "truncateBody",
  corrupt: "corruptBody",
};

export const FAULT_SPEC_HELP = `comma-separated name=value: 503, 500, reset (RST mid-body), truncate (short body, then FIN),
                            corrupt (one byte flipped) take N (every Nth file) or a fraction (probability);
                            first-byte=<ms> delays every response; seed=<n> repeats the draws`;

export function parseFaultSpec({ spec }: { spec: string }): UpstreamFaults {
  const faults: UpstreamFaults = {};
  for (const item of spec.split(",").map((s) => s.trim()).filter(Boolean)) {
    const [name = "", valueText = "", ...extra] = item.split("=");
    const value = Number(valueText);
    if (extra.length > 0 || valueText === "" || !Number.isFinite(value) || value < 0) {
      throw new Error(`--faults: "${item}" is not name=<non-negative number>`);
    }
    if (name === "first-byte") faults.firstByteDelayMs = value;
    else if (name === "seed") faults.seed = Math.floor(value);
    else {
      const kind = RATE_NAMES[name];
      if (!kind) throw new Error(`--faults: unknown fault "${name}" (known: ${[...Object.keys(RATE_NAMES), "first-byte", "seed"].join(", ")})`);
      faults[kind] = toRate({ item, value });
    }
  }
  return faults;
}

function toRate({ item, value }: { item: string; value: number }): FaultRate {
  if (value < 1) return { probability: value };
  if (!Number.isInteger(value)) throw new Error(`--faults: "${item}": use a whole number (every Nth) or a fraction below 1`);
  return { every: value };
}
