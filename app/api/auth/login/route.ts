import { z } from "zod";
import { handle, json, readBody } from "../../../lib/api";
import { audit } from "../../../lib/audit";
import { MAX_PASSWORD_LENGTH } from "../../../lib/auth/passwords";
import { beginAttempt, clientAddress } from "../../../lib/auth/rate-limit";
import { createSession, isHttps, sessionPrincipal, toCurrentUser } from "../../../lib/auth/session";
import { verifyLogin } from "../../../lib/auth/users";

export const dynamic = "force-dynamic";

const bodySchema = z
  .object({
    username: z.string().min(1, "is required").max(64),
    password: z.string().min(1, "is required").max(MAX_PASSWORD_LENGTH),
  })
  .strict();

const INVALID = { error: "invalid username or password" };

/**
 * Signs in `{ username, password }`: 200 `{ user }` and the session cookie; 401 with the same
 * answer for an unknown user, a wrong password and a disabled user; 429 (Retry-After) after too
 * many failed attempts for the username or from the address.
 */
export function POST(req: Request) {
  return handle(req, async () => {
    const { username, password } = await readBody(req, bodySchema);
    const attempt = await beginAttempt(username, clientAddress(req));
    if ("retryAfterSeconds" in attempt) {
      return Response.json(
        { error: "too many failed sign-ins: try again later", code: "rate-limited" },
        { status: 429, headers: { "Retry-After": String(attempt.retryAfterSeconds), "Cache-Control": "no-store" } },
      );
    }
    const user = await verifyLogin(username, password);
    if (!user) return json(INVALID, 401);
    await attempt.succeeded();
    const session = await createSession(user.id, isHttps(req));
    const principal = await sessionPrincipal(session.sealed);
    if (!principal) return json(INVALID, 401);
    await audit(principal, "login");
    return Response.json({ user: toCurrentUser(principal) }, { headers: { "Set-Cookie": session.setCookie, "Cache-Control": "no-store" } });
  });
}
