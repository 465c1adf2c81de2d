import { z } from "zod";
import { attachmentHeaders } from "../../../../../../../lib/attachment";
import { flowIdSchema, handle, json, params, parseWith } from "../../../../../../../lib/api";
import { CONTENT_PREVIEW_BYTES, eventIdSchema, provenanceEventContent } from "../../../../../../../lib/provenance-service";

export const dynamic = "force-dynamic";

const querySchema = z.object({
  side: z.enum(["input", "output"]),
  download: z.enum(["0", "1"]).optional(),
});

/**
 * An event's content before (`side=input`) or after (`side=output`) it:
 * `{ eventId, side, size, content (base64, first 256 KB), truncated, mimeType }`, or with
 * `download=1` the whole content as an attachment. 404 when that side had no content, 410 when
 * it has aged out of the content archive.
 */
export function GET(req: Request, ctx: { params: Promise<{ id: string; eventId: string }> }) {
  return handle(req, async () => {
    const { id, eventId } = await params(ctx, z.object({ id: flowIdSchema, eventId: eventIdSchema }));
    const sp = new URL(req.url).searchParams;
    const q = parseWith(querySchema, { side: sp.get("side") ?? undefined, download: sp.get("download") ?? undefined }, "query");
    const c = await provenanceEventContent(id, eventId, q.side);
    if (q.download === "1") {
      return new Response(new Uint8Array(c.content), { headers: attachmentHeaders(c.fileName, `event-${eventId}-${q.side}`) });
    }
    return json({
      eventId,
      side: q.side,
      size: c.content.length,
      content: c.content.subarray(0, CONTENT_PREVIEW_BYTES).toString("base64"),
      truncated: c.content.length > CONTENT_PREVIEW_BYTES,
      mimeType: c.mimeType,
    });
  });
}
