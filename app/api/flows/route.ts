import { z } from "zod";
import { handle, json, parseWith, readBody } from "../../lib/api";
import { createFlow, importFlow } from "../../lib/flow-service";
import { listFlows } from "../../lib/flows";

export const dynamic = "force-dynamic";

const createSchema = z.object({ name: z.string().trim().min(1, "must not be empty").max(200), description: z.string().max(10_000).optional() }).strict();
const importSchema = z
  .object({ import: z.unknown().refine((v) => v !== undefined && v !== null, "the flow document is required"), name: z.string().trim().min(1).max(200).optional() })
  .strict();

/** All flows (summaries). */
export function GET() {
  return handle(async () => json({ flows: await listFlows() }));
}

/** Creates an empty flow `{ name, description? }`, or imports a flow file `{ import: <document>, name? }`. */
export function POST(req: Request) {
  return handle(async () => {
    const raw = await readBody(req, z.record(z.string(), z.unknown()));
    // Two shapes, told apart by the "import" key, so each failure names its own fields.
    if ("import" in raw) {
      const body = parseWith(importSchema, raw);
      return json(await importFlow(body.import, body.name), 201);
    }
    return json(await createFlow(parseWith(createSchema, raw)), 201);
  });
}
