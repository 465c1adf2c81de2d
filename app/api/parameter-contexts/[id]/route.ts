import { handle, json, params, readBody } from "../../../lib/api";
import { audit } from "../../../lib/audit";
import { deleteContext, getContext, updateContext } from "../../../lib/parameters";
import { contextIdSchema, contextSchema } from "../schemas";

export const dynamic = "force-dynamic";

type Ctx = { params: Promise<{ id: string }> };

/** One parameter context (sensitive values never). */
export function GET(req: Request, ctx: Ctx) {
  return handle(req, async () => {
    const { id } = await params(ctx, contextIdSchema);
    return json(await getContext(id));
  });
}

/**
 * Replaces the context (`parameters` is the whole set; a sensitive parameter sent without
 * `value` keeps its stored one) and applies the new values to every running flow that binds it,
 * as a live edit: `{ context, redeployed, failures }`.
 */
export function PUT(req: Request, ctx: Ctx) {
  return handle(req, async (who) => {
    const { id } = await params(ctx, contextIdSchema);
    const body = await readBody(req, contextSchema);
    const r = await updateContext(id, body);
    // Which parameters were sent with a value: names only, never the values.
    const changed = body.parameters.filter((p) => p.value !== undefined).map((p) => p.name);
    await audit(who, "parameter-context-update", { componentId: id, details: { name: r.context.name, parameters: r.context.parameters.map((p) => p.name), valuesSet: changed, redeployed: r.redeployed } });
    return json(r);
  });
}

/** Deletes the context; 409 naming the flows and groups that bind it. */
export function DELETE(req: Request, ctx: Ctx) {
  return handle(req, async (who) => {
    const { id } = await params(ctx, contextIdSchema);
    const { name } = await deleteContext(id);
    await audit(who, "parameter-context-delete", { componentId: id, details: { name } });
    return json({ deleted: id });
  });
}
