import { z } from "zod";
import { handle, json, readBody } from "../../lib/api";
import { audit } from "../../lib/audit";
import { newPasswordSchema, roleSchema, usernameSchema } from "../../lib/auth/schemas";
import { createUser, listUsers } from "../../lib/auth/users";

export const dynamic = "force-dynamic";

/** Every user: `{ users: [{ id, username, role, disabled, grants, mustChangePassword, createdAt, lastLoginAt }] }`. */
export function GET(req: Request) {
  return handle(req, async () => json({ users: await listUsers() }));
}

const createSchema = z.object({ username: usernameSchema, password: newPasswordSchema, role: roleSchema }).strict();

/** Creates a user `{ username, password, role }`: 201 `{ user }`; 409 when the username is taken. */
export function POST(req: Request) {
  return handle(req, async (who) => {
    const user = await createUser(await readBody(req, createSchema));
    await audit(who, "user-create", { details: { username: user.username, role: user.role } });
    return json({ user }, 201);
  });
}
