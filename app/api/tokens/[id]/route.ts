import { z } from "zod";
import { handle, params } from "../../../lib/api";
import { audit } from "../../../lib/audit";
import { rowIdSchema } from "../../../lib/auth/schemas";
import { revokeToken } from "../../../lib/auth/tokens";
import { ApiError } from "../../../lib/flow-service";

export const dynamic = "force-dynamic";

/** Revokes a token: 204 (also when it was revoked before); 404 for an unknown id. */
export function DELETE(req: Request, ctx: { params: Promise<{ id: string }> }) {
  return handle(req, async (who) => {
    const { id } = await params(ctx, z.object({ id: rowIdSchema }));
    const t = await revokeToken(id);
    if (!t) throw new ApiError(404, `no token with id "${id}"`, [], "not-found");
    await audit(who, "token-revoke", { details: { tokenId: t.id, name: t.name } });
    return new Response(null, { status: 204, headers: { "Cache-Control": "no-store" } });
  });
}
