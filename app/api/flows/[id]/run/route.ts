import { z } from "zod";
import { componentIdSchema, flowIdSchema, handle, json, params, readBody } from "../../../../lib/api";
import { runFlow } from "../../../../lib/flow-service";

export const dynamic = "force-dynamic";

const bodySchema = z
  .object({
    action: z.enum(["start", "stop"]),
    /** Omitted: the whole flow. */
    processors: z.array(componentIdSchema).max(10_000).optional(),
  })
  .strict();

/** Starts or stops the flow or some processors: `{ action, processors? }`. */
export function POST(req: Request, ctx: { params: Promise<{ id: string }> }) {
  return handle(async () => {
    const { id } = await params(ctx, z.object({ id: flowIdSchema }));
    return json(await runFlow(id, await readBody(req, bodySchema)));
  });
}
