import { z } from "zod";
import { componentIdSchema, flowIdSchema, handle, json, params } from "../../../../../../lib/api";
import { emptyQueue, listQueue } from "../../../../../../lib/flow-service";

export const dynamic = "force-dynamic";

type Ctx = { params: Promise<{ id: string; connectionId: string }> };
const paramsSchema = z.object({ id: flowIdSchema, connectionId: componentIdSchema });

/** The first 100 queued FlowFiles, with attributes, in the order they will be taken. */
export function GET(_req: Request, ctx: Ctx) {
  return handle(async () => {
    const { id, connectionId } = await params(ctx, paramsSchema);
    return json(await listQueue(id, connectionId));
  });
}

/** Empties the queue (each FlowFile dropped with a DROP provenance event). */
export function DELETE(_req: Request, ctx: Ctx) {
  return handle(async () => {
    const { id, connectionId } = await params(ctx, paramsSchema);
    return json({ dropped: await emptyQueue(id, connectionId) });
  });
}
