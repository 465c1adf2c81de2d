import { z } from "zod";
import { flowIdSchema, handle, json, params, readBody } from "../../../../lib/api";
import { audit } from "../../../../lib/audit";
import { commitVersion, listVersions } from "../../../../lib/flow-service";

export const dynamic = "force-dynamic";

type Ctx = { params: Promise<{ id: string }> };
const paramsSchema = z.object({ id: flowIdSchema });

/** Committed versions, newest first. */
export function GET(req: Request, ctx: Ctx) {
  return handle(req, async () => {
    const { id } = await params(ctx, paramsSchema);
    return json({ versions: await listVersions(id) });
  });
}

/** Commits the current snapshot: `{ message }`. */
export function POST(req: Request, ctx: Ctx) {
  return handle(req, async (who) => {
    const { id } = await params(ctx, paramsSchema);
    const { message } = await readBody(req, z.object({ message: z.string().trim().min(1, "a commit message is required").max(2000) }).strict());
    const v = await commitVersion(id, message);
    await audit(who, "version-commit", { flowId: id, details: { version: v.version, message: v.message } });
    return json(v, 201);
  });
}
