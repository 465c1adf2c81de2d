import { z } from "zod";
import { componentIdSchema, flowIdSchema, handle, json, params, readBody } from "../../../../lib/api";
import { audit } from "../../../../lib/audit";
import { restrictedGuard } from "../../../../lib/auth/restricted";
import { ApiError, getEditorFlow, saveFlow } from "../../../../lib/flow-service";

export const dynamic = "force-dynamic";

const bodySchema = z
  .object({
    /** true: disabled processors become stopped; false: stopped processors become disabled. */
    enabled: z.boolean(),
    processors: z.array(componentIdSchema).min(1).max(10_000),
  })
  .strict();

/**
 * Enables or disables processors: `{ enabled, processors }`. A disabled processor is never
 * started (not by "Start all" either) and is not validated on the canvas. The state is part of
 * the flow document, so this saves a new revision (and a deployed flow takes it as any save);
 * the answer is the save's `{ revision, analysis, pending, document }`. 404 names unknown ids;
 * 409 when a processor to disable is running (stop it first) or the flow changed meanwhile.
 * Operators may do it (`flows:run`, as in NiFi) although they cannot edit the flow otherwise.
 */
export function POST(req: Request, ctx: { params: Promise<{ id: string }> }) {
  return handle(req, async (who) => {
    const { id } = await params(ctx, z.object({ id: flowIdSchema }));
    const body = await readBody(req, bodySchema);
    const flow = await getEditorFlow(id);
    const doc = flow.document;
    const wanted = new Set(body.processors);
    const unknown = body.processors.filter((p) => !doc.processors.some((x) => x.id === p));
    if (unknown.length) throw new ApiError(404, `no processor with id ${unknown.map((u) => `"${u}"`).join(", ")} in this flow`);
    const running = doc.processors.filter((p) => wanted.has(p.id) && p.state === "running");
    if (!body.enabled && running.length) throw new ApiError(409, `${running.map((p) => p.name ?? p.id).join(", ")} ${running.length === 1 ? "is" : "are"} running: stop ${running.length === 1 ? "it" : "them"} before disabling`, [], "invalid-state");
    const next = {
      ...doc,
      processors: doc.processors.map((p) => {
        if (!wanted.has(p.id)) return p;
        if (body.enabled) return p.state === "disabled" ? { ...p, state: "stopped" as const } : p;
        return { ...p, state: "disabled" as const };
      }),
    };
    const r = await saveFlow(id, flow.revision, next, restrictedGuard(who, "design", id));
    await audit(who, "flow-save", { flowId: id, componentId: body.processors.length === 1 ? body.processors[0] : undefined, details: { enabled: body.enabled, processors: body.processors, revision: r.revision } });
    return json({ ...r, document: r.document ?? next });
  });
}
