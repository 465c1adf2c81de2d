/**
 * Route handler plumbing: every handler validates its input with zod and answers errors as
 * JSON `{ error, problems? }` with a 4xx status, the field paths named in `error`. Nothing a
 * request carries can make a handler throw past `handle`.
 */
import { z } from "zod";
import { formatPath } from "./engine-client";
import { ApiError } from "./flow-service";

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

/** Runs a handler; ApiError becomes its status, anything else a 500 with a one-line message. */
export async function handle(fn: () => Promise<Response>): Promise<Response> {
  try {
    return await fn();
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
