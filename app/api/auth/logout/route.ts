import { handle } from "../../../lib/api";
import { audit } from "../../../lib/audit";
import { clearedSessionCookie, endSession, isHttps } from "../../../lib/auth/session";

export const dynamic = "force-dynamic";

/** Ends the caller's session on the server and clears its cookie: 204. */
export function POST(req: Request) {
  return handle(req, async (who) => {
    if (who.sessionId) await endSession(who.sessionId);
    await audit(who, "logout");
    return new Response(null, { status: 204, headers: { "Set-Cookie": clearedSessionCookie(isHttps(req)), "Cache-Control": "no-store" } });
  });
}
