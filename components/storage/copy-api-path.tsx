"use client";
import { useState } from "react";

/** Copies the file's /api/v1 address (what `Authorization: Bearer lgt_…` code fetches) with this origin. */
export function CopyApiPath({ apiPath }: { apiPath: string }) {
  const [copied, setCopied] = useState<"yes" | "no" | null>(null);
  async function copy() {
    const url = `${window.location.origin}${apiPath}`;
    try {
      await navigator.clipboard.writeText(url);
      setCopied("yes");
    } catch {
      // No clipboard (plain http, a refused permission): the address stays selectable in the title.
      setCopied("no");
    }
  }
  return (
    <button type="button" className="secondary small" title={apiPath} data-api-path={apiPath} onClick={copy}>
      {copied === "yes" ? "Copied" : copied === "no" ? "Copy failed: see the tooltip" : "Copy API path"}
    </button>
  );
}
