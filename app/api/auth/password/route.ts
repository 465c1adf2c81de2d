import { z } from "zod";
import { handle, readBody } from "../../../lib/api";
import { ApiError } from "../../../lib/flow-service";
import { audit } from "../../../lib/audit";
import { MAX_PASSWORD_LENGTH, MIN_PASSWORD_LENGTH } from "../../../lib/auth/passwords";
import { beginAttempt, clientAddress } from "../../../lib/auth/rate-limit";
import { changeOwnPassword } from "../../../lib/auth/users";

export const dynamic = "force-dynamic";

const bodySchema = z
  .object({
    currentPassword: z.string().min(1, "is required").max(MAX_PASSWORD_LENGTH),
    newPassword: z.string().min(MIN_PASSWORD_LENGTH, `must be at least ${MIN_PASSWORD_LENGTH} characters`).max(MAX_PASSWORD_LENGTH),
  })
  .strict()
  .refine((b) => b.currentPassword !== b.newPassword, { path: ["newPassword"], message: "must differ from the current password" });

/**
 * Changes the signed-in user's password `{ currentPassword, newPassword }`: 204; 400 naming the
 * field; 401 when currentPassword is wrong (counted like a failed sign-in, 429 past the limit).
 * The user's other sessions end.
 */
export function POST(req: Request) {
  return handle(req, async (who) => {
    const body = await readBody(req, bodySchema);
    const attempt = await beginAttempt(who.name, clientAddress(req));
    if ("retryAfterSeconds" in attempt) throw new ApiError(429, "too many failed attempts: try again later", [], "rate-limited");
    await changeOwnPassword(who, body.currentPassword, body.newPassword);
    await attempt.succeeded();
    await audit(who, "password-change");
    return new Response(null, { status: 204, headers: { "Cache-Control": "no-store" } });
  });
}
