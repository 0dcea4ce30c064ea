"use client";
import { useRouter } from "next/navigation";
import { useState } from "react";
import { postJson } from "@/components/post-json";

// The deadline is typed in the steward's local time and sent as an absolute instant.
export function OpenReviewForm({ defaultTitle }: { defaultTitle: string }) {
  const router = useRouter();
  const [error, setError] = useState<string | null>(null);
  const [fieldErrors, setFieldErrors] = useState<Record<string, string[]>>({});
  const [busy, setBusy] = useState(false);

  async function submit(e: React.FormEvent<HTMLFormElement>) {
    e.preventDefault();
    const form = new FormData(e.currentTarget);
    const local = String(form.get("deadline") ?? "");
    const deadline = local ? new Date(local) : null;
    if (!deadline || Number.isNaN(deadline.getTime())) return setError("Choose a deadline");
    setBusy(true);
    setError(null);
    setFieldErrors({});
    const res = await postJson<{ id: string; pairs: number }>("/api/stewardship/reviews", { title: form.get("title"), deadline: deadline.toISOString() });
    setBusy(false);
    if (!res.ok) {
      setFieldErrors(res.fieldErrors ?? {});
      return setError(res.error);
    }
    router.push(`/stewardship/reviews/${res.data.id}`);
  }

  return (
    <form onSubmit={submit} noValidate>
      <div className="row">
        <div>
          <label htmlFor="review-title">Title</label>
          <input id="review-title" name="title" defaultValue={defaultTitle} required maxLength={200} />
          {fieldErrors.title && <p className="error small">{fieldErrors.title[0]}</p>}
        </div>
        <div>
          <label htmlFor="review-deadline">Deadline</label>
          <input id="review-deadline" name="deadline" type="datetime-local" required />
          {fieldErrors.deadline && <p className="error small">{fieldErrors.deadline[0]}</p>}
        </div>
        <button type="submit" disabled={busy}>Open review</button>
      </div>
      {error && <p className="error" role="alert">{error}</p>}
    </form>
  );
}
