import path from "node:path";
import { defineConfig } from "vitest/config";

export default defineConfig({
  resolve: {
    alias: {
      "@": path.resolve(import.meta.dirname),
      // `server-only` throws outside React Server Components; tests call the server modules directly.
      "server-only": path.resolve(import.meta.dirname, "tests/support/server-only.ts"),
    },
  },
  test: {
    include: ["tests/**/*.test.ts"],
    environment: "node",
    globalSetup: ["tests/support/global-setup.ts"],
    setupFiles: ["tests/support/setup.ts"],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    // One PostgreSQL database per run; files run in parallel against it and make their own rows.
    pool: "forks",
    // Vitest's default is one fewer than the cores: on a 2-core machine (CI's), one file at a time.
    // Most of the suite waits on real servers and processes (throttled upstreams, workers starting),
    // so two at once nearly halves the run without starving either.
    maxWorkers: 2,
  },
});
