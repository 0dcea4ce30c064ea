import nextVitals from "eslint-config-next/core-web-vitals";
import nextTs from "eslint-config-next/typescript";

const config = [
  ...nextVitals,
  ...nextTs,
  { ignores: [".next/**", ".next-*/**", "node_modules/**", "data/**", "test-results/**", "test-results-*/**", "playwright-report/**", "next-env.d.ts", "bench/results/**"] },
  {
    rules: {
      // Internals must never reach a response or log by accident; logging goes through a few known places.
      "no-console": ["error", { allow: ["warn", "error", "log"] }],
      // React Compiler is not enabled, so its warning about TanStack Table memoisation does not apply.
      "react-hooks/incompatible-library": "off",
      "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_", varsIgnorePattern: "^_" }],
    },
  },
];

export default config;
