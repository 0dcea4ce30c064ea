// A small client of labgate's /api/v1 for the `labgate` command. It carries the token on every
// request and turns a refusal (401/403) into an error the pull stops on at once: a revoked token or
// ended access must end the pull, not be retried.

export class RefusedError extends Error {
  constructor(
    public readonly status: number,
    message: string,
  ) {
    super(message);
    this.name = "RefusedError";
  }
}

export class HttpError extends Error {
  constructor(
    public readonly status: number,
    message: string,
  ) {
    super(message);
    this.name = "HttpError";
  }
}

export type ApiClient = {
  baseUrl: string;
  get(path: string, init?: { headers?: Record<string, string>; signal?: AbortSignal }): Promise<Response>;
  getJson<T>(path: string, signal?: AbortSignal): Promise<T>;
};

async function errorText(res: Response): Promise<string> {
  const text = await res.text().catch(() => "");
  try {
    return (JSON.parse(text) as { error?: string }).error ?? `HTTP ${res.status}`;
  } catch {
    return `HTTP ${res.status}`;
  }
}

export function createApiClient(opts: { baseUrl: string; token: string }): ApiClient {
  const baseUrl = opts.baseUrl.replace(/\/+$/, "");
  async function get(path: string, init: { headers?: Record<string, string>; signal?: AbortSignal } = {}): Promise<Response> {
    const res = await fetch(`${baseUrl}${path}`, { headers: { authorization: `Bearer ${opts.token}`, ...init.headers }, signal: init.signal, redirect: "error" });
    if (res.status === 401 || res.status === 403) throw new RefusedError(res.status, await errorText(res));
    return res;
  }
  return {
    baseUrl,
    get,
    async getJson<T>(path: string, signal?: AbortSignal): Promise<T> {
      const res = await get(path, { signal });
      if (!res.ok) throw new HttpError(res.status, await errorText(res));
      return (await res.json()) as T;
    },
  };
}

/** A dataset path segment for the API: slug and version as PhysioNet spells them. */
export function datasetPath(d: { slug: string; version: string }): string {
  return `/api/v1/datasets/${encodeURIComponent(d.slug)}/${encodeURIComponent(d.version)}`;
}
