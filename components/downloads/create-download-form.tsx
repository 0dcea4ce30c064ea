"use client";
import { useRouter } from "next/navigation";
import { useMemo, useState } from "react";
import { postJson } from "@/components/post-json";
import type { Selection } from "@/lib/downloads/selection";

export type DatasetOption = { id: string; slug: string; version: string; title: string };
export type CohortOption = { id: string; name: string; datasetId: string; datasetLabel: string; studyCount: number };
/** The member's cloud identity per dataset version (decision 032): only what the form shows, never a key. */
export type MirrorOption = { datasetId: string; label: string; verifiedStatus: number | null; keysKept: boolean };

type What = "everything" | "kinds" | "paths";
type Studies = "all" | "cohort" | "sample";

/** Choose a dataset version and a selection; the worker then lists the files and estimates the size before anything is fetched. */
export function CreateDownloadForm(props: {
  datasets: DatasetOption[];
  cohorts: CohortOption[];
  initialDatasetId: string | null;
  initialCohortId: string | null;
  physionetUsername: string | null;
  savedPassword: boolean;
  mirrors?: MirrorOption[];
}) {
  const router = useRouter();
  const [datasetId, setDatasetId] = useState(props.initialDatasetId ?? props.datasets[0]?.id ?? "");
  const [what, setWhat] = useState<What>(props.initialCohortId ? "kinds" : "everything");
  const [metadata, setMetadata] = useState(false);
  const [reports, setReports] = useState(false);
  const [images, setImages] = useState<"none" | "any" | "jpg" | "dcm">(props.initialCohortId ? "any" : "none");
  const [studies, setStudies] = useState<Studies>(props.initialCohortId ? "cohort" : "all");
  const [cohortId, setCohortId] = useState(props.initialCohortId ?? props.cohorts[0]?.id ?? "");
  const [percent, setPercent] = useState("10");
  const [seed, setSeed] = useState("1");
  const [paths, setPaths] = useState("");
  const [password, setPassword] = useState("");
  const [keepPassword, setKeepPassword] = useState(false);
  const [concurrency, setConcurrency] = useState("4");
  const [source, setSource] = useState<"physionet" | "mirror">("physionet");
  const [accessKeyId, setAccessKeyId] = useState("");
  const [secretAccessKey, setSecretAccessKey] = useState("");
  const [keepMirrorKeys, setKeepMirrorKeys] = useState(false);
  const mirror = props.mirrors?.find((m) => m.datasetId === datasetId) ?? null;
  const fromMirror = source === "mirror" && mirror !== null;
  const [error, setError] = useState<string | null>(null);
  const [fieldErrors, setFieldErrors] = useState<Record<string, string[]>>({});
  const [busy, setBusy] = useState(false);

  const selection = useMemo((): Selection => {
    if (what === "everything") return { mode: "filter", metadata: true, reports: true, images: "any", other: true, studies: { kind: "all" } };
    if (what === "paths") return { mode: "paths", paths: paths.split(/\r?\n/).map((p) => p.trim()).filter(Boolean) };
    const set =
      studies === "cohort" ? { kind: "cohort" as const, cohortId } : studies === "sample" ? { kind: "sample" as const, percent: Number(percent), seed: Number(seed) } : { kind: "all" as const };
    return { mode: "filter", metadata, reports, images, other: false, studies: set };
  }, [what, paths, studies, cohortId, percent, seed, metadata, reports, images]);

  async function submit(e: React.FormEvent) {
    e.preventDefault();
    setBusy(true);
    setError(null);
    setFieldErrors({});
    const keys = fromMirror && (accessKeyId || secretAccessKey) ? { accessKeyId, secretAccessKey } : undefined;
    const r = await postJson<{ id: string }>(
      "/api/downloads",
      fromMirror
        ? { datasetId, selection, source: "mirror", mirrorKeys: keys, keepMirrorKeys, concurrency: Number(concurrency) }
        : { datasetId, selection, password: password || undefined, keepPassword, concurrency: Number(concurrency) },
    );
    setPassword("");
    setSecretAccessKey("");
    setAccessKeyId("");
    if (!r.ok) {
      setBusy(false);
      setFieldErrors(r.fieldErrors ?? {});
      return setError(r.error);
    }
    router.push(`/downloads/${r.data.id}`);
  }

  if (props.datasets.length === 0) return <p className="muted">You hold access to no dataset version of your lab, so there is nothing you may download.</p>;
  return (
    <form onSubmit={submit} data-testid="create-download">
      <label>
        Dataset version
        <select value={datasetId} onChange={(e) => setDatasetId(e.target.value)} required>
          {props.datasets.map((d) => (
            <option key={d.id} value={d.id}>{d.title} {d.version} ({d.slug})</option>
          ))}
        </select>
      </label>

      <fieldset>
        <legend>What to download</legend>
        <label className="inline"><input type="radio" name="what" checked={what === "everything"} onChange={() => setWhat("everything")} /> Everything</label>
        <label className="inline"><input type="radio" name="what" checked={what === "kinds"} onChange={() => setWhat("kinds")} /> Files by kind</label>
        <label className="inline"><input type="radio" name="what" checked={what === "paths"} onChange={() => setWhat("paths")} /> A list of paths</label>
      </fieldset>

      {what === "kinds" && (
        <fieldset>
          <legend>Kinds of files</legend>
          <label className="inline"><input type="checkbox" checked={metadata} onChange={(e) => setMetadata(e.target.checked)} /> Metadata and labels (the top-level files)</label>
          <label className="inline"><input type="checkbox" checked={reports} onChange={(e) => setReports(e.target.checked)} /> Reports</label>
          <label>
            Images
            <select value={images} onChange={(e) => setImages(e.target.value as typeof images)}>
              <option value="none">no images</option>
              <option value="any">all images</option>
              <option value="jpg">JPG only</option>
              <option value="dcm">DICOM only</option>
            </select>
          </label>
          <p className="muted small">Reports and images can be limited to some studies:</p>
          <label className="inline"><input type="radio" name="studies" checked={studies === "all"} onChange={() => setStudies("all")} /> All studies</label>
          <label className="inline"><input type="radio" name="studies" checked={studies === "cohort"} onChange={() => setStudies("cohort")} disabled={props.cohorts.length === 0} /> A saved cohort</label>
          <label className="inline"><input type="radio" name="studies" checked={studies === "sample"} onChange={() => setStudies("sample")} /> A random sample</label>
          {studies === "cohort" && (
            <label>
              Cohort
              <select value={cohortId} onChange={(e) => setCohortId(e.target.value)} aria-label="Cohort">
                {props.cohorts.map((c) => (
                  <option key={c.id} value={c.id}>{c.name} — {c.studyCount.toLocaleString("en-US")} studies ({c.datasetLabel})</option>
                ))}
              </select>
            </label>
          )}
          {studies === "sample" && (
            <div className="row">
              <label>Percent of studies <input type="number" min="0.01" max="100" step="any" value={percent} onChange={(e) => setPercent(e.target.value)} /></label>
              <label>Seed (same seed, same studies) <input type="number" min="0" step="1" value={seed} onChange={(e) => setSeed(e.target.value)} /></label>
            </div>
          )}
        </fieldset>
      )}

      {what === "paths" && (
        <label>
          Paths, one per line (a folder ends with /)
          <textarea rows={6} value={paths} onChange={(e) => setPaths(e.target.value)} placeholder={"mimic-cxr-2.0.0-metadata.csv.gz\nfiles/p10/p10000032/"} />
        </label>
      )}

      <fieldset>
        <legend>Source</legend>
        <label className="inline"><input type="radio" name="source" checked={!fromMirror} onChange={() => setSource("physionet")} /> PhysioNet (GNU wget, your PhysioNet account)</label>
        <label className="inline">
          <input type="radio" name="source" checked={fromMirror} disabled={!mirror} onChange={() => setSource("mirror")} /> PhysioNet&apos;s cloud mirror
          {mirror ? ` (${mirror.label}${mirror.verifiedStatus ? `, last check HTTP ${mirror.verifiedStatus}` : ""})` : " (record and verify your cloud identity on your checklist first)"}
        </label>
      </fieldset>

      {fromMirror && mirror ? (
        <fieldset>
          <legend>Cloud access keys for {mirror.label}</legend>
          <div className="row">
            <label>Access key id{mirror.keysKept ? " (leave empty to use your kept keys)" : ""} <input autoComplete="off" value={accessKeyId} onChange={(e) => setAccessKeyId(e.target.value)} /></label>
            <label>Secret <input type="password" autoComplete="off" value={secretAccessKey} onChange={(e) => setSecretAccessKey(e.target.value)} /></label>
          </div>
          {(fieldErrors.mirrorKeys || fieldErrors["mirrorKeys.accessKeyId"] || fieldErrors["mirrorKeys.secretAccessKey"]) && (
            <p className="error">{(fieldErrors.mirrorKeys ?? fieldErrors["mirrorKeys.accessKeyId"] ?? fieldErrors["mirrorKeys.secretAccessKey"])![0]}</p>
          )}
          <label className="inline"><input type="checkbox" checked={keepMirrorKeys} onChange={(e) => setKeepMirrorKeys(e.target.checked)} /> Keep these keys (encrypted) for later downloads</label>
          <p className="muted small">The keys are encrypted before they are stored, used only by the worker, and deleted when the download ends unless you keep them.</p>
        </fieldset>
      ) : (
      <fieldset>
        <legend>PhysioNet account {props.physionetUsername ? <strong>{props.physionetUsername}</strong> : null}</legend>
        <label>
          PhysioNet password{props.savedPassword ? " (leave empty to use your saved one)" : ""}
          <input type="password" autoComplete="off" value={password} onChange={(e) => setPassword(e.target.value)} required={!props.savedPassword} />
        </label>
        {fieldErrors.password && <p className="error">{fieldErrors.password[0]}</p>}
        <label className="inline">
          <input type="checkbox" checked={keepPassword} onChange={(e) => setKeepPassword(e.target.checked)} /> Keep my password (encrypted) for later downloads
        </label>
        <p className="muted small">The password is encrypted before it is stored, given to wget only through a private file, and deleted when the download ends unless you keep it.</p>
      </fieldset>
      )}

      <label>
        Parallel connections, at most (a job starts with two and adds more while PhysioNet keeps up)
        <input type="number" min="1" max="8" value={concurrency} onChange={(e) => setConcurrency(e.target.value)} />
      </label>
      {error && <p className="error" role="alert">{error}</p>}
      <button type="submit" disabled={busy}>{busy ? "Preparing…" : "Prepare download"}</button>
    </form>
  );
}
