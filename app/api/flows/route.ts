import { z } from "zod";
import { handle, json, readBody } from "../../lib/api";
import { createFlow, importFlow } from "../../lib/flow-service";
import { listFlows } from "../../lib/flows";

export const dynamic = "force-dynamic";

const createSchema = z.union([
  z.object({ name: z.string().trim().min(1, "must not be empty").max(200), description: z.string().max(10_000).optional() }).strict(),
  z.object({ import: z.unknown().refine((v) => v !== undefined, "the flow document is required"), name: z.string().trim().min(1).max(200).optional() }).strict(),
]);

/** All flows (summaries). */
export function GET() {
  return handle(async () => json({ flows: await listFlows() }));
}

/** Creates an empty flow `{ name, description? }`, or imports a flow file `{ import: <document>, name? }`. */
export function POST(req: Request) {
  return handle(async () => {
    const body = await readBody(req, createSchema);
    if ("import" in body) return json(await importFlow(body.import, body.name), 201);
    return json(await createFlow(body), 201);
  });
}
