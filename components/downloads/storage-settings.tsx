"use client";
import { useRouter } from "next/navigation";
import { useState } from "react";
import { postJson } from "@/components/post-json";

/** Steward: the lab's storage quota for downloads (empty = none). */
export function QuotaForm({ quotaBytes }: { quotaBytes: number | null }) {
  const router = useRouter();
  const [value, setValue] = useState(quotaBytes === null ? "" : String(Math.round((quotaBytes / 1024 ** 3) * 100) / 100));
  const [error, setError] = useState<string | null>(null);
  async function save(e: React.FormEvent) {
    e.preventDefault();
    setError(null);
    const r = await postJson("/api/downloads/settings", { quotaGiB: value.trim() === "" ? null : Number(value) });
    if (!r.ok) return setError(r.error);
    router.refresh();
  }
  return (
    <form onSubmit={save} className="row">
      <label>
        Quota (GiB, empty for none)
        <input type="number" min="0" step="any" value={value} onChange={(e) => setValue(e.target.value)} />
      </label>
      <button type="submit">Save quota</button>
      {error && <p className="error" role="alert">{error}</p>}
    </form>
  );
}

/** Member: forget the saved PhysioNet password. */
export function ForgetPasswordButton() {
  const router = useRouter();
  const [message, setMessage] = useState<string | null>(null);
  async function forget() {
    const r = await postJson<{ deletedNow: boolean }>("/api/downloads/credentials", { forget: true });
    if (!r.ok) return setMessage(r.error);
    setMessage(r.data.deletedNow ? "Your saved password is deleted." : "Your password will be deleted when your running downloads end.");
    router.refresh();
  }
  return (
    <span>
      <button type="button" className="linklike" onClick={forget}>Forget my saved PhysioNet password</button> {message && <span className="muted">{message}</span>}
    </span>
  );
}
