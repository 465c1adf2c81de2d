import { z } from "zod";
import { handle, json, readBody } from "../../lib/api";
import { audit } from "../../lib/audit";
import { roleSchema } from "../../lib/auth/schemas";
import { MAX_TOKEN_DAYS, createToken, listTokens } from "../../lib/auth/tokens";

export const dynamic = "force-dynamic";

/** Every API token, without the token itself: `{ tokens: [{ id, name, role, createdBy, createdAt, lastUsedAt, revokedAt, expiresAt }] }`. */
export function GET(req: Request) {
  return handle(req, async () => json({ tokens: await listTokens() }));
}

const createSchema = z
  .object({
    name: z.string().trim().min(1, "must not be empty").max(100),
    role: roleSchema,
    expiresInDays: z.number().int("must be a whole number of days").min(1, "must be at least 1 day").max(MAX_TOKEN_DAYS, `must be at most ${MAX_TOKEN_DAYS} days (null: never expires)`).nullable().optional(),
  })
  .strict();

/**
 * Creates a token `{ name, role, expiresInDays? }` (default 90 days; null: never expires):
 * 201 `{ id, token, expiresAt }`. The token is in this answer only.
 */
export function POST(req: Request) {
  return handle(req, async (who) => {
    const body = await readBody(req, createSchema);
    const created = await createToken(body, who.name);
    await audit(who, "token-create", { details: { tokenId: created.id, name: body.name, role: body.role, expiresAt: created.expiresAt } });
    return json(created, 201);
  });
}
