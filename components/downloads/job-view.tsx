"use client";
import { useEffect, useState } from "react";
import { postJson } from "@/components/post-json";
import { formatBytes, formatDuration, STATE_LABELS } from "@/lib/downloads/format";
import type { JobProgress } from "@/lib/downloads/queries";

type LiveEvent = { job: JobProgress; rate: number | null; etaSeconds: number | null };
const LIVE = new Set(["preparing", "running", "paused"]);

/** A download's live progress, streamed from the server (server-sent events), with its controls. */
export function JobView({ initial }: { initial: JobProgress }) {
  const [job, setJob] = useState(initial);
  const [rate, setRate] = useState<number | null>(null);
  const [eta, setEta] = useState<number | null>(null);
  const [stream, setStream] = useState(0);
  const [password, setPassword] = useState("");
  const [accessKeyId, setAccessKeyId] = useState("");
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const live = LIVE.has(job.state);

  useEffect(() => {
    if (!live) return;
    const source = new EventSource(`/api/downloads/${initial.id}/events`);
    source.onmessage = (e) => {
      const data = JSON.parse(e.data as string) as Partial<LiveEvent>;
      if (!data.job) return;
      setJob(data.job);
      setRate(data.rate ?? null);
      setEta(data.etaSeconds ?? null);
    };
    // The server ends each stream after a while (or at the end of the job); open a new one while it is live.
    source.addEventListener("end", () => {
      source.close();
      setTimeout(() => setStream((n) => n + 1), 500);
    });
    source.onerror = () => source.close();
    return () => source.close();
  }, [initial.id, live, stream]);

  async function act(action: "start" | "pause" | "resume" | "cancel") {
    setBusy(true);
    setError(null);
    const mirrorKeys = job.source === "mirror" && (accessKeyId || password) ? { accessKeyId, secretAccessKey: password } : undefined;
    const r = await postJson<{ job: JobProgress }>(
      `/api/downloads/${job.id}/actions`,
      job.source === "mirror" ? { action, mirrorKeys, keepPassword: false } : { action, password: password || undefined, keepPassword: false },
    );
    setPassword("");
    setAccessKeyId("");
    setBusy(false);
    if (!r.ok) return setError(r.fieldErrors?.password?.[0] ?? r.fieldErrors?.mirrorKeys?.[0] ?? r.error);
    setJob(r.data.job);
    setStream((n) => n + 1);
  }

  const handled = job.filesDone + job.filesSkipped;
  const inFlight = job.lanes.reduce((n, l) => n + l.bytesInFlight, 0);
  const badge = job.state === "completed" ? "ok" : ["failed", "incomplete", "stopped", "cancelled"].includes(job.state) ? "denied" : "";
  const canResume = job.isOwner && ["paused", "failed", "incomplete", "stopped"].includes(job.state);
  return (
    <div data-testid="download-job">
      <p>
        <span className={`badge ${badge}`} data-testid="job-state">{STATE_LABELS[job.state] ?? job.state}</span> {job.description} · {job.dataset.title} {job.dataset.version} · by {job.owner.name} ·{" "}
        <span data-testid="job-source">{job.source === "mirror" ? `from PhysioNet's cloud mirror as ${job.cloudIdentity ?? "a removed identity"}` : "from PhysioNet"}</span>
      </p>
      {job.state === "preparing" && <p className="muted">A worker is fetching SHA256SUMS.txt and asking {job.source === "mirror" ? "the mirror" : "PhysioNet"} for sizes…</p>}
      {job.filesTotal > 0 && (
        <>
          <progress max={job.filesTotal} value={handled + job.filesFailed} aria-label="Files done" />
          <p data-testid="job-files">
            {handled.toLocaleString("en-US")} of {job.filesTotal.toLocaleString("en-US")} files verified
            {job.filesSkipped > 0 ? ` (${job.filesSkipped.toLocaleString("en-US")} already in lab storage)` : ""}
            {job.filesFailed > 0 ? ` · ${job.filesFailed.toLocaleString("en-US")} failed` : ""}
          </p>
          <p data-testid="job-bytes">
            {formatBytes(job.bytesDone)} of {job.estimateExact ? "" : "about "}
            {formatBytes(job.bytesEstimate)}
            {inFlight > 0 ? ` · ${formatBytes(inFlight)} in transfer` : ""}
            {job.state === "running" && rate !== null ? <span data-testid="job-rate"> · {formatBytes(Math.round(rate))}/s</span> : null}
            {job.state === "running" && eta !== null ? <span data-testid="job-eta"> · about {formatDuration(eta)} left</span> : null}
          </p>
        </>
      )}
      {job.state === "ready" && (
        <p data-testid="job-estimate">
          Ready: {job.filesTotal.toLocaleString("en-US")} files, {job.estimateExact ? "" : "estimated "}
          {formatBytes(job.bytesEstimate)}
          {job.storageFreeAtPrepare !== null ? `; lab storage has ${formatBytes(job.storageFreeAtPrepare)} free` : ""}.
          {job.source === "physionet" && job.connectionRate !== null && job.startEstimateSeconds !== null ? (
            <span data-testid="job-start-estimate">
              {" "}
              At PhysioNet&apos;s measured {formatBytes(job.connectionRate)}/s per connection × {job.concurrency} connections: about {formatDuration(job.startEstimateSeconds)}.
            </span>
          ) : null}
        </p>
      )}
      {job.state === "ready" && job.sourceEstimates.length > 0 && (
        <ul className="small" data-testid="job-source-estimates">
          {job.sourceEstimates.map((e) => (
            <li key={e.source} data-testid={`estimate-${e.source}`}>
              {e.source === "mirror" ? "Cloud mirror" : "PhysioNet"}
              {e.source === job.source ? " (this download)" : ""}:{" "}
              {e.rate !== null && e.seconds !== null ? `about ${formatDuration(e.seconds)} at ${formatBytes(e.rate)}/s per connection × ${job.concurrency} (measured on ${e.measuredOn})` : "no measured rate yet"}
              {e.egressUsd !== null ? `; requester pays: about $${e.egressUsd.toFixed(2)} egress at $${e.egressUsdPerGb}/GB` : ""}
            </li>
          ))}
        </ul>
      )}
      {job.notice && <p className="muted">{job.notice}</p>}
      {job.error && <p className="error" role="alert" data-testid="job-error">{job.error}</p>}
      {job.lanes.length > 0 && (
        <ul className="muted small" data-testid="job-lanes">
          {job.lanes.map((l) => (
            <li key={l.lane}>connection {l.lane + 1}: {l.currentPath ?? (job.pathsHidden ? "busy" : "between files")}</li>
          ))}
        </ul>
      )}
      {job.canControl && (
        <div className="row">
          {canResume && job.source === "mirror" && (
            <label>
              Access key id (if not kept)
              <input autoComplete="off" value={accessKeyId} onChange={(e) => setAccessKeyId(e.target.value)} />
            </label>
          )}
          {canResume && (
            <label>
              {job.source === "mirror" ? "Secret (if not kept)" : "PhysioNet password (if not saved)"}
              <input type="password" autoComplete="off" value={password} onChange={(e) => setPassword(e.target.value)} />
            </label>
          )}
          {job.state === "ready" && job.isOwner && <button type="button" disabled={busy} onClick={() => act("start")}>Start download</button>}
          {job.state === "running" && <button type="button" disabled={busy} onClick={() => act("pause")}>Pause</button>}
          {canResume && <button type="button" disabled={busy} onClick={() => act("resume")}>Resume</button>}
          {!["completed", "cancelled"].includes(job.state) && <button type="button" className="linklike" disabled={busy} onClick={() => act("cancel")}>Cancel</button>}
        </div>
      )}
      {error && <p className="error" role="alert">{error}</p>}
      {job.problems.length > 0 && (
        <table data-testid="job-problems">
          <thead>
            <tr><th>File</th><th>State</th><th>Attempts</th><th>Problem</th></tr>
          </thead>
          <tbody>
            {job.problems.map((p, i) => (
              <tr key={p.path || i}>
                <td>{job.pathsHidden ? <span className="muted">hidden: you do not hold access to this dataset</span> : <code>{p.path}</code>}</td>
                <td>{p.state === "failed" ? "failed" : "retrying"}</td>
                <td>{p.attempts}</td>
                <td>{p.error}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </div>
  );
}
