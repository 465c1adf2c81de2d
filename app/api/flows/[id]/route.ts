import { z } from "zod";
import { flowIdSchema, handle, json, params, readBody } from "../../../lib/api";
import { deleteFlow, getEditorFlow, renameFlow, saveFlow } from "../../../lib/flow-service";

export const dynamic = "force-dynamic";

type Ctx = { params: Promise<{ id: string }> };
const paramsSchema = z.object({ id: flowIdSchema });

/** The flow for the editor: masked document, revision, analysis. */
export function GET(_req: Request, ctx: Ctx) {
  return handle(async () => {
    const { id } = await params(ctx, paramsSchema);
    return json(await getEditorFlow(id));
  });
}

const saveSchema = z.object({ revision: z.number().int().min(0), document: z.unknown() }).strict();

/** Saves `{ revision, document }`; 409 when `revision` is stale or a removed queue is not empty. */
export function PUT(req: Request, ctx: Ctx) {
  return handle(async () => {
    const { id } = await params(ctx, paramsSchema);
    const body = await readBody(req, saveSchema);
    return json(await saveFlow(id, body.revision, body.document));
  });
}

const renameSchema = z
  .object({
    name: z.string().trim().min(1, "must not be empty").max(200),
    description: z.string().max(10_000).nullable().optional(),
    revision: z.number().int().min(0).optional(),
  })
  .strict();

/** Renames `{ name, description?, revision? }`. */
export function PATCH(req: Request, ctx: Ctx) {
  return handle(async () => {
    const { id } = await params(ctx, paramsSchema);
    return json(await renameFlow(id, await readBody(req, renameSchema)));
  });
}

/** Deletes the flow, its versions and its engine data. */
export function DELETE(_req: Request, ctx: Ctx) {
  return handle(async () => {
    const { id } = await params(ctx, paramsSchema);
    await deleteFlow(id);
    return json({ deleted: id });
  });
}
