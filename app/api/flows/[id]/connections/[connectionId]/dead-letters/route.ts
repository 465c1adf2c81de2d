import { z } from "zod";
import { componentIdSchema, flowIdSchema, handle, json, params } from "../../../../../../lib/api";
import { deadLetters } from "../../../../../../lib/flow-service";

export const dynamic = "force-dynamic";

type Ctx = { params: Promise<{ id: string; connectionId: string }> };
const paramsSchema = z.object({ id: flowIdSchema, connectionId: componentIdSchema });

/** A distributed connection's dead-letter list (batches that kept failing), newest first; attributes only, no content. */
export function GET(req: Request, ctx: Ctx) {
  return handle(req, async () => {
    const { id, connectionId } = await params(ctx, paramsSchema);
    return json({ batches: await deadLetters(id, connectionId) });
  });
}
