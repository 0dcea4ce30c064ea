import path from "node:path";

// Parallel runs on one machine (several developers' builds) each set E2E_RESULTS_DIR; `npm test` uses
// the default. Shared by the config, the global setup and the specs that keep files of a run there.
export const E2E_RESULTS_DIR = path.resolve(process.env.E2E_RESULTS_DIR ?? "test-results");
