import type PgBoss from "pg-boss";
import { afterAll, describe, expect, it } from "vitest";
import { defineJob, jobSender, startJobRunner, stopJobRunner, stopJobSender } from "@/lib/jobs/job-runner";
import { wakeWorkers } from "@/lib/jobs/wake-workers";
import { isolatedDatabaseForFile } from "../support/isolated-database";

// A sender's NOTIFY wakes idle pollers at once: a download a member starts does not wait for
// pg-boss's next poll. The pollers here look only every 10 minutes, so only the wake-up can run the
// job within the test.
const db = isolatedDatabaseForFile();
afterAll(async () => {
  await stopJobSender();
});

async function stateOf(boss: PgBoss, name: string, id: string) {
  return (await boss.getJobById(name, id))?.state;
}

describe("job wake-ups", () => {
  it("runs a sent job on the wake-up, long before the next poll; without one it waits", { timeout: 90_000 }, async () => {
    const ran: string[] = [];
    const job = (name: string) => defineJob<object>({ name, handle: async (data) => void ran.push(`${name}:${(data as { n: number }).n}`) });
    const boss = await startJobRunner({ connectionString: db.url(), jobs: [job("wake-a"), job("wake-b"), job("wake-b")], pollingIntervalSeconds: 600 });
    try {
      const sender = await jobSender(db.url());
      // Past the pollers' first look at start: from here on they sleep.
      await new Promise((r) => setTimeout(r, 1_500));

      // Sent without a wake-up: still waiting a while later.
      const quiet = (await sender.send("wake-a", { n: 1 }))!;
      await new Promise((r) => setTimeout(r, 3_000));
      expect(await stateOf(boss, "wake-a", quiet)).toBe("created");

      // Woken: both this job and the one that was waiting run (the queue's poller fetches all it may).
      const woken = (await sender.send("wake-b", { n: 2 }))!;
      await wakeWorkers(sender, "wake-b");
      await wakeWorkers(sender, "wake-a");
      for (const [name, id] of [["wake-b", woken], ["wake-a", quiet]] as const) {
        for (let i = 0; (await stateOf(boss, name, id)) !== "completed"; i++) {
          if (i > 300) throw new Error(`${name} not run after its wake-up`);
          await new Promise((r) => setTimeout(r, 100));
        }
      }
      expect(ran.sort()).toEqual(["wake-a:1", "wake-b:2"]);
    } finally {
      await stopJobRunner(boss, { timeoutMs: 5_000 });
    }
  });
});
