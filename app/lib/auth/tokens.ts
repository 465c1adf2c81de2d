/**
 * API tokens for automation (docs/security.md): created by an admin for one role, shown once,
 * stored only as SHA-256 (a token is 256 random bits, so a fast hash is enough), revocable, sent
 * as `Authorization: Bearer <token>`. A token expires after `expiresInDays` (default
 * DEFAULT_TOKEN_DAYS; null: never, asked for explicitly). A revoked, expired or unknown token
 * resolves to null (401).
 */
import { createHash, randomBytes } from "node:crypto";
import { getDb } from "../db";
import { isRole, permissionsOf, type Role } from "./policy";
import type { Principal } from "./session";

/** Every token starts with this, so a leaked one is easy to recognise in logs and scanners. */
export const TOKEN_PREFIX = "sluice_";

/** SHA-256 hex of a high-entropy token (session and API tokens are stored only this way). */
export function tokenHash(token: string): string {
  return createHash("sha256").update(token).digest("hex");
}

/** Days a token lives when its creator does not say. */
export const DEFAULT_TOKEN_DAYS = 90;
/** The longest lifetime one can ask for (ten years); longer than that is "never", said so. */
export const MAX_TOKEN_DAYS = 3650;

/** A token as GET /api/tokens lists it (never the token itself). */
export interface TokenSummary {
  id: string;
  name: string;
  role: Role;
  createdBy: string;
  createdAt: string;
  lastUsedAt: string | null;
  revokedAt: string | null;
  /** When it stops working; null: never. */
  expiresAt: string | null;
}

function summary(row: {
  id: string;
  name: string;
  role: string;
  createdBy: string;
  createdAt: Date;
  lastUsedAt: Date | null;
  revokedAt: Date | null;
  expiresAt: Date | null;
}): TokenSummary {
  return {
    id: row.id,
    name: row.name,
    role: isRole(row.role) ? row.role : "viewer",
    createdBy: row.createdBy,
    createdAt: row.createdAt.toISOString(),
    lastUsedAt: row.lastUsedAt?.toISOString() ?? null,
    revokedAt: row.revokedAt?.toISOString() ?? null,
    expiresAt: row.expiresAt?.toISOString() ?? null,
  };
}

/**
 * Creates a token; the answer is the only place the token ever appears. `expiresInDays`:
 * undefined gives DEFAULT_TOKEN_DAYS, null never expires.
 */
export async function createToken(
  input: { name: string; role: Role; expiresInDays?: number | null },
  createdBy: string,
  now: number = Date.now(),
): Promise<{ id: string; token: string; expiresAt: string | null }> {
  const token = `${TOKEN_PREFIX}${randomBytes(32).toString("base64url")}`;
  const days = input.expiresInDays === undefined ? DEFAULT_TOKEN_DAYS : input.expiresInDays;
  const expiresAt = days === null ? null : new Date(now + days * 86_400_000);
  const row = await getDb().apiToken.create({ data: { name: input.name, role: input.role, tokenHash: tokenHash(token), createdBy, expiresAt } });
  return { id: row.id, token, expiresAt: row.expiresAt?.toISOString() ?? null };
}

/** Every token, newest first. */
export async function listTokens(): Promise<TokenSummary[]> {
  const rows = await getDb().apiToken.findMany({ orderBy: { createdAt: "desc" } });
  return rows.map(summary);
}

/** Revokes a token; undefined when there is no such token. Revoking twice keeps the first time. */
export async function revokeToken(id: string): Promise<TokenSummary | undefined> {
  const db = getDb();
  const row = await db.apiToken.findUnique({ where: { id } });
  if (!row) return undefined;
  if (row.revokedAt) return summary(row);
  return summary(await db.apiToken.update({ where: { id }, data: { revokedAt: new Date() } }));
}

const TOUCH_EVERY_MS = 60_000;

/** The principal a bearer token acts as, or null (unknown, revoked, expired, malformed). */
export async function tokenPrincipal(token: string, now: number = Date.now()): Promise<Principal | null> {
  if (!token.startsWith(TOKEN_PREFIX) || token.length > 200) return null;
  const db = getDb();
  const row = await db.apiToken.findUnique({ where: { tokenHash: tokenHash(token) } });
  if (!row || row.revokedAt || !isRole(row.role)) return null;
  if (row.expiresAt && row.expiresAt.getTime() <= now) return null;
  if (!row.lastUsedAt || now - row.lastUsedAt.getTime() > TOUCH_EVERY_MS) {
    void db.apiToken.updateMany({ where: { id: row.id }, data: { lastUsedAt: new Date(now) } }).catch(() => undefined);
  }
  return { kind: "token", id: row.id, name: `token:${row.name}`, role: row.role, permissions: permissionsOf(row.role), mustChangePassword: false };
}
