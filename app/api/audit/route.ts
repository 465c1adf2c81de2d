import { z } from "zod";
import { flowIdSchema, handle, json, parseWith } from "../../lib/api";
import { MAX_AUDIT_LIMIT, searchAudit } from "../../lib/audit";
import { AUDIT_ACTIONS } from "../../lib/auth/policy";

export const dynamic = "force-dynamic";

const querySchema = z
  .object({
    flowId: flowIdSchema.optional(),
    user: z.string().min(1).max(200).optional(),
    action: z.enum(AUDIT_ACTIONS, { message: `must be one of ${AUDIT_ACTIONS.join(", ")}` }).optional(),
    limit: z.string().regex(/^\d+$/, "must be a whole number").transform(Number).pipe(z.number().min(1).max(MAX_AUDIT_LIMIT)).optional(),
  })
  .strict();

/**
 * The audit trail, newest first: `?flowId=&user=&action=&limit=` (each optional, empty means
 * any; limit 1..1000, default 200) → `{ events: [{ id, at, user, action, flowId, flowName,
 * componentId, details }] }`.
 */
export function GET(req: Request) {
  return handle(req, async () => {
    const raw = Object.fromEntries([...new URL(req.url).searchParams].filter(([, v]) => v.trim() !== ""));
    const q = parseWith(querySchema, raw, "query");
    return json({ events: await searchAudit({ flowId: q.flowId, user: q.user, action: q.action, limit: q.limit ?? 200 }) });
  });
}
