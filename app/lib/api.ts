/**
 * Route handler plumbing: every handler runs inside `handle`, which is where access is decided
 * for the whole API (docs/security.md), and validates its input with zod; errors are JSON
 * `{ error, code?, problems? }` with a 4xx status, the field paths named in `error`. Nothing a
 * request carries can make a handler throw past `handle`.
 */
import { z } from "zod";
import { formatPath } from "./engine-client";
import { ApiError } from "./flow-service";
import { HTTP_METHODS, matchRoute, type HttpMethod } from "./auth/policy";
import { checkRequest } from "./auth/request-guard";
import { ANONYMOUS, authenticate, type Principal } from "./auth/session";

/** JSON answer. */
export function json(data: unknown, status = 200): Response {
  return Response.json(data, { status, headers: { "Cache-Control": "no-store" } });
}

function problemsOf(error: z.ZodError): Array<{ path: string; message: string }> {
  return error.issues.map((i) => ({ path: formatPath(i.path), message: i.message }));
}

/** Parses `value` with `schema`; a failure is a 400 ApiError naming every field path. */
export function parseWith<T>(schema: z.ZodType<T>, value: unknown, what = "request body"): T {
  const r = schema.safeParse(value);
  if (r.success) return r.data;
  const problems = problemsOf(r.error);
  throw new ApiError(400, `invalid ${what}: ${problems.map((p) => `${p.path}: ${p.message}`).join("; ")}`, problems);
}

/** Reads a JSON body and validates it. 400 when it is not JSON or does not match. */
export async function readBody<T>(req: Request, schema: z.ZodType<T>): Promise<T> {
  let body: unknown;
  try {
    body = await req.json();
  } catch {
    throw new ApiError(400, "request body is not valid JSON");
  }
  return parseWith(schema, body);
}

/** Row ids (cuids) and the like: what may appear in a URL path segment. */
export const flowIdSchema = z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, "not a flow id");
/** Component ids as the flow format allows them. */
export const componentIdSchema = z.string().min(1).max(200);

/** The answer to a request without a valid session or token: the same for every reason. */
function unauthenticated(): Response {
  return json({ error: "authentication required: sign in, or send a valid API token", code: "unauthenticated" }, 401);
}

/**
 * Runs a route handler for `req`, deciding access first, in this order:
 * 1. the route policy (app/lib/auth/policy.ts) entry for the request's path and method; a route
 *    without one is refused (500: a programming error, never served unchecked);
 * 2. the network checks (request-guard.ts): Host (421), own origin (403 "cross-origin") and a
 *    JSON body (415) for state-changing requests;
 * 3. who sent it (a bearer token, else the session cookie): 401 when the route is not public and
 *    there is no valid credential, whatever was wrong with it;
 * 4. the permission the policy names: 403 `{ error, code: "forbidden" }` without it.
 * Then `fn` runs with the principal (ANONYMOUS on public routes); ApiError becomes its status,
 * anything else a 500 with a one-line message.
 */
export async function handle(req: Request, fn: (who: Principal) => Promise<Response>): Promise<Response> {
  try {
    // Next answers HEAD with the GET handler.
    const method = (req.method.toUpperCase() === "HEAD" ? "GET" : req.method.toUpperCase()) as HttpMethod;
    const policy = (HTTP_METHODS as readonly string[]).includes(method) ? matchRoute(new URL(req.url).pathname)?.methods[method] : undefined;
    if (!policy) {
      console.error(`sluice api error: no access policy for ${method} ${new URL(req.url).pathname} (app/lib/auth/policy.ts)`);
      return json({ error: "internal error: this route has no access policy" }, 500);
    }
    const refused = checkRequest(method, req.headers, policy.body);
    if (refused) return json({ error: refused.error, code: refused.code }, refused.status);
    let who = ANONYMOUS;
    if (policy.access !== "public") {
      const p = await authenticate(req);
      if (!p) return unauthenticated();
      who = p;
      const allowed =
        policy.access === "signed-in" || (policy.access === "session" ? p.kind === "user" : p.permissions.includes(policy.access));
      if (!allowed) {
        const needs = policy.access === "session" ? "a signed-in user (not an API token)" : `permission ${policy.access}`;
        return json({ error: `forbidden: this needs ${needs}`, code: "forbidden" }, 403);
      }
    }
    return await fn(who);
  } catch (e) {
    if (e instanceof ApiError) return json({ error: e.message, code: e.code, problems: e.problems.length ? e.problems : undefined }, e.status);
    const message = e instanceof Error ? e.message.split("\n")[0] : String(e);
    console.error("sluice api error:", e);
    return json({ error: `internal error: ${message}` }, 500);
  }
}

/** Validates route params (`{ id }` etc.). */
export async function params<T>(ctx: { params: Promise<unknown> }, schema: z.ZodType<T>): Promise<T> {
  return parseWith(schema, await ctx.params, "URL");
}
