import { z } from "zod";
import { handle, json, readBody } from "../../../lib/api";
import { validateConfig } from "../../../lib/flow-service";

export const dynamic = "force-dynamic";

const bodySchema = z
  .object({
    type: z.string().min(1).max(200),
    properties: z.record(z.string(), z.string().max(1_000_000)),
    scheduling: z.unknown().optional(),
    autoTerminate: z.array(z.string()).optional(),
  })
  .strict();

/** Validates one processor configuration as the config panel edits it. */
export function POST(req: Request) {
  return handle(req, async () => json(await validateConfig(await readBody(req, bodySchema))));
}
