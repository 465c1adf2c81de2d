/**
 * Network-level checks of a request, before anyone asks who sent it (docs/security.md,
 * "Network exposure"):
 * - the `Host` header must name this server (localhost, 127.0.0.1, [::1], SLUICE_HOST and the
 *   comma-separated SLUICE_ALLOWED_HOSTS; the port is not compared), else 421: a DNS-rebinding
 *   page reaches the socket under a name of its own;
 * - a state-changing request (POST, PUT, PATCH, DELETE) must come from the server's own origin:
 *   an `Origin` whose host is the `Host`, or without Origin a `Sec-Fetch-Site: same-origin`,
 *   else 403. A request carrying `Authorization: Bearer` is exempt (a browser never adds one on
 *   its own, so a cross-site page cannot forge it);
 * - its body must be JSON (`Content-Type: application/json`), else 415; a route that reads no
 *   body may leave the header out.
 *
 * Pure functions of the request's method and headers plus the environment, read once.
 */

/** A refusal: the status and the JSON body to answer with. */
export interface Refusal {
  status: number;
  error: string;
  code: string;
}

const STATE_CHANGING = new Set(["POST", "PUT", "PATCH", "DELETE"]);

/** True for POST, PUT, PATCH and DELETE. */
export function isStateChanging(method: string): boolean {
  return STATE_CHANGING.has(method.toUpperCase());
}

let allowedHostsCache: Set<string> | undefined;

/** Host names (lower case, IPv6 in brackets) this server answers to. */
export function allowedHosts(): Set<string> {
  if (!allowedHostsCache) {
    const names = ["localhost", "127.0.0.1", "[::1]"];
    const bind = process.env.SLUICE_HOST?.trim();
    // A wildcard bind address is not a name anyone can use: list real names in SLUICE_ALLOWED_HOSTS.
    if (bind && bind !== "0.0.0.0" && bind !== "::" && bind !== "[::]") names.push(bind);
    for (const h of (process.env.SLUICE_ALLOWED_HOSTS ?? "").split(",")) if (h.trim()) names.push(h.trim());
    allowedHostsCache = new Set(names.map(normalizeHostName));
  }
  return allowedHostsCache;
}

/** "Example.COM" → "example.com"; "::1" → "[::1]". */
function normalizeHostName(name: string): string {
  const n = name.toLowerCase();
  return n.includes(":") && !n.startsWith("[") ? `[${n}]` : n;
}

/** The host name of a Host header value ("[::1]:3000" → "[::1]"), or undefined when malformed. */
export function hostNameOf(host: string): string | undefined {
  const m = /^(\[[0-9a-f:.]+\]|[a-z0-9.-]+)(?::(\d{1,5}))?$/i.exec(host.trim());
  return m ? m[1]!.toLowerCase() : undefined;
}

/** Whether the Host header names this server. */
export function hostAllowed(host: string | null): boolean {
  if (!host) return false;
  const name = hostNameOf(host);
  return name !== undefined && allowedHosts().has(name);
}

function sameOrigin(headers: Headers): boolean {
  const origin = headers.get("origin");
  const host = headers.get("host")?.toLowerCase();
  if (origin) {
    try {
      return new URL(origin).host.toLowerCase() === host;
    } catch {
      return false;
    }
  }
  return headers.get("sec-fetch-site") === "same-origin";
}

/** Whether the request carries an `Authorization: Bearer` header. */
export function hasBearer(headers: Headers): boolean {
  return /^bearer\s+\S/i.test(headers.get("authorization") ?? "");
}

function isJson(contentType: string): boolean {
  const type = contentType.split(";")[0]!.trim().toLowerCase();
  return type === "application/json";
}

/** The Host check alone (every request, pages included). */
export function checkHost(headers: Headers): Refusal | undefined {
  if (hostAllowed(headers.get("host"))) return undefined;
  return { status: 421, error: "this server does not answer to that host name (see SLUICE_ALLOWED_HOSTS)", code: "misdirected" };
}

/**
 * All checks for an API request. `body` is what the route reads ("none": no body, so the
 * Content-Type may be absent). Undefined when the request may go on.
 */
export function checkRequest(method: string, headers: Headers, body: "json" | "none"): Refusal | undefined {
  const host = checkHost(headers);
  if (host) return host;
  if (!isStateChanging(method)) return undefined;
  if (!hasBearer(headers) && !sameOrigin(headers)) {
    return { status: 403, error: "cross-origin request refused: state-changing requests must come from this server's own pages", code: "cross-origin" };
  }
  const contentType = headers.get("content-type");
  if (contentType ? !isJson(contentType) : body === "json") {
    return { status: 415, error: "Content-Type must be application/json", code: "unsupported-media-type" };
  }
  return undefined;
}
