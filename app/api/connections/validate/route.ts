import { z } from "zod";
import { handle, json, readBody } from "../../../lib/api";
import { validateConnectionSettings } from "../../../lib/flow-service";

export const dynamic = "force-dynamic";

const bodySchema = z
  .object({
    objectThreshold: z.string().max(100),
    dataSizeThreshold: z.string().max(100),
    expiration: z.string().max(100),
  })
  .strict();

/** Validates a connection's queue settings as the connection panel edits them. */
export function POST(req: Request) {
  return handle(req, async () => json({ problems: await validateConnectionSettings(await readBody(req, bodySchema)) }));
}
