// The PhysioNet-like test upstream the e2e app verifies against (started by playwright.config.ts):
// one version and two accounts, one holding that version and one holding nothing.
export const E2E_PHYSIONET = {
  slug: "mimic-cxr-jpg",
  version: "2.0.0",
  credentialed: { username: "e2e-credentialed", password: "e2e physionet pw:1" },
  uncredentialed: { username: "e2e-uncredentialed", password: "e2e-physionet-pw-2" },
};
