import { z } from "zod";
import { handle, json, readBody } from "../../lib/api";
import { audit } from "../../lib/audit";
import { roleSchema } from "../../lib/auth/schemas";
import { createToken, listTokens } from "../../lib/auth/tokens";

export const dynamic = "force-dynamic";

/** Every API token, without the token itself: `{ tokens: [{ id, name, role, createdBy, createdAt, lastUsedAt, revokedAt }] }`. */
export function GET(req: Request) {
  return handle(req, async () => json({ tokens: await listTokens() }));
}

const createSchema = z.object({ name: z.string().trim().min(1, "must not be empty").max(100), role: roleSchema }).strict();

/** Creates a token `{ name, role }`: 201 `{ id, token }`. The token is in this answer only. */
export function POST(req: Request) {
  return handle(req, async (who) => {
    const body = await readBody(req, createSchema);
    const created = await createToken(body, who.name);
    await audit(who, "token-create", { details: { tokenId: created.id, name: body.name, role: body.role } });
    return json(created, 201);
  });
}
