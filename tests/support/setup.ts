import { afterAll, afterEach, beforeEach, inject, vi, type MockInstance } from "vitest";
import { closeDb } from "@/lib/db/client";
import { consoleErrors } from "./console";

process.env.DATABASE_URL = inject("databaseUrl");
process.env.NEXTAUTH_SECRET ??= "test-secret-test-secret-test-secret-0123";

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
