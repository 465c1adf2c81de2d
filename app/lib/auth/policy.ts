/**
 * Who may do what, as data (docs/security.md): the roles and their permissions, and the route
 * policy table that names, for every route file under app/api and every method it exports, the
 * permission a request needs. `handle()` in app/lib/api.ts looks every API request up here
 * before its handler runs; test/integration/auth-routes.test.ts walks the table against every
 * role and fails when a route file has no entry.
 *
 * Pure data and pure functions: no I/O, safe to import anywhere (proxy, pages, tests).
 */

/** The roles, lowest first; each holds every permission of the roles before it. */
export const ROLES = ["viewer", "operator", "editor", "admin"] as const;
export type Role = (typeof ROLES)[number];

/** What a restricted processor can reach (the catalog's `restrictions` field). */
export const RESTRICTIONS = ["read-files", "write-files", "delete-files", "listen", "network"] as const;
export type Restriction = (typeof RESTRICTIONS)[number];

/** Every permission there is. */
export const PERMISSIONS = [
  "flows:read",
  "audit:read",
  /** Scrape `/metrics` (viewer and up: the series show what the status API shows a viewer). */
  "metrics:read",
  "flows:run",
  "queues:empty",
  "data:view",
  "flows:write",
  "users:manage",
  "tokens:manage",
  /** Remove, decommission and recommission cluster nodes (admin). */
  "cluster:manage",
  ...RESTRICTIONS.map((r) => `restricted:${r}` as const),
] as const;
export type Permission = (typeof PERMISSIONS)[number];

/** The permission that allows processors of restriction `kind`. */
export function restrictedPermission(kind: Restriction): Permission {
  return `restricted:${kind}`;
}

/** What each role adds to the role below it. */
const ROLE_ADDS: Record<Role, readonly Permission[]> = {
  viewer: ["flows:read", "audit:read", "metrics:read"],
  operator: ["flows:run", "queues:empty", "data:view"],
  editor: ["flows:write"],
  admin: ["users:manage", "tokens:manage", "cluster:manage", ...RESTRICTIONS.map(restrictedPermission)],
};

function upTo(role: Role): Permission[] {
  return ROLES.slice(0, ROLES.indexOf(role) + 1).flatMap((r) => [...ROLE_ADDS[r]]);
}

/** The role → permission table (each role with everything below it). */
export const ROLE_PERMISSIONS: Readonly<Record<Role, readonly Permission[]>> = {
  viewer: upTo("viewer"),
  operator: upTo("operator"),
  editor: upTo("editor"),
  admin: upTo("admin"),
};

export function isRole(value: unknown): value is Role {
  return typeof value === "string" && (ROLES as readonly string[]).includes(value);
}

export function isPermission(value: unknown): value is Permission {
  return typeof value === "string" && (PERMISSIONS as readonly string[]).includes(value);
}

/** A role's permissions plus per-user grants, in PERMISSIONS order, without duplicates. */
export function permissionsOf(role: Role, grants: readonly string[] = []): Permission[] {
  const held = new Set<string>([...ROLE_PERMISSIONS[role], ...grants]);
  return PERMISSIONS.filter((p) => held.has(p));
}

/**
 * What a request needs:
 * - "public": nothing (only login);
 * - "signed-in": any session or API token;
 * - "session": a person's browser session (an API token is refused with 403: it has no password
 *   and no session to end);
 * - a permission.
 */
export type Access = "public" | "signed-in" | "session" | Permission;

/** One exported method of one route file. */
export interface MethodPolicy {
  access: Access;
  /**
   * "json": a state-changing request must say `Content-Type: application/json`;
   * "none": the route reads no body, so the header may be absent (if present it must be JSON).
   * GET routes read no body.
   */
  body: "json" | "none";
}

export const HTTP_METHODS = ["GET", "POST", "PUT", "PATCH", "DELETE"] as const;
export type HttpMethod = (typeof HTTP_METHODS)[number];

const read = (access: Access): MethodPolicy => ({ access, body: "none" });
const write = (access: Access): MethodPolicy => ({ access, body: "json" });
const bodiless = (access: Access): MethodPolicy => ({ access, body: "none" });

/**
 * The route policy table: the route's path as its folder under app/ spells it (dynamic segments
 * in brackets), then each method the route file exports.
 */
export const ROUTE_POLICY: Readonly<Record<string, Partial<Record<HttpMethod, MethodPolicy>>>> = {
  "/api/auth/login": { POST: write("public") },
  "/api/auth/logout": { POST: bodiless("session") },
  "/api/auth/me": { GET: read("signed-in") },
  "/api/auth/password": { POST: write("session") },
  "/api/users": { GET: read("users:manage"), POST: write("users:manage") },
  "/api/users/[id]": { PATCH: write("users:manage") },
  "/api/tokens": { GET: read("tokens:manage"), POST: write("tokens:manage") },
  "/api/tokens/[id]": { DELETE: bodiless("tokens:manage") },
  "/api/audit": { GET: read("audit:read") },
  "/api/metrics": { GET: read("metrics:read") },
  "/api/flows": { GET: read("flows:read"), POST: write("flows:write") },
  "/api/flows/import-nifi": { POST: write("flows:write") },
  "/api/flows/[id]": { GET: read("flows:read"), PUT: write("flows:write"), PATCH: write("flows:write"), DELETE: bodiless("flows:write") },
  "/api/flows/[id]/export": { GET: read("flows:read") },
  "/api/flows/[id]/run": { POST: write("flows:run") },
  "/api/flows/[id]/processors/[processorId]/run-once": { POST: bodiless("flows:run") },
  "/api/flows/[id]/enable": { POST: write("flows:run") },
  "/api/flows/[id]/events": { GET: read("flows:read") },
  "/api/flows/[id]/connections/[connectionId]/queue": { GET: read("flows:read"), DELETE: bodiless("queues:empty") },
  "/api/flows/[id]/connections/[connectionId]/dead-letters": { GET: read("flows:read") },
  "/api/flows/[id]/connections/[connectionId]/dead-letters/[batchId]": { POST: write("queues:empty") },
  "/api/flows/[id]/connections/[connectionId]/flowfiles/[uuid]": { GET: read("data:view") },
  "/api/flows/[id]/versions": { GET: read("flows:read"), POST: write("flows:write") },
  "/api/flows/[id]/versions/diff": { GET: read("flows:read") },
  "/api/flows/[id]/versions/[version]/revert": { POST: write("flows:write") },
  "/api/flows/[id]/provenance": { GET: read("flows:read") },
  "/api/flows/[id]/provenance/events/[eventId]": { GET: read("flows:read") },
  "/api/flows/[id]/provenance/events/[eventId]/content": { GET: read("data:view") },
  "/api/flows/[id]/provenance/events/[eventId]/replay": { POST: bodiless("data:view") },
  "/api/flows/[id]/provenance/lineage/[uuid]": { GET: read("flows:read") },
  "/api/flows/[id]/status-history/[componentId]": { GET: read("flows:read") },
  "/api/flows/[id]/summary": { GET: read("flows:read") },
  "/api/processors/validate": { POST: write("flows:write") },
  "/api/connections/validate": { POST: write("flows:write") },
  "/api/node": { GET: read("flows:read") },
  "/api/cluster/nodes/[id]/remove": { POST: bodiless("cluster:manage") },
  "/api/cluster/nodes/[id]/decommission": { POST: bodiless("cluster:manage") },
  "/api/cluster/nodes/[id]/recommission": { POST: bodiless("cluster:manage") },
  "/api/parameter-contexts": { GET: read("flows:read"), POST: write("flows:write") },
  "/api/parameter-contexts/[id]": { GET: read("flows:read"), PUT: write("flows:write"), DELETE: bodiless("flows:write") },
};

/** A request path matched to its route. */
export interface RouteMatch {
  /** The ROUTE_POLICY key, e.g. "/api/flows/[id]/run". */
  route: string;
  /** The route's methods. */
  methods: Partial<Record<HttpMethod, MethodPolicy>>;
}

const compiled = Object.keys(ROUTE_POLICY).map((route) => ({ route, segments: route.split("/").filter(Boolean) }));

/**
 * The route that serves `pathname`, with Next.js's precedence (a static segment beats a dynamic
 * one at the same position), or undefined when no route of the table matches.
 */
export function matchRoute(pathname: string): RouteMatch | undefined {
  const parts = pathname.split("/").filter(Boolean);
  let best: { route: string; score: string } | undefined;
  for (const c of compiled) {
    if (c.segments.length !== parts.length) continue;
    let score = "";
    let ok = true;
    for (let i = 0; i < parts.length && ok; i++) {
      const seg = c.segments[i]!;
      if (seg.startsWith("[")) score += "0";
      else if (seg === parts[i]) score += "1";
      else ok = false;
    }
    if (ok && (!best || score > best.score)) best = { route: c.route, score };
  }
  return best ? { route: best.route, methods: ROUTE_POLICY[best.route]! } : undefined;
}

/** The audit trail's action names (docs/security.md). */
export const AUDIT_ACTIONS = [
  "login",
  "logout",
  "password-change",
  "user-create",
  "user-update",
  "token-create",
  "token-revoke",
  "flow-create",
  "flow-import",
  "flow-save",
  "flow-rename",
  "flow-delete",
  "flow-start",
  "flow-stop",
  "queue-empty",
  "dead-letter-retry",
  "dead-letter-drop",
  "provenance-replay",
  "version-commit",
  "version-revert",
  "node-remove",
  "node-decommission",
  "node-recommission",
  "parameter-context-create",
  "parameter-context-update",
  "parameter-context-delete",
] as const;
export type AuditAction = (typeof AUDIT_ACTIONS)[number];
