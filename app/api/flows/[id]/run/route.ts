import { z } from "zod";
import { componentIdSchema, flowIdSchema, handle, json, params, readBody } from "../../../../lib/api";
import { audit } from "../../../../lib/audit";
import { restrictedGuard } from "../../../../lib/auth/restricted";
import { runFlow } from "../../../../lib/flow-service";

export const dynamic = "force-dynamic";

const bodySchema = z
  .object({
    action: z.enum(["start", "stop"]),
    /** Omitted: the whole flow. */
    processors: z.array(componentIdSchema).max(10_000).optional(),
  })
  .strict();

/**
 * Starts or stops the flow or some processors: `{ action, processors? }`. Starting restricted
 * processors needs their `restricted:<kind>` permissions (403 otherwise, nothing changes).
 */
export function POST(req: Request, ctx: { params: Promise<{ id: string }> }) {
  return handle(req, async (who) => {
    const { id } = await params(ctx, z.object({ id: flowIdSchema }));
    const body = await readBody(req, bodySchema);
    const r = await runFlow(id, body, body.action === "start" ? restrictedGuard(who, "start", id) : undefined);
    await audit(who, body.action === "start" ? "flow-start" : "flow-stop", {
      flowId: id,
      componentId: body.processors?.length === 1 ? body.processors[0] : undefined,
      details: { processors: body.processors ?? "all", revision: r.revision, failures: r.failures.map((f) => f.id) },
    });
    return json(r);
  });
}
