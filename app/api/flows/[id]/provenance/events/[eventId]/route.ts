import { z } from "zod";
import { flowIdSchema, handle, json, params } from "../../../../../../lib/api";
import { eventIdSchema, provenanceEventDetail } from "../../../../../../lib/provenance-service";

export const dynamic = "force-dynamic";

/** One provenance event with its attributes before and after, content sizes and replayability. */
export function GET(req: Request, ctx: { params: Promise<{ id: string; eventId: string }> }) {
  return handle(req, async () => {
    const { id, eventId } = await params(ctx, z.object({ id: flowIdSchema, eventId: eventIdSchema }));
    return json(await provenanceEventDetail(id, eventId));
  });
}
