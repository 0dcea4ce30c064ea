import { afterAll, afterEach, beforeEach, inject, vi, type MockInstance } from "vitest";
import { closeDb } from "@/lib/db/client";
import { createLogger, setLogger } from "@/lib/log/logger";
import { consoleErrors } from "./console";

process.env.DATABASE_URL = inject("databaseUrl");
process.env.NEXTAUTH_SECRET ??= "test-secret-test-secret-test-secret-0123";

// The app's log in tests: error lines go to console.error, where the guard below sees them; the rest
// would only bury the test output.
setLogger(
  createLogger({
    service: "test",
    destination: {
      write(line: string) {
        if ((JSON.parse(line) as { level: string }).level.match(/^(error|fatal)$/)) console.error(line.trimEnd());
      },
    },
  }),
);

// An unexpected console.error is a bug the test did not notice.
let errorSpy: MockInstance<typeof console.error>;
beforeEach(() => {
  consoleErrors.allowed = false;
  errorSpy = vi.spyOn(console, "error").mockImplementation(() => {});
});
afterEach(() => {
  const calls = errorSpy.mock.calls;
  errorSpy.mockRestore();
  if (calls.length > 0 && !consoleErrors.allowed) {
    throw new Error(`unexpected console.error: ${calls.map((c) => c.map(String).join(" ")).join("\n")}`);
  }
});
afterAll(async () => {
  await closeDb();
});
