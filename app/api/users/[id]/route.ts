import { z } from "zod";
import { handle, json, params, readBody } from "../../../lib/api";
import { audit } from "../../../lib/audit";
import { grantsSchema, newPasswordSchema, roleSchema, rowIdSchema } from "../../../lib/auth/schemas";
import { updateUser } from "../../../lib/auth/users";

export const dynamic = "force-dynamic";

const bodySchema = z
  .object({ role: roleSchema.optional(), disabled: z.boolean().optional(), password: newPasswordSchema.optional(), grants: grantsSchema.optional() })
  .strict()
  .refine((b) => Object.keys(b).length > 0, "name at least one of role, disabled, password, grants");

/**
 * Changes a user `{ role?, disabled?, password?, grants? }`: 200 `{ user }`. `password` is an
 * admin's reset (the user must change it at the next sign-in); disabling or a reset ends the
 * user's sessions. 404 for an unknown id, 409 "last-admin" when no enabled admin would be left.
 */
export function PATCH(req: Request, ctx: { params: Promise<{ id: string }> }) {
  return handle(req, async (who) => {
    const { id } = await params(ctx, z.object({ id: rowIdSchema }));
    const body = await readBody(req, bodySchema);
    const { user, changed } = await updateUser(id, body);
    const details: Record<string, unknown> = { username: user.username, changed };
    if (changed.includes("role")) details.role = user.role;
    if (changed.includes("disabled")) details.disabled = user.disabled;
    if (changed.includes("grants")) details.grants = user.grants;
    await audit(who, "user-update", { details });
    return json({ user });
  });
}
