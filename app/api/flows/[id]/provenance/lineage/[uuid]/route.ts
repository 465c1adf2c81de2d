import { z } from "zod";
import { flowIdSchema, handle, json, params } from "../../../../../../lib/api";
import { flowFileUuidSchema, provenanceLineage } from "../../../../../../lib/provenance-service";

export const dynamic = "force-dynamic";

/** The lineage of a FlowFile: `{ flowFileUuid, flowFiles, events, edges, truncated }`; 404 when it has no events. */
export function GET(req: Request, ctx: { params: Promise<{ id: string; uuid: string }> }) {
  return handle(req, async () => {
    const { id, uuid } = await params(ctx, z.object({ id: flowIdSchema, uuid: flowFileUuidSchema }));
    return json(await provenanceLineage(id, uuid));
  });
}
