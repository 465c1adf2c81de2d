import { z } from "zod";
import { flowIdSchema, handle, json, params } from "../../../../../../../lib/api";
import { audit } from "../../../../../../../lib/audit";
import { eventIdSchema, replayProvenanceEvent } from "../../../../../../../lib/provenance-service";

export const dynamic = "force-dynamic";

/**
 * Replays an event: the FlowFile as it was before the event goes back into the connection it
 * was taken from. Answers `{ uuid, eventId, connection }` (uuid: the new FlowFile); 409 when the
 * event has no such connection, 410 when its content has aged out.
 */
export function POST(req: Request, ctx: { params: Promise<{ id: string; eventId: string }> }) {
  return handle(req, async (who) => {
    const { id, eventId } = await params(ctx, z.object({ id: flowIdSchema, eventId: eventIdSchema }));
    const r = await replayProvenanceEvent(id, eventId);
    await audit(who, "provenance-replay", { flowId: id, componentId: r.connection.id, details: { eventId: r.eventId, flowFileUuid: r.uuid } });
    return json(r);
  });
}
