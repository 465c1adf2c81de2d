import { z } from "zod";
import { flowIdSchema, handle, json, params, readBody } from "../../../lib/api";
import { audit, flowName } from "../../../lib/audit";
import { restrictedGuard } from "../../../lib/auth/restricted";
import { deleteFlow, getEditorFlow, renameFlow, saveFlow } from "../../../lib/flow-service";

export const dynamic = "force-dynamic";

type Ctx = { params: Promise<{ id: string }> };
const paramsSchema = z.object({ id: flowIdSchema });

/** The flow for the editor: masked document, revision, analysis. */
export function GET(req: Request, ctx: Ctx) {
  return handle(req, async () => {
    const { id } = await params(ctx, paramsSchema);
    return json(await getEditorFlow(id));
  });
}

const saveSchema = z.object({ revision: z.number().int().min(0), document: z.unknown() }).strict();

/**
 * Saves `{ revision, document }`; 409 when `revision` is stale or a removed queue is not empty;
 * 403 when it adds, changes or starts restricted processors the user may not use.
 */
export function PUT(req: Request, ctx: Ctx) {
  return handle(req, async (who) => {
    const { id } = await params(ctx, paramsSchema);
    const body = await readBody(req, saveSchema);
    const r = await saveFlow(id, body.revision, body.document, restrictedGuard(who, "design", id));
    await audit(who, "flow-save", { flowId: id, details: { revision: r.revision } });
    return json(r);
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
  return handle(req, async (who) => {
    const { id } = await params(ctx, paramsSchema);
    const body = await readBody(req, renameSchema);
    const r = await renameFlow(id, body);
    await audit(who, "flow-rename", { flowId: id, flowName: body.name, details: { revision: r.revision } });
    return json(r);
  });
}

/** Deletes the flow, its versions and its engine data. */
export function DELETE(req: Request, ctx: Ctx) {
  return handle(req, async (who) => {
    const { id } = await params(ctx, paramsSchema);
    const name = await flowName(id);
    await deleteFlow(id);
    await audit(who, "flow-delete", { flowId: id, flowName: name });
    return json({ deleted: id });
  });
}
