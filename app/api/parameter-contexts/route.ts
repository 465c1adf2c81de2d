import { handle, json, readBody } from "../../lib/api";
import { audit } from "../../lib/audit";
import { createContext, listContexts } from "../../lib/parameters";
import { contextSchema } from "./schemas";

export const dynamic = "force-dynamic";

/** Every parameter context, with its parameters (sensitive values never) and what binds it: `{ contexts }`. */
export function GET(req: Request) {
  return handle(req, async () => json({ contexts: await listContexts() }));
}

/** Creates `{ name, description?, parameters: [{ name, value?, sensitive?, description? }] }`: 201 with the context; 409 when the name is taken. */
export function POST(req: Request) {
  return handle(req, async (who) => {
    const body = await readBody(req, contextSchema);
    const created = await createContext(body);
    // Names only: a parameter's value may be a secret.
    await audit(who, "parameter-context-create", { componentId: created.id, details: { name: created.name, parameters: created.parameters.map((p) => p.name) } });
    return json(created, 201);
  });
}
