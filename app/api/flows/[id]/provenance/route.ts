import { z } from "zod";
import { componentIdSchema, flowIdSchema, handle, json, params, parseWith } from "../../../../lib/api";
import { flowFileUuidSchema, MAX_SEARCH_LIMIT, PROVENANCE_EVENT_TYPES, searchProvenance } from "../../../../lib/provenance-service";

export const dynamic = "force-dynamic";

const timeSchema = z.string().transform((s, ctx) => {
  const t = /^\d+$/.test(s) ? Number(s) : Date.parse(s);
  if (!Number.isFinite(t)) {
    ctx.addIssue({ code: "custom", message: "not a time: use epoch milliseconds or an ISO 8601 date" });
    return z.NEVER;
  }
  return t;
});

const querySchema = z
  .object({
    uuid: flowFileUuidSchema.optional(),
    component: componentIdSchema.optional(),
    type: z.enum(PROVENANCE_EVENT_TYPES).optional(),
    from: timeSchema.optional(),
    to: timeSchema.optional(),
    limit: z
      .string()
      .regex(/^\d+$/, "must be a whole number")
      .transform(Number)
      .pipe(z.number().min(1).max(MAX_SEARCH_LIMIT))
      .optional(),
    attr: z.record(z.string().min(1, "attribute name is empty").max(200), z.string().max(4096)).optional(),
  })
  .strict()
  .superRefine((q, ctx) => {
    if (q.from !== undefined && q.to !== undefined && q.from > q.to) ctx.addIssue({ code: "custom", path: ["to"], message: "must not be before from" });
  });

/**
 * The query string as an object: `attr.<name>=<value>` pairs are gathered under `attr`, empty
 * values are left out (an empty form field means "any"), and a repeated parameter keeps its first
 * value.
 */
function queryObject(sp: URLSearchParams): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  const attr: Record<string, string> = {};
  for (const [key, value] of sp) {
    if (value.trim() === "") continue;
    if (key.startsWith("attr.")) {
      const name = key.slice("attr.".length);
      if (!(name in attr)) attr[name] = value;
    } else if (!(key in out)) out[key] = value;
  }
  if (Object.keys(attr).length) out.attr = attr;
  return out;
}

/**
 * Searches the flow's provenance, newest first:
 * `?uuid=&component=&type=&from=&to=&attr.<name>=<value>&limit=` (times as epoch millis or ISO
 * 8601; limit 1..1000, default 1000). Answers `{ events, limit }`.
 */
export function GET(req: Request, ctx: { params: Promise<{ id: string }> }) {
  return handle(req, async () => {
    const { id } = await params(ctx, z.object({ id: flowIdSchema }));
    const q = parseWith(querySchema, queryObject(new URL(req.url).searchParams), "query");
    return json(
      await searchProvenance(id, {
        flowFileUuid: q.uuid,
        componentId: q.component,
        type: q.type,
        from: q.from,
        to: q.to,
        attributes: q.attr,
        limit: q.limit ?? MAX_SEARCH_LIMIT,
      }),
    );
  });
}
