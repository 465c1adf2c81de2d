/**
 * Users: the first-start admin, sign-in checks, and what an admin changes (docs/security.md).
 *
 * Contract:
 * - passwords are kept only as argon2id hashes (passwords.ts); no function here returns or logs
 *   one, and `UserSummary` has no hash;
 * - `verifyLogin` answers the same null for an unknown user, a wrong password and a disabled
 *   user, after the same amount of hashing work;
 * - disabling a user or resetting their password ends their sessions; a new role or new grants
 *   apply from the user's next request (permissions are read from the row every time);
 * - the last enabled admin cannot be disabled or lose the admin role (409 "last-admin").
 */
import { randomBytes } from "node:crypto";
import { rmSync, writeFileSync, chmodSync } from "node:fs";
import path from "node:path";
import { resolveDataDir } from "../../../prisma/data-store.mjs";
import { getDb } from "../db";
import { ApiError } from "../flow-service";
import { hashPassword, verifyPassword } from "./passwords";
import { isPermission, isRole, type Permission, type Role } from "./policy";
import { endSessionsOf, parseGrants, type Principal } from "./session";

/** The first admin's username. */
export const ADMIN_USERNAME = "admin";
/** Where a generated first-start password is also written (mode 600; removed at its first change). */
export const INITIAL_PASSWORD_FILE = "initial-admin-password";

/** A user as GET /api/users lists it. */
export interface UserSummary {
  id: string;
  username: string;
  role: Role;
  disabled: boolean;
  grants: Permission[];
  mustChangePassword: boolean;
  createdAt: string;
  lastLoginAt: string | null;
}

type UserRow = {
  id: string;
  username: string;
  role: string;
  disabled: boolean;
  grants: string;
  mustChangePassword: boolean;
  createdAt: Date;
  lastLoginAt: Date | null;
};

function summary(u: UserRow): UserSummary {
  return {
    id: u.id,
    username: u.username,
    role: isRole(u.role) ? u.role : "viewer",
    disabled: u.disabled,
    grants: parseGrants(u.grants).filter(isPermission),
    mustChangePassword: u.mustChangePassword,
    createdAt: u.createdAt.toISOString(),
    lastLoginAt: u.lastLoginAt?.toISOString() ?? null,
  };
}

function initialPasswordFile(): string {
  return path.join(resolveDataDir(), INITIAL_PASSWORD_FILE);
}

/**
 * Makes sure an admin exists (server start). When the store has no user, creates `admin` with
 * SLUICE_ADMIN_PASSWORD, or with a generated password that is printed once on stdout and written
 * to `<data dir>/initial-admin-password` (mode 600). Does nothing when any user exists.
 */
export async function ensureAdmin(log: (line: string) => void = (l) => console.log(l)): Promise<void> {
  const db = getDb();
  if ((await db.user.count()) > 0) return;
  const fromEnv = process.env.SLUICE_ADMIN_PASSWORD;
  const password = fromEnv || randomBytes(18).toString("base64url");
  try {
    await db.user.create({
      data: { username: ADMIN_USERNAME, passwordHash: await hashPassword(password), role: "admin", mustChangePassword: !fromEnv },
    });
  } catch (e) {
    // A second server start racing this one created it first.
    if ((await db.user.count()) > 0) return;
    throw e;
  }
  if (fromEnv) {
    log(`sluice: created user "${ADMIN_USERNAME}" with the password from SLUICE_ADMIN_PASSWORD`);
    return;
  }
  const file = initialPasswordFile();
  writeFileSync(file, `${password}\n`, { mode: 0o600 });
  chmodSync(file, 0o600);
  log(`sluice: created user "${ADMIN_USERNAME}" with password ${password} (printed once; change it at /account; also in ${file} until then)`);
}

/** The user a correct username and password belong to, or null (same answer for every failure). */
export async function verifyLogin(username: string, password: string): Promise<{ id: string } | null> {
  const user = await getDb().user.findUnique({ where: { username } });
  const ok = await verifyPassword(user?.passwordHash, password);
  if (!ok || !user || user.disabled || !isRole(user.role)) return null;
  await getDb().user.update({ where: { id: user.id }, data: { lastLoginAt: new Date() } });
  return { id: user.id };
}

/** Every user, oldest first. */
export async function listUsers(): Promise<UserSummary[]> {
  return (await getDb().user.findMany({ orderBy: { createdAt: "asc" } })).map(summary);
}

/** Creates a user; 409 when the username is taken. */
export async function createUser(input: { username: string; password: string; role: Role }): Promise<UserSummary> {
  const db = getDb();
  if (await db.user.findUnique({ where: { username: input.username }, select: { id: true } })) {
    throw new ApiError(409, `username: "${input.username}" is taken`, [{ path: "username", message: "is taken" }], "conflict");
  }
  const row = await db.user.create({ data: { username: input.username, passwordHash: await hashPassword(input.password), role: input.role } });
  return summary(row);
}

async function isLastAdmin(id: string): Promise<boolean> {
  const others = await getDb().user.count({ where: { role: "admin", disabled: false, id: { not: id } } });
  return others === 0;
}

/**
 * Changes a user: role, disabled, grants, or an admin's password reset (the user must change it
 * at the next sign-in). Ends the user's sessions when it disables them or resets the password. 404 for an unknown id; 409 "last-admin" when the change would leave no
 * enabled admin.
 */
export async function updateUser(
  id: string,
  input: { role?: Role; disabled?: boolean; password?: string; grants?: Permission[] },
): Promise<{ user: UserSummary; changed: string[] }> {
  const db = getDb();
  const user = await db.user.findUnique({ where: { id } });
  if (!user) throw new ApiError(404, `no user with id "${id}"`, [], "not-found");
  const losesAdmin = user.role === "admin" && !user.disabled && ((input.role !== undefined && input.role !== "admin") || input.disabled === true);
  if (losesAdmin && (await isLastAdmin(id))) {
    throw new ApiError(409, "this is the last enabled admin: make another user admin first", [], "last-admin");
  }
  const changed: string[] = [];
  const data: { role?: Role; disabled?: boolean; passwordHash?: string; mustChangePassword?: boolean; grants?: string } = {};
  if (input.role !== undefined && input.role !== user.role) {
    data.role = input.role;
    changed.push("role");
  }
  if (input.disabled !== undefined && input.disabled !== user.disabled) {
    data.disabled = input.disabled;
    changed.push("disabled");
  }
  if (input.grants !== undefined) {
    data.grants = JSON.stringify([...new Set(input.grants)]);
    changed.push("grants");
  }
  if (input.password !== undefined) {
    data.passwordHash = await hashPassword(input.password);
    data.mustChangePassword = true;
    changed.push("password");
  }
  const row = await db.user.update({ where: { id }, data });
  if (data.disabled === true || data.passwordHash !== undefined) await endSessionsOf(id);
  return { user: summary(row), changed };
}

/**
 * A signed-in user changes their own password. 401 when `currentPassword` is wrong. Other
 * sessions of the user end; the one making the change stays. The first-start password file is
 * removed once the admin has chosen a password.
 */
export async function changeOwnPassword(who: Principal, currentPassword: string, newPassword: string): Promise<void> {
  const db = getDb();
  const user = await db.user.findUnique({ where: { id: who.id } });
  if (!user || !(await verifyPassword(user.passwordHash, currentPassword))) {
    throw new ApiError(401, "currentPassword: is not your current password", [{ path: "currentPassword", message: "is not your current password" }], "unauthenticated");
  }
  await db.user.update({ where: { id: user.id }, data: { passwordHash: await hashPassword(newPassword), mustChangePassword: false } });
  await endSessionsOf(user.id, who.sessionId);
  if (user.username === ADMIN_USERNAME) rmSync(initialPasswordFile(), { force: true });
}
