/**
 * What the signed-in user may do, as the UI reads it. The server decides (app/lib/auth/policy.ts
 * answers 403 whatever the UI shows); these helpers only keep the UI from offering what would be
 * refused.
 *
 * Contract:
 * - A user is what `getCurrentUser()` and `GET /api/auth/me` give: role and the full list of
 *   permissions it holds (role permissions plus per-user grants). Every check here reads
 *   `permissions` only, never the role name.
 * - Roles, restriction kinds and permission names are the server's own (app/lib/auth/policy.ts,
 *   pure data); a restricted processor (catalog field `restrictions`) needs `restricted:<kind>`
 *   for each of its kinds.
 */
import { RESTRICTIONS, restrictedPermission, type Restriction, type Role } from "../../lib/auth/policy";

export { RESTRICTIONS, ROLES, restrictedPermission, type Role } from "../../lib/auth/policy";
export type RestrictionKind = Restriction;

/** The signed-in user, as pages pass it to client components. */
export interface SessionUser {
  id: string;
  username: string;
  role: string;
  permissions: string[];
  mustChangePassword: boolean;
}

/** One line per role, for the admin page. */
export const ROLE_SUMMARY: Record<Role, string> = {
  viewer: "sees flows and status, not FlowFile content",
  operator: "starts and stops, empties queues, sees content, replays",
  editor: "designs flows, imports, commits versions",
  admin: "users, tokens, restricted processors, everything",
};

/** What each restriction kind means, as a verb phrase ("GetFile reads files"). */
export const RESTRICTION_LABEL: Record<RestrictionKind, string> = {
  "read-files": "reads files",
  "write-files": "writes files",
  "delete-files": "deletes files",
  listen: "opens a listening port",
  network: "calls out over the network",
};

/** True when `permissions` holds `permission`. */
export function can(permissions: readonly string[], permission: string): boolean {
  return permissions.includes(permission);
}

/** The restriction kinds of `kinds` that `permissions` does not allow (empty: allowed). */
export function missingRestrictions(permissions: readonly string[], kinds: readonly RestrictionKind[]): RestrictionKind[] {
  return kinds.filter((k) => !permissions.includes(restrictedPermission(k)));
}

/** The restriction kinds a catalog entry declares (none when the catalog names none). */
export function restrictionsOf(type: { restrictions?: readonly string[] } | undefined): RestrictionKind[] {
  const declared = type?.restrictions ?? [];
  return RESTRICTIONS.filter((k) => declared.includes(k));
}

/** "reads files and deletes files" for kinds ["read-files", "delete-files"]. */
export function describeRestrictions(kinds: readonly RestrictionKind[]): string {
  const words = kinds.map((k) => RESTRICTION_LABEL[k]);
  return words.length <= 1 ? (words[0] ?? "") : `${words.slice(0, -1).join(", ")} and ${words.at(-1)}`;
}

/** The designer's view of the permissions: which groups of controls it shows. */
export interface DesignerPermissions {
  /** Design: palette, drag, connect, configure, delete, paste, group, layout, versions commit/revert. */
  write: boolean;
  /** Start and stop processors. */
  run: boolean;
  /** Empty a queue. */
  emptyQueues: boolean;
  /** Queued FlowFile content, provenance content, replay. */
  viewData: boolean;
  /** The audit trail of the flow. */
  audit: boolean;
  /** Every permission, for the restricted-processor checks. */
  all: readonly string[];
}

/** Reads the designer's permissions from the user's permission list. */
export function designerPermissions(permissions: readonly string[]): DesignerPermissions {
  return {
    write: can(permissions, "flows:write"),
    run: can(permissions, "flows:run"),
    emptyQueues: can(permissions, "queues:empty"),
    viewData: can(permissions, "data:view"),
    audit: can(permissions, "audit:read"),
    all: permissions,
  };
}
