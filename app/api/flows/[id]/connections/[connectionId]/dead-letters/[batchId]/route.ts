import { z } from "zod";
import { componentIdSchema, flowIdSchema, handle, json, params, readBody } from "../../../../../../../lib/api";
import { audit } from "../../../../../../../lib/audit";
import { resolveDeadLetter } from "../../../../../../../lib/flow-service";

export const dynamic = "force-dynamic";

type Ctx = { params: Promise<{ id: string; connectionId: string; batchId: string }> };
const paramsSchema = z.object({
  id: flowIdSchema,
  connectionId: componentIdSchema,
  batchId: z.string().regex(/^[A-Za-z0-9_.-]{1,200}$/, "a batch id is letters, digits, '.', '_' and '-'"),
});
const bodySchema = z.object({ action: z.enum(["retry", "drop"]) }).strict();

/** Retries a dead-lettered batch (back in the queue, attempts reset) or drops it (DROP events). */
export function POST(req: Request, ctx: Ctx) {
  return handle(req, async (who) => {
    const { id, connectionId, batchId } = await params(ctx, paramsSchema);
    const { action } = await readBody(req, bodySchema);
    await resolveDeadLetter(id, connectionId, batchId, action);
    await audit(who, action === "retry" ? "dead-letter-retry" : "dead-letter-drop", { flowId: id, componentId: connectionId, details: { batchId } });
    return json({ ok: true, action, batchId });
  });
}
