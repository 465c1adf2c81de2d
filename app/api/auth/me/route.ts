import { handle, json } from "../../../lib/api";
import { toCurrentUser } from "../../../lib/auth/session";

export const dynamic = "force-dynamic";

/**
 * The caller: `{ user: { id, username, role, permissions, mustChangePassword } }`. For an API
 * token, `id` is the token's and `username` is "token:<name>".
 */
export function GET(req: Request) {
  return handle(req, async (who) => json({ user: toCurrentUser(who) }));
}
