import { z } from "zod";
import { componentIdSchema, flowIdSchema, handle, json, params } from "../../../../../../lib/api";
import { audit } from "../../../../../../lib/audit";
import { emptyQueue, listQueue } from "../../../../../../lib/flow-service";

export const dynamic = "force-dynamic";

type Ctx = { params: Promise<{ id: string; connectionId: string }> };
const paramsSchema = z.object({ id: flowIdSchema, connectionId: componentIdSchema });

/** The first 100 queued FlowFiles, with attributes, in the order they will be taken. */
export function GET(req: Request, ctx: Ctx) {
  return handle(req, async () => {
    const { id, connectionId } = await params(ctx, paramsSchema);
    return json(await listQueue(id, connectionId));
  });
}

/** Empties the queue (each FlowFile dropped with a DROP provenance event). */
export function DELETE(req: Request, ctx: Ctx) {
  return handle(req, async (who) => {
    const { id, connectionId } = await params(ctx, paramsSchema);
    const dropped = await emptyQueue(id, connectionId);
    await audit(who, "queue-empty", { flowId: id, componentId: connectionId, details: { dropped } });
    return json({ dropped });
  });
}
