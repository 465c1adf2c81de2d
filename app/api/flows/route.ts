import { z } from "zod";
import { handle, json, parseWith, readBody } from "../../lib/api";
import { ApiError } from "../../lib/flow-service";
import { audit } from "../../lib/audit";
import { restrictedGuard } from "../../lib/auth/restricted";
import { createFlow, importFlow, runFlow } from "../../lib/flow-service";
import { listFlows } from "../../lib/flows";

export const dynamic = "force-dynamic";

const createSchema = z.object({ name: z.string().trim().min(1, "must not be empty").max(200), description: z.string().max(10_000).optional() }).strict();
const importSchema = z
  .object({
    import: z.unknown().refine((v) => v !== undefined && v !== null, "the flow document is required"),
    name: z.string().trim().min(1).max(200).optional(),
    /** Start the imported flow too (a deploy in one request); needs flows:run as well. */
    start: z.boolean().optional(),
  })
  .strict();

/** All flows (summaries). */
export function GET(req: Request) {
  return handle(req, async () => json({ flows: await listFlows() }));
}

/**
 * Creates an empty flow `{ name, description? }`, or imports a flow file `{ import: <document>,
 * name?, start? }` → 201 `{ id, name, renamedFrom?, problems }` (403 when it holds restricted
 * processors the user may not use). An imported flow whose name is in use gets " (2)", " (3)"...
 * and `renamedFrom` says so. With `start: true` the imported flow is started too (a deploy in
 * one request: `run` is added); when it cannot start, the answer is the start's error with the
 * new flow's `id`.
 */
export function POST(req: Request) {
  return handle(req, async (who) => {
    const raw = await readBody(req, z.record(z.string(), z.unknown()));
    // Two shapes, told apart by the "import" key, so each failure names its own fields.
    if ("import" in raw) {
      const body = parseWith(importSchema, raw);
      if (body.start && !who.permissions.includes("flows:run")) return json({ error: "forbidden: start needs permission flows:run", code: "forbidden" }, 403);
      const r = await importFlow(body.import, body.name, restrictedGuard(who, "design"));
      await audit(who, "flow-import", { flowId: r.id, flowName: r.name, details: { problems: r.problems.length } });
      if (!body.start) return json(r, 201);
      try {
        const run = await runFlow(r.id, { action: "start" }, restrictedGuard(who, "start", r.id));
        await audit(who, "flow-start", { flowId: r.id, details: { processors: "all", revision: run.revision, failures: run.failures.map((f) => f.id) } });
        return json({ ...r, run }, 201);
      } catch (e) {
        if (!(e instanceof ApiError)) throw e;
        return json({ id: r.id, error: e.message, code: e.code, problems: e.problems.length ? e.problems : undefined }, e.status);
      }
    }
    const body = parseWith(createSchema, raw);
    const r = await createFlow(body);
    await audit(who, "flow-create", { flowId: r.id, flowName: body.name });
    return json(r, 201);
  });
}
