import { execFileSync, spawnSync } from "node:child_process";
import { existsSync } from "node:fs";

const CANDIDATES = ["/usr/bin/chromium", "/usr/bin/chromium-browser", "/usr/bin/google-chrome"];

function found(): string | null {
  if (process.env.CHROMIUM_PATH && existsSync(process.env.CHROMIUM_PATH)) return process.env.CHROMIUM_PATH;
  return CANDIDATES.find((c) => existsSync(c)) ?? null;
}

/**
 * The end-to-end suite uses Debian's Chromium; test tools may not download browsers of their own
 * here. Installs it with apt when we can (root), otherwise stops with the one command that does.
 */
export function ensureChromium(): string {
  const existing = found();
  if (existing) return existing;
  const isRoot = process.getuid?.() === 0;
  const hasApt = spawnSync("sh", ["-c", "command -v apt-get"]).status === 0;
  if (isRoot && hasApt) {
    console.log("labgate test: Chromium not found; installing Debian's chromium package…");
    execFileSync("sh", ["-c", "apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium"], { stdio: "inherit" });
    const now = found();
    if (now) return now;
  }
  throw new Error(
    hasApt
      ? "labgate test: Chromium is needed for the end-to-end tests. Install it with:\n  sudo apt-get install -y chromium"
      : "labgate test: Chromium is needed for the end-to-end tests. Install Chromium and set CHROMIUM_PATH to it.",
  );
}
