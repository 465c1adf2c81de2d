import { z } from "zod";
import { componentIdSchema, flowIdSchema, handle, json, params } from "../../../../../../../lib/api";
import { attachmentHeaders } from "../../../../../../../lib/attachment";
import { queuedFlowFile } from "../../../../../../../lib/flow-service";

export const dynamic = "force-dynamic";

/** Content preview limit; the download is always complete. */
const PREVIEW_BYTES = 256 * 1024;

/**
 * A queued FlowFile: `{ attributes, size, content (base64, first 256 KB), truncated }`, or with
 * `?download=1` its whole content as an attachment.
 */
export function GET(req: Request, ctx: { params: Promise<{ id: string; connectionId: string; uuid: string }> }) {
  return handle(req, async () => {
    const { id, connectionId, uuid } = await params(ctx, z.object({ id: flowIdSchema, connectionId: componentIdSchema, uuid: z.string().min(1).max(100) }));
    const ff = await queuedFlowFile(id, connectionId, uuid);
    if (new URL(req.url).searchParams.get("download")) {
      return new Response(new Uint8Array(ff.content), { headers: attachmentHeaders(ff.attributes.filename ?? uuid, uuid) });
    }
    return json({
      uuid,
      attributes: ff.attributes,
      size: ff.content.length,
      content: ff.content.subarray(0, PREVIEW_BYTES).toString("base64"),
      truncated: ff.content.length > PREVIEW_BYTES,
    });
  });
}
