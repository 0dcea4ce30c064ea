"use client";
import { useRouter } from "next/navigation";
import { useState } from "react";
import { postJson } from "@/components/post-json";

// The checklist's forms all post JSON, show the server's message (field errors included) and
// refresh the page's server data when the change went through.
export function useSubmit<T = unknown>(url: string) {
  const router = useRouter();
  const [error, setError] = useState<string | null>(null);
  const [fieldErrors, setFieldErrors] = useState<Record<string, string[]>>({});
  const [busy, setBusy] = useState(false);
  async function submit(body: unknown): Promise<T | null> {
    setBusy(true);
    setError(null);
    setFieldErrors({});
    const res = await postJson<T>(url, body);
    setBusy(false);
    if (!res.ok) {
      setError(res.error);
      setFieldErrors(res.fieldErrors ?? {});
      return null;
    }
    router.refresh();
    return res.data;
  }
  return { submit, error, fieldErrors, busy, setError };
}

export function FieldError({ errors, name }: { errors: Record<string, string[]>; name: string }) {
  const message = errors[name]?.[0];
  return message ? <span className="error small" role="alert">{message}</span> : null;
}
