import { z } from "zod";
import { flowIdSchema, handle, json, params, readBody } from "../../../../../../lib/api";
import { audit } from "../../../../../../lib/audit";
import { restrictedGuard } from "../../../../../../lib/auth/restricted";
import { revertToVersion } from "../../../../../../lib/flow-service";

export const dynamic = "force-dynamic";

/**
 * Makes a version the working snapshot: `{ revision }` (the revision the editor holds). 403 when
 * the version brings back restricted processors the user may not use.
 */
export function POST(req: Request, ctx: { params: Promise<{ id: string; version: string }> }) {
  return handle(req, async (who) => {
    const { id, version } = await params(ctx, z.object({ id: flowIdSchema, version: z.coerce.number().int().min(1) }));
    const { revision } = await readBody(req, z.object({ revision: z.number().int().min(0) }).strict());
    const r = await revertToVersion(id, version, revision, restrictedGuard(who, "design", id));
    await audit(who, "version-revert", { flowId: id, details: { version, revision: r.revision } });
    return json(r);
  });
}
