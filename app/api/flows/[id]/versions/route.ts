import { z } from "zod";
import { flowIdSchema, handle, json, params, readBody } from "../../../../lib/api";
import { commitVersion, listVersions } from "../../../../lib/flow-service";

export const dynamic = "force-dynamic";

type Ctx = { params: Promise<{ id: string }> };
const paramsSchema = z.object({ id: flowIdSchema });

/** Committed versions, newest first. */
export function GET(_req: Request, ctx: Ctx) {
  return handle(async () => {
    const { id } = await params(ctx, paramsSchema);
    return json({ versions: await listVersions(id) });
  });
}

/** Commits the current snapshot: `{ message }`. */
export function POST(req: Request, ctx: Ctx) {
  return handle(async () => {
    const { id } = await params(ctx, paramsSchema);
    const { message } = await readBody(req, z.object({ message: z.string().trim().min(1, "a commit message is required").max(2000) }).strict());
    return json(await commitVersion(id, message), 201);
  });
}
