import { describe, expect, it } from "vitest";
import { ACCESS_STEP_IDS, decideAccess } from "@/lib/credentialing/access-rule";
import { DEFAULT_LAB_ACCESS_POLICY } from "@/lib/credentialing/policy";
import { checklistProgress, STEP_GUIDE } from "@/lib/credentialing/step-guide";
import { CXR_210, NOW, dataset, grantedFacts, training } from "./access-fixtures";

// The member's checklist: "N of M done", the report's own dates (not the upload date), and a guide
// for every step the rule can show.

const decide = (facts = grantedFacts()) => decideAccess({ dataset: dataset(CXR_210.version as "2.1.0"), facts, policy: DEFAULT_LAB_ACCESS_POLICY, now: NOW });

describe("member checklist", () => {
  it("counts done steps out of the version's steps", () => {
    const granted = decide();
    // Verification is optional evidence: missing, yet access is granted.
    expect(checklistProgress(granted.steps)).toEqual({ done: 5, total: 6 });
    const noTraining = decide(grantedFacts({ trainings: [], grants: [] }));
    expect(checklistProgress(noTraining.steps)).toEqual({ done: 3, total: 6 });
  });

  it("names the CITI report by its completion date and CITI expiry, not by when it was uploaded", () => {
    const withDates = { completionDate: "2025-01-02", expirationDate: "2028-01-02" };
    const done = decide(grantedFacts({ trainings: [training(withDates)] })).steps.find((s) => s.id === "training")!;
    expect(done.summary).toContain("(completed 2025-01-02, CITI expiry 2028-01-02) accepted on");
    const pending = decide(grantedFacts({ trainings: [training({ ...withDates, status: "pending", acceptedAt: null })] })).steps.find((s) => s.id === "training")!;
    expect(pending.summary).toBe("CITI Data or Specimens Only Research: your Completion Report (completed 2025-01-02, CITI expiry 2028-01-02) is awaiting steward review");
    expect(pending.summary).not.toContain("2025-01-08");
  });

  it("explains every step: what it means, how long it takes; PhysioNet and CITI links are https", () => {
    for (const id of ACCESS_STEP_IDS) {
      expect(STEP_GUIDE[id].meaning.length).toBeGreaterThan(20);
      expect(STEP_GUIDE[id].takes).not.toBe("");
      for (const w of STEP_GUIDE[id].where) expect(w.href).toMatch(/^https:\/\/physionet\.org\//);
    }
  });
});
