"use client";
import Link from "next/link";
import { useRouter } from "next/navigation";
import { useState } from "react";
import { postJson } from "@/components/post-json";
import type { Selection } from "@/lib/downloads/selection";

/**
 * "Fetch these images from PhysioNet" on a study page: a download job of exactly the study's images
 * that are not in lab storage, under the member's own PhysioNet account. The job is prepared (file
 * list, size) and waits on its page for the member to start it, like any other.
 */
export function FetchStudyImages(props: { datasetId: string; selection: Selection & { mode: "paths" }; physionetUsername: string | null; savedPassword: boolean }) {
  const router = useRouter();
  const [password, setPassword] = useState("");
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const count = props.selection.paths.length;
  if (!props.physionetUsername) {
    return <p className="muted" data-testid="fetch-study-images">Record your PhysioNet username on your <Link prefetch={false} href="/credentialing">checklist</Link> to fetch these images from PhysioNet.</p>;
  }
  async function submit(e: React.FormEvent) {
    e.preventDefault();
    setBusy(true);
    setError(null);
    const r = await postJson<{ id: string }>("/api/downloads", { datasetId: props.datasetId, selection: props.selection, password: password || undefined, keepPassword: false, concurrency: Math.min(count, 4) });
    setPassword("");
    if (!r.ok) {
      setBusy(false);
      return setError(r.error);
    }
    router.push(`/downloads/${r.data.id}`);
  }
  return (
    <form onSubmit={submit} data-testid="fetch-study-images" className="inline">
      <span>{count === 1 ? "1 image of this study is" : `${count} images of this study are`} not in lab storage.</span>
      {!props.savedPassword && (
        <label>
          PhysioNet password for <strong>{props.physionetUsername}</strong>
          <input type="password" autoComplete="off" value={password} onChange={(e) => setPassword(e.target.value)} required />
        </label>
      )}
      <button type="submit" disabled={busy}>{busy ? "Preparing…" : "Fetch these images from PhysioNet"}</button>
      {error && <p className="error" role="alert">{error}</p>}
    </form>
  );
}
