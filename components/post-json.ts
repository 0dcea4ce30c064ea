// The one way client components call our route handlers: JSON in, JSON (or a clear error) out.
export type PostResult<T> = { ok: true; data: T } | { ok: false; error: string; fieldErrors?: Record<string, string[]> };

export async function postJson<T = unknown>(url: string, body: unknown): Promise<PostResult<T>> {
  try {
    const res = await fetch(url, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) });
    const json = (await res.json().catch(() => ({}))) as { error?: string; fieldErrors?: Record<string, string[]> };
    if (!res.ok) return { ok: false, error: json.error ?? `Request failed (${res.status})`, fieldErrors: json.fieldErrors };
    return { ok: true, data: json as T };
  } catch {
    return { ok: false, error: "Could not reach labgate. Check your connection and try again." };
  }
}
