"use client";
import { useEffect, useState } from "react";
import { postJson } from "@/components/post-json";
import type { ImportStatus } from "@/lib/mimic/import-jobs/import-jobs";

const mb = (n: number) => `${(n / 1e6).toFixed(1)} MB`;

/** Starts an import and follows its progress row until it ends. */
export function ImportPanel({ apiUrl, initial }: { apiUrl: string; initial: ImportStatus | null }) {
  const [dir, setDir] = useState("");
  const [status, setStatus] = useState<ImportStatus | null>(initial);
  const [error, setError] = useState<string | null>(null);
  // When the shown status was fetched: the rate of a running import is measured up to then.
  const [seenAt, setSeenAt] = useState<number | null>(null);
  const running = status?.status === "running";

  useEffect(() => {
    if (!running) return;
    const timer = setInterval(async () => {
      const res = await fetch(apiUrl, { cache: "no-store" });
      if (res.ok) {
        setStatus(((await res.json()) as { import: ImportStatus | null }).import);
        setSeenAt(Date.now());
      }
    }, 1000);
    return () => clearInterval(timer);
  }, [running, apiUrl]);

  async function start(e: React.FormEvent) {
    e.preventDefault();
    setError(null);
    const r = await postJson<{ import: ImportStatus | null }>(apiUrl, { dir });
    if (!r.ok) return setError(r.fieldErrors?.dir?.[0] ?? r.error);
    setStatus(r.data.import);
    setSeenAt(Date.now());
  }

  const pct = status && status.bytesTotal ? Math.min(100, Math.round((status.bytesDone / status.bytesTotal) * 100)) : 0;
  const seconds = status ? ((status.finishedAt ? Date.parse(status.finishedAt) : (seenAt ?? Date.parse(status.startedAt))) - Date.parse(status.startedAt)) / 1000 : 0;
  return (
    <>
      <form onSubmit={start} className="row">
        <label>
          Directory in lab storage
          <input value={dir} onChange={(e) => setDir(e.target.value)} placeholder="mimic-cxr-jpg/2.1.0" required />
        </label>
        <button type="submit" disabled={running}>{running ? "Importing…" : "Import"}</button>
      </form>
      {error && <p className="error" role="alert">{error}</p>}
      {status && (
        <div data-testid="import-status">
          <p>
            Last import: <span className={`badge ${status.status === "failed" ? "denied" : "ok"}`}>{status.status}</span> {status.phase ?? ""}
          </p>
          <progress max={100} value={status.status === "succeeded" || status.status === "unchanged" ? 100 : pct} aria-label="Import progress" />
          <p className="muted">
            {mb(status.bytesDone)} of {mb(status.bytesTotal)} · {status.rowsDone.toLocaleString("en-US")} rows
            {seconds > 0 ? ` · ${Math.round(status.rowsDone / seconds).toLocaleString("en-US")} rows/s` : ""}
          </p>
          {status.error && <p className="error" role="alert">{status.error}</p>}
          {status.counts && (
            <p data-testid="import-counts">
              {Object.entries(status.counts).map(([k, v]) => `${k} ${v.toLocaleString("en-US")}`).join(" · ")}
            </p>
          )}
        </div>
      )}
    </>
  );
}
