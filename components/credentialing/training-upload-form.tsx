"use client";
import { useRouter } from "next/navigation";
import { useState } from "react";

// Multipart, so not through postJson; errors come back as the same JSON shape.
export function TrainingUploadForm({ trainingTypes }: { trainingTypes: { slug: string; name: string }[] }) {
  const router = useRouter();
  const [error, setError] = useState<string | null>(null);
  const [done, setDone] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  async function upload(e: React.FormEvent<HTMLFormElement>) {
    e.preventDefault();
    const form = e.currentTarget;
    const data = new FormData(form);
    const file = data.get("file");
    setError(null);
    setDone(null);
    if (!(file instanceof File) || file.size === 0) return setError("Choose the Completion Report PDF to upload");
    setBusy(true);
    try {
      const res = await fetch("/api/credentialing/trainings", { method: "POST", body: data });
      const json = (await res.json().catch(() => ({}))) as { error?: string; recordId?: string; completionDate?: string };
      if (!res.ok) return setError(json.error ?? `Upload failed (${res.status})`);
      setDone(`Uploaded: completed ${json.completionDate}. A steward will review it.`);
      form.reset();
      router.refresh();
    } catch {
      setError("Could not reach labgate. Check your connection and try again.");
    } finally {
      setBusy(false);
    }
  }
  return (
    <form onSubmit={upload} noValidate>
      <div className="row">
        {trainingTypes.length > 1 && (
          <div>
            <label htmlFor="training-type">Course</label>
            <select id="training-type" name="trainingType">
              {trainingTypes.map((t) => <option key={t.slug} value={t.slug}>{t.name}</option>)}
            </select>
          </div>
        )}
        {trainingTypes.length === 1 && <input type="hidden" name="trainingType" value={trainingTypes[0]!.slug} />}
        <div>
          <label htmlFor="citi-file">CITI Completion Report (PDF, at most 5 MB)</label>
          <input id="citi-file" name="file" type="file" accept="application/pdf,.pdf" />
        </div>
        <button type="submit" disabled={busy}>{busy ? "Uploading…" : "Upload report"}</button>
      </div>
      {error && <p className="error" role="alert">{error}</p>}
      {done && <p className="ok" role="status">{done}</p>}
    </form>
  );
}
