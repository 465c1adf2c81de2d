/**
 * Who sent a request: a browser session (cookie) or an API token (Authorization: Bearer).
 *
 * Sessions (docs/security.md):
 * - the cookie `sluice_session` holds a random 256-bit token sealed with iron-session
 *   (encrypted and authenticated; a changed byte unseals to nothing), HttpOnly,
 *   SameSite=Strict, Path=/, with an expiry, and Secure when the request came over https;
 * - the Session row keeps only the token's SHA-256, so the server decides: logout deletes the
 *   row, disabling a user deletes theirs, and a row past `expiresAt` is refused (and removed);
 * - the sealing password is SLUICE_SESSION_SECRET (32+ characters) or `<data dir>/session.key`,
 *   created on first start with mode 600. Changing it signs everyone out.
 *
 * Every way a credential can be wrong (no cookie, tampered, expired, logged out, disabled user,
 * unknown or revoked token) resolves to null; callers answer 401 without saying which.
 */
import { randomBytes } from "node:crypto";
import { chmodSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { sealData, unsealData } from "iron-session";
import { cookies } from "next/headers";
import { resolveDataDir } from "../../../prisma/data-store.mjs";
import { getDb } from "../db";
import { isRole, permissionsOf, type Permission, type Role } from "./policy";
import { tokenHash, tokenPrincipal } from "./tokens";

/** The session cookie's name. */
export const SESSION_COOKIE = "sluice_session";
/** File in the data dir holding the cookie-sealing password. */
export const SESSION_KEY_FILE = "session.key";

/** Whoever a request acts for. */
export interface Principal {
  kind: "user" | "token" | "anonymous";
  /** User id or token id. */
  id: string;
  /** The username, or "token:<name>" for an API token: the audit trail's `user`. */
  name: string;
  role: Role;
  permissions: Permission[];
  mustChangePassword: boolean;
  /** The Session row, for a browser session. */
  sessionId?: string;
}

/** The signed-in user as pages and GET /api/auth/me show it. */
export interface CurrentUser {
  id: string;
  username: string;
  role: Role;
  permissions: string[];
  mustChangePassword: boolean;
}

/** No one (only public routes run with it). */
export const ANONYMOUS: Principal = { kind: "anonymous", id: "", name: "anonymous", role: "viewer", permissions: [], mustChangePassword: false };

/** The principal as `{ user }` answers carry it. */
export function toCurrentUser(p: Principal): CurrentUser {
  return { id: p.id, username: p.name, role: p.role, permissions: [...p.permissions], mustChangePassword: p.mustChangePassword };
}

/** Session lifetime in seconds: SLUICE_SESSION_HOURS (default 12). */
export function sessionTtlSeconds(): number {
  const hours = Number(process.env.SLUICE_SESSION_HOURS ?? "12");
  return Math.round((Number.isFinite(hours) && hours > 0 ? hours : 12) * 3600);
}

const holder = globalThis as typeof globalThis & { sluiceSessionPassword?: string };

/**
 * The cookie-sealing password: SLUICE_SESSION_SECRET, else the key file in the data dir (created
 * on first use, mode 600). Throws one line naming the file when it cannot be read or created.
 */
export function sessionPassword(): string {
  if (holder.sluiceSessionPassword) return holder.sluiceSessionPassword;
  const fromEnv = process.env.SLUICE_SESSION_SECRET;
  if (fromEnv !== undefined && fromEnv !== "") {
    if (fromEnv.length < 32) throw new Error("sluice: SLUICE_SESSION_SECRET must be at least 32 characters");
    return (holder.sluiceSessionPassword = fromEnv);
  }
  const file = path.join(resolveDataDir(), SESSION_KEY_FILE);
  let text: string;
  try {
    text = readFileSync(file, "utf8").trim();
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== "ENOENT") throw new Error(`sluice: cannot read the session key file ${file}: ${(e as Error).message}`);
    text = randomBytes(48).toString("base64url");
    try {
      writeFileSync(file, `${text}\n`, { mode: 0o600, flag: "wx" });
      chmodSync(file, 0o600);
    } catch (w) {
      // Another process created it first: use theirs.
      if ((w as NodeJS.ErrnoException).code !== "EEXIST") throw new Error(`sluice: cannot create the session key file ${file}: ${(w as Error).message}`);
      text = readFileSync(file, "utf8").trim();
    }
  }
  if (text.length < 32) throw new Error(`sluice: the session key file ${file} is too short (32 characters at least); delete it to get a new one`);
  return (holder.sluiceSessionPassword = text);
}

function cookieAttributes(secure: boolean): string {
  return `Path=/; HttpOnly; SameSite=Strict${secure ? "; Secure" : ""}`;
}

/** Whether the request came over https (directly or through a proxy that says so). */
export function isHttps(req: Request): boolean {
  return new URL(req.url).protocol === "https:" || req.headers.get("x-forwarded-proto") === "https";
}

/**
 * Starts a session for `userId`: stores its row and returns the Set-Cookie header value and the
 * sealed cookie value. The token exists only inside the sealed cookie.
 */
export async function createSession(userId: string, secure: boolean): Promise<{ setCookie: string; sealed: string }> {
  const ttl = sessionTtlSeconds();
  const token = randomBytes(32).toString("base64url");
  const expiresAt = new Date(Date.now() + ttl * 1000);
  await getDb().session.create({ data: { tokenHash: tokenHash(token), userId, expiresAt } });
  const sealed = await sealData({ t: token }, { password: sessionPassword(), ttl });
  return { setCookie: `${SESSION_COOKIE}=${sealed}; ${cookieAttributes(secure)}; Max-Age=${ttl}; Expires=${expiresAt.toUTCString()}`, sealed };
}

/** The Set-Cookie header value that removes the session cookie. */
export function clearedSessionCookie(secure: boolean): string {
  return `${SESSION_COOKIE}=; ${cookieAttributes(secure)}; Max-Age=0; Expires=Thu, 01 Jan 1970 00:00:00 GMT`;
}

/** Ends one session (logout). */
export async function endSession(sessionId: string): Promise<void> {
  await getDb().session.deleteMany({ where: { id: sessionId } });
}

/** Ends every session of a user (disabled, password reset or changed elsewhere). */
export async function endSessionsOf(userId: string, except?: string): Promise<void> {
  await getDb().session.deleteMany({ where: { userId, ...(except ? { id: { not: except } } : {}) } });
}

/** The value of cookie `name` in a Cookie header. */
function readCookie(header: string | null, name: string): string | undefined {
  if (!header) return undefined;
  for (const part of header.split(";")) {
    const eq = part.indexOf("=");
    if (eq > 0 && part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim();
  }
  return undefined;
}

/** Grants as stored (a JSON array of strings); anything else counts as none. */
export function parseGrants(text: string): string[] {
  try {
    const v: unknown = JSON.parse(text);
    return Array.isArray(v) ? v.filter((g): g is string => typeof g === "string") : [];
  } catch {
    return [];
  }
}

const SEAL_FORMAT = /^Fe26\.2\*[A-Za-z0-9_*-]{1,2000}~2$/;

/** How often a session's lastSeenAt is written at most. */
const TOUCH_EVERY_MS = 60_000;

/** The principal of a sealed session cookie value, or null. */
export async function sessionPrincipal(sealed: string | undefined): Promise<Principal | null> {
  // Exactly what sealData writes (iron's Fe26.2 seal, iron-session's "~2" version suffix):
  // iron-session itself would read "~2x" as version 2.
  if (!sealed || !SEAL_FORMAT.test(sealed)) return null;
  let data: { t?: unknown };
  try {
    data = await unsealData<{ t?: unknown }>(sealed, { password: sessionPassword(), ttl: sessionTtlSeconds() });
  } catch {
    return null;
  }
  if (typeof data.t !== "string") return null;
  const db = getDb();
  const row = await db.session.findUnique({ where: { tokenHash: tokenHash(data.t) }, include: { user: true } });
  if (!row) return null;
  const now = Date.now();
  if (row.expiresAt.getTime() <= now) {
    await db.session.deleteMany({ where: { id: row.id } });
    return null;
  }
  const user = row.user;
  if (user.disabled || !isRole(user.role)) return null;
  if (now - row.lastSeenAt.getTime() > TOUCH_EVERY_MS) {
    void db.session.updateMany({ where: { id: row.id }, data: { lastSeenAt: new Date(now) } }).catch(() => undefined);
  }
  return {
    kind: "user",
    id: user.id,
    name: user.username,
    role: user.role,
    permissions: permissionsOf(user.role, parseGrants(user.grants)),
    mustChangePassword: user.mustChangePassword,
    sessionId: row.id,
  };
}

/**
 * Who sent `req`: an `Authorization: Bearer` token when the header is there (and then only the
 * token counts), else the session cookie. Null when neither is valid.
 */
export async function authenticate(req: Request): Promise<Principal | null> {
  const authorization = req.headers.get("authorization");
  if (authorization !== null) {
    const m = /^bearer\s+(\S+)\s*$/i.exec(authorization);
    return m ? tokenPrincipal(m[1]!) : null;
  }
  return sessionPrincipal(readCookie(req.headers.get("cookie"), SESSION_COOKIE));
}

/**
 * The signed-in user of the current request (server components, from the session cookie), or
 * null when there is none or it is no longer valid.
 */
export async function getCurrentUser(): Promise<CurrentUser | null> {
  const p = await sessionPrincipal((await cookies()).get(SESSION_COOKIE)?.value);
  return p ? toCurrentUser(p) : null;
}
