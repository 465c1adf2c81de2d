import { z } from "zod";
import { flowIdSchema, handle, json, params, readBody } from "../../../../../../lib/api";
import { revertToVersion } from "../../../../../../lib/flow-service";

export const dynamic = "force-dynamic";

/** Makes a version the working snapshot: `{ revision }` (the revision the editor holds). */
export function POST(req: Request, ctx: { params: Promise<{ id: string; version: string }> }) {
  return handle(async () => {
    const { id, version } = await params(ctx, z.object({ id: flowIdSchema, version: z.coerce.number().int().min(1) }));
    const { revision } = await readBody(req, z.object({ revision: z.number().int().min(0) }).strict());
    return json(await revertToVersion(id, version, revision));
  });
}
