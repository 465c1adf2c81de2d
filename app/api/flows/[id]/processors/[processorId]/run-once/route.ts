import { z } from "zod";
import { componentIdSchema, flowIdSchema, handle, json, params } from "../../../../../../lib/api";
import { audit } from "../../../../../../lib/audit";
import { restrictedGuard } from "../../../../../../lib/auth/restricted";
import { ApiError, getEditorFlow, nodeCall, resumeFlow } from "../../../../../../lib/flow-service";

export const dynamic = "force-dynamic";

type Ctx = { params: Promise<{ id: string; processorId: string }> };
const paramsSchema = z.object({ id: flowIdSchema, processorId: componentIdSchema });

/**
 * NiFi's "Run Once": triggers a stopped, valid processor of a deployed flow once and leaves it
 * stopped. What it queued waits for its consumers. 404 for an unknown processor, 409 when the
 * flow is not deployed or the processor is not stopped or is invalid; a restricted processor
 * needs its `restricted:<kind>` permissions as starting it does (403). Audited as a start of
 * that one processor with `runOnce: true`. The run state in the flow document does not change.
 */
export function POST(req: Request, ctx: Ctx) {
  return handle(req, async (who) => {
    const { id, processorId } = await params(ctx, paramsSchema);
    const { document: doc } = await getEditorFlow(id);
    if (!doc.processors.some((p) => p.id === processorId)) throw new ApiError(404, `no processor with id "${processorId}" in this flow`);
    // Running once uses the processor as starting it would: the same restricted-component check.
    const started = { ...doc, processors: doc.processors.map((p) => (p.id === processorId ? { ...p, state: "running" as const } : p)) };
    await restrictedGuard(who, "start", id)(doc, started);
    await resumeFlow(id);
    if (!(await nodeCall((n) => n.deployments())).some((d) => d.flowId === id)) {
      throw new ApiError(409, "The flow is not deployed: start it once first (Run once triggers a stopped processor of a deployed flow).", [], "not-deployed");
    }
    await nodeCall((n) => n.runOnce(id, processorId));
    await audit(who, "flow-start", { flowId: id, componentId: processorId, details: { processors: [processorId], runOnce: true } });
    return json({ ok: true });
  });
}
