import { z } from "zod";
import { componentIdSchema, flowIdSchema, handle, json, params } from "../../../../../lib/api";
import { getDb } from "../../../../../lib/db";
import { ApiError, nodeCall, resumeFlow } from "../../../../../lib/flow-service";

export const dynamic = "force-dynamic";

/**
 * A processor's or connection's status history: its last hour at 1-minute resolution
 * (`{ kind, name, resolutionMs, points: [{ time, in, out, inBytes, outBytes, queued,
 * queuedBytes, tasks? }] }`; in cluster mode summed over the nodes, with `nodes` and
 * `unavailable`). 404 for an unknown flow or component, 409 `not-deployed` while the flow is not
 * deployed (the node keeps history only for what it runs).
 */
export function GET(req: Request, ctx: { params: Promise<{ id: string; componentId: string }> }) {
  return handle(req, async () => {
    const { id, componentId } = await params(ctx, z.object({ id: flowIdSchema, componentId: componentIdSchema }));
    if (!(await getDb().flow.findUnique({ where: { id }, select: { id: true } }))) throw new ApiError(404, `no flow with id "${id}"`);
    await resumeFlow(id);
    return json(await nodeCall((n) => n.statusHistory(id, componentId)));
  });
}
