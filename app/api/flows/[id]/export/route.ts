import { z } from "zod";
import { flowIdSchema, handle, params } from "../../../../lib/api";
import { exportFlow } from "../../../../lib/flow-service";

export const dynamic = "force-dynamic";

/** Downloads the flow file exactly as `sluice run` reads it (sensitive values left out). */
export function GET(req: Request, ctx: { params: Promise<{ id: string }> }) {
  return handle(req, async () => {
    const { id } = await params(ctx, z.object({ id: flowIdSchema }));
    const { fileName, document } = await exportFlow(id);
    return new Response(`${JSON.stringify(document, null, 2)}\n`, {
      headers: {
        "Content-Type": "application/json; charset=utf-8",
        "Content-Disposition": `attachment; filename="${fileName}"`,
        "Cache-Control": "no-store",
      },
    });
  });
}
