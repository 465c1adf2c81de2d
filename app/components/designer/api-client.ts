/**
 * Browser-side calls to the designer's API. Every call resolves to `{ ok: true, data }` or
 * `{ ok: false, status, error, code?, problems? }` and never throws, so a failed request shows a
 * message instead of breaking the page.
 *
 * A 401 outside /api/auth/* means the session ended (expired, logged out elsewhere, user
 * disabled): the browser goes to /login?next=<this page> and the call still resolves to its
 * failure. /api/auth/* answers 401 for a wrong password, which its own form shows.
 */
export interface ApiFailure {
  ok: false;
  status: number;
  error: string;
  code?: string;
  problems?: Array<{ path: string; message: string }>;
}
export type ApiResult<T> = { ok: true; data: T } | ApiFailure;

/** Sends a JSON request (body optional) and parses a JSON answer. */
export async function api<T>(method: string, url: string, body?: unknown): Promise<ApiResult<T>> {
  let res: Response;
  try {
    res = await fetch(url, {
      method,
      headers: body === undefined ? undefined : { "Content-Type": "application/json" },
      body: body === undefined ? undefined : JSON.stringify(body),
      cache: "no-store",
    });
  } catch (e) {
    return { ok: false, status: 0, error: `The server cannot be reached (${(e as Error).message}).` };
  }
  let data: unknown = null;
  try {
    data = await res.json();
  } catch {
    // not JSON: handled below
  }
  if (res.ok) return { ok: true, data: data as T };
  if (res.status === 401 && !url.startsWith("/api/auth/")) {
    window.location.assign(`/login?next=${encodeURIComponent(window.location.pathname + window.location.search)}`);
  }
  const d = (data ?? {}) as { error?: string; code?: string; problems?: ApiFailure["problems"] };
  return { ok: false, status: res.status, error: d.error ?? `Request failed (HTTP ${res.status}).`, code: d.code, problems: d.problems };
}
