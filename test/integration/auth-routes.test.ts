/**
 * Access control end to end, against a real `next start` run by package.json's start command
 * (docs/security.md):
 * - the route policy table covers exactly the route files under app/api (and every route of the
 *   README's HTTP API table); a route file without an entry fails here;
 * - every route and method, walked with no credential (401), with a session of each role and
 *   with an API token of each role: allowed → neither 401 nor 403 (and no 5xx), not allowed →
 *   403 `forbidden`, exactly as the table says;
 * - the review's probes fail safely: cross-origin text/plain POST, a foreign Host, wrong
 *   password, tampered cookie, expired session, revoked token, a burst of failed sign-ins;
 * - restricted processors, the audit trail, a token deploy, the first-start password, the
 *   loopback-only listener, and no secret in the server's output.
 */
import { randomBytes } from "node:crypto";
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync } from "node:fs";
import { request as httpRequest } from "node:http";
import { connect } from "node:net";
import { networkInterfaces } from "node:os";
import path from "node:path";
import Database from "better-sqlite3";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { HTTP_METHODS, ROLE_PERMISSIONS, ROLES, ROUTE_POLICY, matchRoute, type Access, type HttpMethod, type Role } from "../../app/lib/auth/policy";
import { startScript, startServer, type TestServer } from "./helpers/app-server";

const root = path.resolve(import.meta.dirname, "../..");
const ADMIN_PASSWORD = `admin-${randomBytes(9).toString("base64url")}`;
const USER_PASSWORD = `user-pw-${randomBytes(9).toString("base64url")}`;

let server: TestServer;
let base: string;
/** Session cookies ("sluice_session=...") by role. */
const cookies = {} as Record<Role, string>;
/** API tokens by role. */
const tokens = {} as Record<Role, string>;
/** Every credential handed out, to check none reaches the server's output. */
const secrets: string[] = [ADMIN_PASSWORD, USER_PASSWORD];
let exampleFlowId: string;

interface Answer {
  status: number;
  body: Record<string, unknown>;
  headers: Headers;
}

interface CallOptions {
  cookie?: string;
  token?: string;
  /** JSON body (sent with Content-Type: application/json). */
  body?: unknown;
  headers?: Record<string, string>;
  /** Leave out the Origin header a browser page of this server would send. */
  noOrigin?: boolean;
}

async function call(method: string, url: string, opts: CallOptions = {}): Promise<Answer> {
  const headers: Record<string, string> = {};
  if (opts.cookie) headers.cookie = opts.cookie;
  if (opts.token) headers.authorization = `Bearer ${opts.token}`;
  if (method !== "GET" && !opts.noOrigin) headers.origin = base;
  if (opts.body !== undefined) headers["content-type"] = "application/json";
  Object.assign(headers, opts.headers);
  const res = await fetch(`${base}${url}`, { method, headers, body: opts.body === undefined ? undefined : JSON.stringify(opts.body), redirect: "manual" });
  const text = await res.text();
  let body: Record<string, unknown> = {};
  try {
    body = text ? (JSON.parse(text) as Record<string, unknown>) : {};
  } catch {
    body = { text };
  }
  return { status: res.status, body, headers: res.headers };
}

/** Signs in; resolves the session cookie ("sluice_session=<sealed>") and the Set-Cookie header. */
async function login(username: string, password: string): Promise<{ cookie: string; setCookie: string; answer: Answer }> {
  const answer = await call("POST", "/api/auth/login", { body: { username, password } });
  expect(answer.status, JSON.stringify(answer.body)).toBe(200);
  const setCookie = answer.headers.get("set-cookie") ?? "";
  const cookie = setCookie.split(";")[0]!;
  secrets.push(cookie.slice(cookie.indexOf("=") + 1));
  return { cookie, setCookie, answer };
}

/** `route`'s pattern with every dynamic segment as "*" (README `:id` and folder `[id]` alike). */
function shape(route: string): string {
  return route.replace(/\?.*$/, "").replace(/:[A-Za-z]+|\[[^\]]+\]/g, "*");
}

/** Route files under app/api: route pattern → exported HTTP methods. */
function routeFiles(): Map<string, HttpMethod[]> {
  const out = new Map<string, HttpMethod[]>();
  const walk = (dir: string) => {
    for (const e of readdirSync(dir, { withFileTypes: true })) {
      const p = path.join(dir, e.name);
      if (e.isDirectory()) walk(p);
      else if (/^route\.(ts|tsx|js|mjs)$/.test(e.name)) {
        const src = readFileSync(p, "utf8");
        const methods = [...src.matchAll(/export\s+(?:async\s+)?(?:function\s+|const\s+)(GET|HEAD|POST|PUT|PATCH|DELETE|OPTIONS)\b/g)].map((m) => m[1] as HttpMethod);
        out.set(`/${path.relative(path.join(root, "app"), dir).split(path.sep).join("/")}`, methods.sort());
      }
    }
  };
  walk(path.join(root, "app", "api"));
  return out;
}

/** README "HTTP API" table rows: [methods, path]. */
function readmeRoutes(): Array<[string[], string]> {
  const readme = readFileSync(path.join(root, "README.md"), "utf8");
  const rows: Array<[string[], string]> = [];
  for (const line of readme.split("\n")) {
    const m = /^\|\s*([A-Z /]+?)\s*\|\s*`(\/api\/[^`]*)`/.exec(line);
    if (m) rows.push([m[1]!.split("/").map((s) => s.trim()), m[2]!]);
  }
  return rows;
}

const NO_FLOW = "no-such-flow";
const A_UUID = "00000000-0000-4000-8000-000000000000";

/**
 * One request per route and method: ids of things that do not exist wherever a handler would
 * change something, so an allowed caller gets a 4xx from the handler (never 401/403) and nothing
 * changes; bodies that are JSON, so only the policy decides between 403 and the handler.
 */
function requests(): Record<string, { url: string; body?: unknown }> {
  const f = exampleFlowId;
  return {
    "POST /api/auth/login": { url: "/api/auth/login", body: {} },
    "POST /api/auth/logout": { url: "/api/auth/logout" },
    "GET /api/auth/me": { url: "/api/auth/me" },
    "POST /api/auth/password": { url: "/api/auth/password", body: {} },
    "GET /api/users": { url: "/api/users" },
    "POST /api/users": { url: "/api/users", body: {} },
    "PATCH /api/users/[id]": { url: "/api/users/no-such-user", body: { role: "viewer" } },
    "GET /api/tokens": { url: "/api/tokens" },
    "POST /api/tokens": { url: "/api/tokens", body: {} },
    "DELETE /api/tokens/[id]": { url: "/api/tokens/no-such-token" },
    "GET /api/audit": { url: "/api/audit" },
    "GET /api/metrics": { url: "/api/metrics" },
    "GET /api/flows": { url: "/api/flows" },
    "POST /api/flows": { url: "/api/flows", body: {} },
    "POST /api/flows/import-nifi": { url: "/api/flows/import-nifi", body: {} },
    "GET /api/flows/[id]": { url: `/api/flows/${f}` },
    "PUT /api/flows/[id]": { url: `/api/flows/${NO_FLOW}`, body: { revision: 1, document: {} } },
    "PATCH /api/flows/[id]": { url: `/api/flows/${NO_FLOW}`, body: { name: "renamed" } },
    "DELETE /api/flows/[id]": { url: `/api/flows/${NO_FLOW}` },
    "GET /api/flows/[id]/export": { url: `/api/flows/${f}/export` },
    "POST /api/flows/[id]/run": { url: `/api/flows/${NO_FLOW}/run`, body: { action: "stop" } },
    "POST /api/flows/[id]/processors/[processorId]/run-once": { url: `/api/flows/${NO_FLOW}/processors/p/run-once` },
    "POST /api/flows/[id]/enable": { url: `/api/flows/${NO_FLOW}/enable`, body: { enabled: false, processors: ["p"] } },
    "GET /api/flows/[id]/events": { url: `/api/flows/${NO_FLOW}/events` },
    "GET /api/flows/[id]/connections/[connectionId]/queue": { url: `/api/flows/${f}/connections/no-such-connection/queue` },
    "DELETE /api/flows/[id]/connections/[connectionId]/queue": { url: `/api/flows/${NO_FLOW}/connections/c/queue` },
    "GET /api/flows/[id]/connections/[connectionId]/dead-letters": { url: `/api/flows/${f}/connections/no-such-connection/dead-letters` },
    "POST /api/flows/[id]/connections/[connectionId]/dead-letters/[batchId]": { url: `/api/flows/${NO_FLOW}/connections/c/dead-letters/b-0-0`, body: { action: "retry" } },
    "GET /api/flows/[id]/connections/[connectionId]/flowfiles/[uuid]": { url: `/api/flows/${NO_FLOW}/connections/c/flowfiles/${A_UUID}` },
    "GET /api/flows/[id]/versions": { url: `/api/flows/${f}/versions` },
    "POST /api/flows/[id]/versions": { url: `/api/flows/${NO_FLOW}/versions`, body: { message: "m" } },
    "GET /api/flows/[id]/versions/diff": { url: `/api/flows/${f}/versions/diff?from=1&to=current` },
    "POST /api/flows/[id]/versions/[version]/revert": { url: `/api/flows/${NO_FLOW}/versions/1/revert`, body: { revision: 1 } },
    "GET /api/flows/[id]/provenance": { url: `/api/flows/${f}/provenance` },
    "GET /api/flows/[id]/provenance/events/[eventId]": { url: `/api/flows/${f}/provenance/events/1` },
    "GET /api/flows/[id]/provenance/events/[eventId]/content": { url: `/api/flows/${f}/provenance/events/1/content?side=input` },
    "POST /api/flows/[id]/provenance/events/[eventId]/replay": { url: `/api/flows/${NO_FLOW}/provenance/events/1/replay` },
    "GET /api/flows/[id]/provenance/lineage/[uuid]": { url: `/api/flows/${f}/provenance/lineage/${A_UUID}` },
    "GET /api/flows/[id]/status-history/[componentId]": { url: `/api/flows/${f}/status-history/no-such-component` },
    "GET /api/flows/[id]/summary": { url: `/api/flows/${f}/summary` },
    "POST /api/processors/validate": { url: "/api/processors/validate", body: {} },
    "POST /api/connections/validate": { url: "/api/connections/validate", body: {} },
    "GET /api/node": { url: "/api/node" },
    "POST /api/cluster/nodes/[id]/remove": { url: "/api/cluster/nodes/no-such-node/remove" },
    "POST /api/cluster/nodes/[id]/decommission": { url: "/api/cluster/nodes/no-such-node/decommission" },
    "POST /api/cluster/nodes/[id]/recommission": { url: "/api/cluster/nodes/no-such-node/recommission" },
    "GET /api/parameter-contexts": { url: "/api/parameter-contexts" },
    "POST /api/parameter-contexts": { url: "/api/parameter-contexts", body: {} },
    "GET /api/parameter-contexts/[id]": { url: "/api/parameter-contexts/no-such-context" },
    "PUT /api/parameter-contexts/[id]": { url: "/api/parameter-contexts/no-such-context", body: { name: "x", parameters: [] } },
    "DELETE /api/parameter-contexts/[id]": { url: "/api/parameter-contexts/no-such-context" },
  };
}

/** Whether a caller with `role` (a session, or a token when `token`) passes `access`. */
function allows(access: Access, role: Role, token: boolean): boolean {
  if (access === "public" || access === "signed-in") return true;
  if (access === "session") return !token;
  return ROLE_PERMISSIONS[role].includes(access);
}

/** A small flow no restriction applies to: GenerateFlowFile → LogAttribute. */
function plainFlow(name: string) {
  return {
    sluice: 1,
    id: `plain-${randomBytes(4).toString("hex")}`,
    name,
    processors: [
      { id: "gen", type: "GenerateFlowFile", properties: { customText: "hello", batchSize: "1" }, scheduling: { runSchedule: "1 sec" }, state: "running" },
      { id: "log", type: "LogAttribute", properties: {}, autoTerminate: ["success"], state: "running" },
    ],
    connections: [{ id: "gen-log", source: "gen", relationships: ["success"], destination: "log" }],
  };
}

beforeAll(async () => {
  server = await startServer({ SLUICE_ADMIN_PASSWORD: ADMIN_PASSWORD, SLUICE_ALLOWED_HOSTS: "sluice.test" });
  base = server.baseUrl;
  cookies.admin = (await login("admin", ADMIN_PASSWORD)).cookie;
  for (const role of ROLES.filter((r) => r !== "admin")) {
    const created = await call("POST", "/api/users", { cookie: cookies.admin, body: { username: `${role}1`, password: USER_PASSWORD, role } });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    cookies[role] = (await login(`${role}1`, USER_PASSWORD)).cookie;
  }
  for (const role of ROLES) {
    const t = await call("POST", "/api/tokens", { cookie: cookies.admin, body: { name: `${role}-token`, role } });
    expect(t.status).toBe(201);
    tokens[role] = t.body.token as string;
    secrets.push(tokens[role]);
  }
  const flows = await call("GET", "/api/flows", { cookie: cookies.admin });
  exampleFlowId = (flows.body.flows as Array<{ id: string }>)[0]!.id;
}, 240_000);

afterAll(async () => {
  await server?.stop();
});

describe("the route policy table", () => {
  it("has exactly one entry per route file and exported method under app/api", () => {
    const files = routeFiles();
    const table = Object.fromEntries(Object.entries(ROUTE_POLICY).map(([r, m]) => [r, (Object.keys(m) as HttpMethod[]).sort()]));
    expect(Object.fromEntries(files)).toEqual(table);
  });

  it("covers every route of the README's HTTP API table", () => {
    const rows = readmeRoutes();
    expect(rows.length).toBeGreaterThan(15);
    const byShape = new Map(Object.entries(ROUTE_POLICY).map(([r, m]) => [shape(r), m]));
    for (const [methods, route] of rows) {
      const policy = byShape.get(shape(route));
      expect(policy, `README route ${route} has no policy`).toBeDefined();
      for (const m of methods) expect(policy![m as HttpMethod], `README ${m} ${route} has no policy`).toBeDefined();
    }
  });

  it("matches request paths to routes, static segments before dynamic ones", () => {
    expect(matchRoute("/api/flows/abc/versions/diff")?.route).toBe("/api/flows/[id]/versions/diff");
    expect(matchRoute("/api/flows/abc/versions/3/revert")?.route).toBe("/api/flows/[id]/versions/[version]/revert");
    expect(matchRoute("/api/auth/me")?.route).toBe("/api/auth/me");
    expect(matchRoute("/api/nothing/here")).toBeUndefined();
  });

  it("keeps content, design, users and restricted permissions where the roles say", () => {
    const can = (role: Role, p: string) => (ROLE_PERMISSIONS[role] as readonly string[]).includes(p);
    expect(can("viewer", "flows:read") && !can("viewer", "data:view") && !can("viewer", "flows:run")).toBe(true);
    expect(can("operator", "data:view") && can("operator", "flows:run") && can("operator", "queues:empty") && !can("operator", "flows:write")).toBe(true);
    expect(can("editor", "flows:write") && !can("editor", "users:manage") && !can("editor", "restricted:read-files")).toBe(true);
    expect(can("admin", "users:manage") && can("admin", "tokens:manage") && can("admin", "restricted:network")).toBe(true);
    expect(ROUTE_POLICY["/api/flows/[id]/connections/[connectionId]/flowfiles/[uuid]"]!.GET!.access).toBe("data:view");
    expect(ROUTE_POLICY["/api/flows/[id]/provenance/events/[eventId]/content"]!.GET!.access).toBe("data:view");
    expect(ROUTE_POLICY["/api/flows/[id]/provenance/events/[eventId]/replay"]!.POST!.access).toBe("data:view");
  });
});

describe("every route against no credential, each role's session and each role's token", () => {
  it("answers exactly what the policy table says", async () => {
    const table = requests();
    for (const [route, methods] of Object.entries(ROUTE_POLICY)) {
      for (const method of HTTP_METHODS) {
        const policy = methods[method];
        if (!policy) continue;
        const key = `${method} ${route}`;
        const req = table[key];
        expect(req, `no request for ${key} in this test`).toBeDefined();
        const anon = await call(method, req!.url, { body: req!.body });
        if (policy.access === "public") expect([401, 403], `${key} without a session`).not.toContain(anon.status);
        else expect(anon.status, `${key} without a session: ${JSON.stringify(anon.body)}`).toBe(401);
        for (const role of ROLES) {
          for (const viaToken of [false, true]) {
            // Logging out ends the session used: log out a fresh one.
            const cookie = route === "/api/auth/logout" && !viaToken ? (await login(role === "admin" ? "admin" : `${role}1`, role === "admin" ? ADMIN_PASSWORD : USER_PASSWORD)).cookie : cookies[role];
            const a = await call(method, req!.url, viaToken ? { token: tokens[role], body: req!.body } : { cookie, body: req!.body });
            const who = `${key} as ${role} ${viaToken ? "token" : "session"}: ${a.status} ${JSON.stringify(a.body)}`;
            if (allows(policy.access, role, viaToken)) {
              expect([401, 403], who).not.toContain(a.status);
              expect(a.status, who).toBeLessThan(500);
            } else {
              expect(a.status, who).toBe(403);
              expect(a.body.code, who).toBe("forbidden");
            }
          }
        }
      }
    }
  }, 180_000);
});

describe("probes that must fail safely", () => {
  it("refuses a cross-origin text/plain POST /api/flows and creates nothing", async () => {
    const before = ((await call("GET", "/api/flows", { cookie: cookies.admin })).body.flows as unknown[]).length;
    const probes: CallOptions[] = [
      { cookie: cookies.admin, headers: { origin: "http://evil.example", "content-type": "text/plain" } },
      { cookie: cookies.admin, headers: { origin: "http://evil.example", "content-type": "application/json" } },
      { cookie: cookies.admin, noOrigin: true, headers: { "content-type": "application/json" } },
      { cookie: cookies.admin, noOrigin: true, headers: { "content-type": "application/json", "sec-fetch-site": "cross-site" } },
      { cookie: cookies.admin, headers: { "content-type": "text/plain" } },
      { cookie: cookies.admin, headers: { "content-type": "application/x-www-form-urlencoded" } },
    ];
    for (const p of probes) {
      const res = await fetch(`${base}/api/flows`, {
        method: "POST",
        headers: { cookie: p.cookie!, ...(p.noOrigin ? {} : { origin: base }), ...p.headers },
        body: JSON.stringify({ name: "planted" }),
      });
      expect([403, 415], JSON.stringify(p.headers)).toContain(res.status);
    }
    expect(((await call("GET", "/api/flows", { cookie: cookies.admin })).body.flows as unknown[]).length).toBe(before);
    // A token is exempt from the origin check, not from JSON.
    const tokenText = await fetch(`${base}/api/flows`, { method: "POST", headers: { authorization: `Bearer ${tokens.admin}`, "content-type": "text/plain" }, body: "{}" });
    expect(tokenText.status).toBe(415);
    // The page's own origin, or Sec-Fetch-Site: same-origin without Origin, is accepted.
    const same = await call("POST", "/api/flows", { cookie: cookies.editor, noOrigin: true, headers: { "sec-fetch-site": "same-origin" }, body: { name: "same origin" } });
    expect(same.status).toBe(201);
  });

  it("refuses a foreign Host header (DNS rebinding) on pages and the API", async () => {
    const get = (p: string, host: string, cookie?: string) =>
      new Promise<number>((resolve, reject) => {
        const req = httpRequest({ host: "127.0.0.1", port: server.port, path: p, headers: { host, ...(cookie ? { cookie } : {}) } }, (res) => {
          res.resume();
          resolve(res.statusCode ?? 0);
        });
        req.on("error", reject);
        req.end();
      });
    for (const p of ["/", "/login", "/api/flows", "/api/auth/me"]) {
      expect(await get(p, `evil.example:${server.port}`, cookies.admin), p).toBe(421);
      expect(await get(p, "evil.example", cookies.admin), p).toBe(421);
    }
    expect(await get("/api/flows", `localhost:${server.port}`, cookies.admin)).toBe(200);
    expect(await get("/api/flows", `[::1]:${server.port}`, cookies.admin)).toBe(200);
    // SLUICE_ALLOWED_HOSTS adds names.
    expect(await get("/api/flows", "sluice.test", cookies.admin)).toBe(200);
  });

  it("answers 401 with the same body for a wrong password, an unknown user and a disabled user", async () => {
    const wrong = await call("POST", "/api/auth/login", { body: { username: "viewer1", password: "not-the-password" } });
    const unknown = await call("POST", "/api/auth/login", { body: { username: "nobody-here", password: "whatever-password" } });
    const created = await call("POST", "/api/users", { cookie: cookies.admin, body: { username: "disabled1", password: USER_PASSWORD, role: "viewer" } });
    const { cookie } = await login("disabled1", USER_PASSWORD);
    expect((await call("PATCH", `/api/users/${(created.body.user as { id: string }).id}`, { cookie: cookies.admin, body: { disabled: true } })).status).toBe(200);
    const disabled = await call("POST", "/api/auth/login", { body: { username: "disabled1", password: USER_PASSWORD } });
    for (const a of [wrong, unknown, disabled]) {
      expect(a.status).toBe(401);
      expect(a.body).toEqual({ error: "invalid username or password" });
      expect(a.headers.get("set-cookie")).toBeNull();
    }
    // Disabling ended the session it had.
    expect((await call("GET", "/api/auth/me", { cookie })).status).toBe(401);
  });

  it("sets an HttpOnly, SameSite=Strict, expiring session cookie; a tampered one is 401", async () => {
    const { cookie, setCookie } = await login("viewer1", USER_PASSWORD);
    expect(setCookie).toMatch(/^sluice_session=[^;]+; Path=\/; HttpOnly; SameSite=Strict; Max-Age=\d+; Expires=/);
    expect(setCookie).not.toMatch(/Secure/);
    expect((await call("GET", "/api/auth/me", { cookie })).status).toBe(200);
    const value = cookie.slice("sluice_session=".length);
    const i = Math.floor(value.length / 2);
    const flipped = `sluice_session=${value.slice(0, i)}${value[i] === "A" ? "B" : "A"}${value.slice(i + 1)}`;
    for (const bad of [flipped, "sluice_session=garbage", `sluice_session=${value}x`, "sluice_session="]) {
      const a = await call("GET", "/api/auth/me", { cookie: bad });
      expect(a.status, bad).toBe(401);
      expect(a.body).toEqual({ error: "authentication required: sign in, or send a valid API token", code: "unauthenticated" });
    }
  });

  it("ends a session at logout and refuses an expired one (server-side)", async () => {
    const { cookie } = await login("operator1", USER_PASSWORD);
    const out = await call("POST", "/api/auth/logout", { cookie });
    expect(out.status).toBe(204);
    expect(out.headers.get("set-cookie")).toMatch(/^sluice_session=; .*Max-Age=0/);
    expect((await call("GET", "/api/auth/me", { cookie })).status).toBe(401);

    const created = await call("POST", "/api/users", { cookie: cookies.admin, body: { username: "expiring1", password: USER_PASSWORD, role: "viewer" } });
    const userId = (created.body.user as { id: string }).id;
    const session = await login("expiring1", USER_PASSWORD);
    expect((await call("GET", "/api/auth/me", { cookie: session.cookie })).status).toBe(200);
    const db = new Database(path.join(server.dataDir, "sluice.db"));
    try {
      db.pragma("busy_timeout = 5000");
      const past = new Date(Date.now() - 60_000).toISOString().replace("Z", "+00:00");
      expect(db.prepare('UPDATE "Session" SET "expiresAt" = ? WHERE "userId" = ?').run(past, userId).changes).toBe(1);
    } finally {
      db.close();
    }
    expect((await call("GET", "/api/auth/me", { cookie: session.cookie })).status).toBe(401);
  });

  it("ends a live status stream once its session is logged out", async () => {
    const { cookie } = await login("viewer1", USER_PASSWORD);
    const res = await fetch(`${base}/api/flows/${exampleFlowId}/events`, { headers: { cookie, accept: "text/event-stream" } });
    expect(res.status).toBe(200);
    const reader = res.body!.getReader();
    expect((await reader.read()).done).toBe(false);
    expect((await call("POST", "/api/auth/logout", { cookie })).status).toBe(204);
    const started = Date.now();
    let done = false;
    while (!done) done = (await reader.read()).done;
    // RECHECK_EVERY (15) status intervals at most.
    expect(Date.now() - started).toBeLessThan(20_000);
  }, 30_000);

  it("refuses a revoked token and a made-up one with 401", async () => {
    const t = await call("POST", "/api/tokens", { cookie: cookies.admin, body: { name: "short-lived", role: "viewer" } });
    const token = t.body.token as string;
    secrets.push(token);
    expect((await call("GET", "/api/flows", { token })).status).toBe(200);
    const listed = (await call("GET", "/api/tokens", { cookie: cookies.admin })).body.tokens as Array<Record<string, unknown>>;
    const row = listed.find((x) => x.id === t.body.id)!;
    expect(row.lastUsedAt).not.toBeNull();
    expect(JSON.stringify(listed)).not.toContain(token);
    expect((await call("DELETE", `/api/tokens/${t.body.id as string}`, { cookie: cookies.admin })).status).toBe(204);
    for (const bad of [token, `${token}x`, "sluice_made-up", "not-even-a-prefix"]) {
      const a = await call("GET", "/api/flows", { token: bad });
      expect(a.status, bad).toBe(401);
      expect(a.body.code).toBe("unauthenticated");
    }
    // A bad token is not rescued by a good cookie in the same request.
    expect((await call("GET", "/api/flows", { token, cookie: cookies.admin })).status).toBe(401);
  });

  it("rate-limits failed sign-ins per username (429 with Retry-After), even for the right password", async () => {
    const created = await call("POST", "/api/users", { cookie: cookies.admin, body: { username: "target1", password: USER_PASSWORD, role: "viewer" } });
    expect(created.status).toBe(201);
    let status = 0;
    let attempts = 0;
    while (attempts < 50) {
      attempts++;
      const a = await call("POST", "/api/auth/login", { body: { username: "target1", password: `wrong-${attempts}` } });
      status = a.status;
      if (status !== 401) {
        expect(a.headers.get("retry-after")).toMatch(/^\d+$/);
        break;
      }
    }
    expect(status).toBe(429);
    expect(attempts).toBe(11);
    expect((await call("POST", "/api/auth/login", { body: { username: "target1", password: USER_PASSWORD } })).status).toBe(429);
    // Another username is not affected.
    expect((await call("POST", "/api/auth/login", { body: { username: "viewer1", password: USER_PASSWORD } })).status).toBe(200);
  });

  it("sends the security headers on pages and API answers", async () => {
    for (const p of ["/login", "/api/auth/me"]) {
      const res = await fetch(`${base}${p}`, { redirect: "manual" });
      const csp = res.headers.get("content-security-policy") ?? "";
      expect(csp, p).toContain("frame-ancestors 'none'");
      expect(csp, p).toContain("default-src 'self'");
      expect(res.headers.get("x-content-type-options"), p).toBe("nosniff");
      expect(res.headers.get("referrer-policy"), p).toBe("same-origin");
      expect(res.headers.get("x-powered-by"), p).toBeNull();
    }
  });
});

describe("users and passwords", () => {
  it("validates input naming the field, and keeps the last admin", async () => {
    const bad = await call("POST", "/api/users", { cookie: cookies.admin, body: { username: "../x", password: "short", role: "root" } });
    expect(bad.status).toBe(400);
    expect(String(bad.body.error)).toMatch(/username/);
    expect(String(bad.body.error)).toMatch(/password/);
    expect(String(bad.body.error)).toMatch(/role/);
    const dup = await call("POST", "/api/users", { cookie: cookies.admin, body: { username: "viewer1", password: USER_PASSWORD, role: "viewer" } });
    expect(dup.status).toBe(409);
    const users = (await call("GET", "/api/users", { cookie: cookies.admin })).body.users as Array<{ id: string; username: string }>;
    expect(JSON.stringify(users)).not.toMatch(/argon2|passwordHash/);
    const admin = users.find((u) => u.username === "admin")!;
    const last = await call("PATCH", `/api/users/${admin.id}`, { cookie: cookies.admin, body: { disabled: true } });
    expect(last.status).toBe(409);
    expect(last.body.code).toBe("last-admin");
  });

  it("changes a password (other sessions end) and makes a reset password temporary", async () => {
    const created = await call("POST", "/api/users", { cookie: cookies.admin, body: { username: "changer1", password: USER_PASSWORD, role: "viewer" } });
    const id = (created.body.user as { id: string }).id;
    const a = await login("changer1", USER_PASSWORD);
    const b = await login("changer1", USER_PASSWORD);
    expect((await call("POST", "/api/auth/password", { cookie: a.cookie, body: { currentPassword: "wrong-password", newPassword: "another-long-password" } })).status).toBe(401);
    const short = await call("POST", "/api/auth/password", { cookie: a.cookie, body: { currentPassword: USER_PASSWORD, newPassword: "short" } });
    expect(short.status).toBe(400);
    expect(String(short.body.error)).toMatch(/newPassword/);
    const next = `changed-${randomBytes(6).toString("hex")}`;
    secrets.push(next);
    expect((await call("POST", "/api/auth/password", { cookie: a.cookie, body: { currentPassword: USER_PASSWORD, newPassword: next } })).status).toBe(204);
    expect((await call("GET", "/api/auth/me", { cookie: a.cookie })).status).toBe(200);
    expect((await call("GET", "/api/auth/me", { cookie: b.cookie })).status).toBe(401);
    expect((await call("POST", "/api/auth/login", { body: { username: "changer1", password: USER_PASSWORD } })).status).toBe(401);
    // An admin reset: the user's sessions end and the new password must be changed.
    const reset = `reset-${randomBytes(6).toString("hex")}`;
    secrets.push(reset);
    expect((await call("PATCH", `/api/users/${id}`, { cookie: cookies.admin, body: { password: reset } })).status).toBe(200);
    expect((await call("GET", "/api/auth/me", { cookie: a.cookie })).status).toBe(401);
    const again = await login("changer1", reset);
    expect((again.answer.body.user as { mustChangePassword: boolean }).mustChangePassword).toBe(true);
  });

  it("applies a new role and grants from the user's next request", async () => {
    const users = (await call("GET", "/api/users", { cookie: cookies.admin })).body.users as Array<{ id: string; username: string }>;
    const viewer = users.find((u) => u.username === "viewer1")!;
    const { cookie } = await login("viewer1", USER_PASSWORD);
    expect((await call("GET", `/api/flows/${NO_FLOW}/connections/c/flowfiles/${A_UUID}`, { cookie })).status).toBe(403);
    const granted = await call("PATCH", `/api/users/${viewer.id}`, { cookie: cookies.admin, body: { grants: ["data:view"] } });
    expect((granted.body.user as { grants: string[] }).grants).toEqual(["data:view"]);
    expect((await call("GET", `/api/flows/${NO_FLOW}/connections/c/flowfiles/${A_UUID}`, { cookie })).status).toBe(409);
    const me = (await call("GET", "/api/auth/me", { cookie })).body.user as { permissions: string[] };
    expect(me.permissions).toContain("data:view");
    await call("PATCH", `/api/users/${viewer.id}`, { cookie: cookies.admin, body: { grants: [] } });
    expect((await call("GET", `/api/flows/${NO_FLOW}/connections/c/flowfiles/${A_UUID}`, { cookie })).status).toBe(403);
    const badGrant = await call("PATCH", `/api/users/${viewer.id}`, { cookie: cookies.admin, body: { grants: ["root"] } });
    expect(badGrant.status).toBe(400);
    expect(String(badGrant.body.error)).toMatch(/grants/);
  });
});

describe("restricted processors", () => {
  function fileFlow(name: string, dir: string) {
    return {
      sluice: 1,
      id: `files-${randomBytes(4).toString("hex")}`,
      name,
      processors: [
        { id: "gen", type: "GenerateFlowFile", properties: { customText: "x", batchSize: "1", totalCount: "1" }, state: "stopped", position: { x: 0, y: 0 } },
        { id: "put", type: "PutFile", properties: { directory: dir }, autoTerminate: ["success", "failure"], state: "stopped", position: { x: 0, y: 100 } },
      ],
      connections: [{ id: "gen-put", source: "gen", relationships: ["success"], destination: "put" }],
    };
  }

  it("needs restricted:<kind> to import, change or start one; moving or stopping needs nothing extra", async () => {
    const dir = path.join(server.dataDir, "files", "out");
    const before = ((await call("GET", "/api/flows", { cookie: cookies.admin })).body.flows as unknown[]).length;
    const refused = await call("POST", "/api/flows", { cookie: cookies.editor, body: { import: fileFlow("by editor", dir) } });
    expect(refused.status).toBe(403);
    expect(refused.body.code).toBe("forbidden");
    expect(refused.body.problems).toEqual([expect.objectContaining({ path: "processors[1]", message: expect.stringContaining("restricted:write-files") })]);
    expect(((await call("GET", "/api/flows", { cookie: cookies.admin })).body.flows as unknown[]).length).toBe(before);

    const imported = await call("POST", "/api/flows", { cookie: cookies.admin, body: { import: fileFlow("by admin", dir) } });
    expect(imported.status).toBe(201);
    const id = imported.body.id as string;
    const editor = await call("GET", `/api/flows/${id}`, { cookie: cookies.editor });
    const doc = editor.body.document as { processors: Array<{ id: string; properties: Record<string, string>; position?: { x: number; y: number } }> };
    const put = doc.processors.find((p) => p.id === "put")!;
    put.position = { x: 40, y: 140 };
    const moved = await call("PUT", `/api/flows/${id}`, { cookie: cookies.editor, body: { revision: editor.body.revision, document: doc } });
    expect(moved.status, JSON.stringify(moved.body)).toBe(200);
    put.properties.directory = "/root";
    const changed = await call("PUT", `/api/flows/${id}`, { cookie: cookies.editor, body: { revision: moved.body.revision, document: doc } });
    expect(changed.status).toBe(403);
    expect(changed.body.problems).toEqual([expect.objectContaining({ path: "processors[1]" })]);

    const operatorStart = await call("POST", `/api/flows/${id}/run`, { cookie: cookies.operator, body: { action: "start" } });
    expect(operatorStart.status).toBe(403);
    const node = (await call("GET", "/api/node", { cookie: cookies.admin })).body as { flows: Array<{ flowId: string; running: boolean }> };
    expect(node.flows.some((f) => f.flowId === id && f.running)).toBe(false);
    // Starting only the unrestricted processor is fine.
    expect((await call("POST", `/api/flows/${id}/run`, { cookie: cookies.operator, body: { action: "start", processors: ["gen"] } })).status).toBe(200);
    expect((await call("POST", `/api/flows/${id}/run`, { cookie: cookies.operator, body: { action: "stop" } })).status).toBe(200);

    const users = (await call("GET", "/api/users", { cookie: cookies.admin })).body.users as Array<{ id: string; username: string }>;
    const operator = users.find((u) => u.username === "operator1")!;
    await call("PATCH", `/api/users/${operator.id}`, { cookie: cookies.admin, body: { grants: ["restricted:write-files"] } });
    const granted = await call("POST", `/api/flows/${id}/run`, { cookie: cookies.operator, body: { action: "start" } });
    expect(granted.status, JSON.stringify(granted.body)).toBe(200);
    expect((await call("POST", `/api/flows/${id}/run`, { cookie: cookies.operator, body: { action: "stop" } })).status).toBe(200);
    await call("PATCH", `/api/users/${operator.id}`, { cookie: cookies.admin, body: { grants: [] } });
    expect((await call("DELETE", `/api/flows/${id}`, { cookie: cookies.admin })).status).toBe(200);
  });
});

describe("view the data", () => {
  it("is data:view: viewers list queues and provenance without content, operators see content", async () => {
    const doc = plainFlow("data");
    doc.processors[1]!.state = "stopped";
    const made = await call("POST", "/api/flows", { cookie: cookies.editor, body: { import: doc } });
    const id = made.body.id as string;
    // Only the source runs, so FlowFiles wait in gen-log.
    expect((await call("POST", `/api/flows/${id}/run`, { cookie: cookies.operator, body: { action: "start", processors: ["gen"] } })).status).toBe(200);
    type Queued = { flowFiles: Array<Record<string, unknown>> };
    let queue: Queued = { flowFiles: [] };
    await expect
      .poll(async () => {
        queue = (await call("GET", `/api/flows/${id}/connections/gen-log/queue`, { cookie: cookies.viewer })).body as unknown as Queued;
        return queue.flowFiles.length;
      }, { timeout: 30_000, interval: 100 })
      .toBeGreaterThan(0);
    const uuid = queue.flowFiles[0]!.uuid as string;
    expect(Object.keys(queue.flowFiles[0]!)).not.toContain("content");
    const hello = Buffer.from("hello").toString("base64");
    expect(JSON.stringify(queue)).not.toContain(hello);
    const contentUrl = `/api/flows/${id}/connections/gen-log/flowfiles/${uuid}`;
    expect((await call("GET", contentUrl, { cookie: cookies.viewer })).status).toBe(403);
    const content = await call("GET", contentUrl, { cookie: cookies.operator });
    expect(content.status).toBe(200);
    expect(content.body.content).toBe(hello);

    const events = (await call("GET", `/api/flows/${id}/provenance?uuid=${uuid}`, { cookie: cookies.viewer })).body.events as Array<{ eventId: number }>;
    expect(events.length).toBeGreaterThan(0);
    const eventId = events[0]!.eventId;
    const detail = await call("GET", `/api/flows/${id}/provenance/events/${eventId}`, { cookie: cookies.viewer });
    expect(detail.status).toBe(200);
    expect(Object.keys(detail.body)).not.toContain("content");
    expect(JSON.stringify(detail.body)).not.toContain(hello);
    const eventContent = `/api/flows/${id}/provenance/events/${eventId}/content?side=output`;
    expect((await call("GET", eventContent, { cookie: cookies.viewer })).status).toBe(403);
    expect((await call("GET", `${eventContent}&download=1`, { cookie: cookies.viewer })).status).toBe(403);
    const seen = await call("GET", eventContent, { cookie: cookies.operator });
    expect(seen.status).toBe(200);
    expect(seen.body.content).toBe(hello);
    expect((await call("POST", `/api/flows/${id}/provenance/events/${eventId}/replay`, { cookie: cookies.viewer })).status).toBe(403);
    expect([200, 409]).toContain((await call("POST", `/api/flows/${id}/provenance/events/${eventId}/replay`, { cookie: cookies.operator })).status);
    expect((await call("POST", `/api/flows/${id}/run`, { cookie: cookies.operator, body: { action: "stop" } })).status).toBe(200);
    expect((await call("DELETE", `/api/flows/${id}`, { cookie: cookies.editor })).status).toBe(200);
  });
});

describe("API tokens", () => {
  it("deploy a flow in one request (import + start) and stop it", async () => {
    const created = await call("POST", "/api/tokens", { cookie: cookies.admin, body: { name: "ci-deploy", role: "editor" } });
    const token = created.body.token as string;
    secrets.push(token);
    expect(token).toMatch(/^sluice_[A-Za-z0-9_-]{43}$/);
    const deployed = await call("POST", "/api/flows", { token, noOrigin: true, body: { import: plainFlow("deployed by token"), start: true } });
    expect(deployed.status, JSON.stringify(deployed.body)).toBe(201);
    const id = deployed.body.id as string;
    expect((deployed.body.run as { failures: unknown[] }).failures).toEqual([]);
    const node = (await call("GET", "/api/node", { token })).body as { flows: Array<{ flowId: string; running: boolean }> };
    expect(node.flows.find((f) => f.flowId === id)?.running).toBe(true);
    expect((await call("POST", `/api/flows/${id}/run`, { token, noOrigin: true, body: { action: "stop" } })).status).toBe(200);
    const viewerToken = await call("POST", "/api/flows", { token: tokens.viewer, body: { import: plainFlow("viewer"), start: true } });
    expect(viewerToken.status).toBe(403);
    const me = (await call("GET", "/api/auth/me", { token })).body.user as { username: string; role: string };
    expect(me).toMatchObject({ username: "token:ci-deploy", role: "editor" });
  });
});

describe("API token lifetime", () => {
  it("expires a token after the days asked for (90 by default, never only when asked), and refuses it then", async () => {
    const bad = await call("POST", "/api/tokens", { cookie: cookies.admin, body: { name: "zero", role: "viewer", expiresInDays: 0 } });
    expect(bad.status).toBe(400);
    expect(String(bad.body.error)).toMatch(/expiresInDays/);
    const t0 = Date.now();
    const byDefault = await call("POST", "/api/tokens", { cookie: cookies.admin, body: { name: "default-life", role: "viewer" } });
    expect(byDefault.status).toBe(201);
    secrets.push(byDefault.body.token as string);
    const days = (Date.parse(byDefault.body.expiresAt as string) - t0) / 86_400_000;
    expect(days).toBeGreaterThan(89.99);
    expect(days).toBeLessThan(90.01);
    const forever = await call("POST", "/api/tokens", { cookie: cookies.admin, body: { name: "no-expiry", role: "viewer", expiresInDays: null } });
    secrets.push(forever.body.token as string);
    expect(forever.body.expiresAt).toBeNull();

    const short = await call("POST", "/api/tokens", { cookie: cookies.admin, body: { name: "short-life", role: "viewer", expiresInDays: 1 } });
    const token = short.body.token as string;
    secrets.push(token);
    expect((await call("GET", "/api/auth/me", { token })).status).toBe(200);
    const db = new Database(path.join(server.dataDir, "sluice.db"));
    try {
      db.pragma("busy_timeout = 5000");
      const past = new Date(Date.now() - 60_000).toISOString().replace("Z", "+00:00");
      expect(db.prepare('UPDATE "ApiToken" SET "expiresAt" = ? WHERE "id" = ?').run(past, short.body.id).changes).toBe(1);
    } finally {
      db.close();
    }
    expect((await call("GET", "/api/auth/me", { token })).status).toBe(401);
    expect((await call("GET", "/api/auth/me", { token: forever.body.token as string })).status).toBe(200);
    const listed = (await call("GET", "/api/tokens", { cookie: cookies.admin })).body.tokens as Array<{ id: string; expiresAt: string | null }>;
    expect(listed.find((t) => t.id === forever.body.id)?.expiresAt).toBeNull();
    expect(Date.parse(listed.find((t) => t.id === short.body.id)!.expiresAt!)).toBeLessThan(Date.now());
  });
});

describe("flow import over the API", () => {
  it("names a flow imported under a name in use \"(2)\", then \"(3)\", and says so", async () => {
    const name = `imported twice ${randomBytes(3).toString("hex")}`;
    const first = await call("POST", "/api/flows", { cookie: cookies.editor, body: { import: plainFlow(name) } });
    expect(first.status, JSON.stringify(first.body)).toBe(201);
    expect(first.body).toMatchObject({ name });
    expect(first.body.renamedFrom).toBeUndefined();
    const second = await call("POST", "/api/flows", { cookie: cookies.editor, body: { import: plainFlow(name.toUpperCase()) } });
    expect(second.body).toMatchObject({ name: `${name.toUpperCase()} (2)`, renamedFrom: name.toUpperCase() });
    const third = await call("POST", "/api/flows", { cookie: cookies.editor, body: { import: plainFlow("ignored"), name: `${name} (2)` } });
    expect(third.body).toMatchObject({ name: `${name} (3)`, renamedFrom: `${name} (2)` });
    const listed = (await call("GET", "/api/flows", { cookie: cookies.viewer })).body.flows as Array<{ id: string; name: string }>;
    expect(listed.filter((f) => f.name.toLowerCase().startsWith(name)).map((f) => f.name).sort()).toEqual([name, `${name.toUpperCase()} (2)`, `${name} (3)`].sort());
    for (const r of [first, second, third]) expect((await call("DELETE", `/api/flows/${r.body.id as string}`, { cookie: cookies.editor })).status).toBe(200);
  });
});

describe("audit trail", () => {
  it("records who created, changed, started, stopped, committed and deleted a flow, searchable by flow and user", async () => {
    const made = await call("POST", "/api/flows", { cookie: cookies.editor, body: { import: plainFlow("audited") } });
    const id = made.body.id as string;
    await call("PATCH", `/api/flows/${id}`, { cookie: cookies.editor, body: { name: "audited, renamed" } });
    await call("POST", `/api/flows/${id}/versions`, { cookie: cookies.editor, body: { message: "first" } });
    expect((await call("POST", `/api/flows/${id}/run`, { cookie: cookies.operator, body: { action: "start" } })).status).toBe(200);
    expect((await call("POST", `/api/flows/${id}/run`, { cookie: cookies.operator, body: { action: "stop" } })).status).toBe(200);
    expect((await call("DELETE", `/api/flows/${id}/connections/gen-log/queue`, { cookie: cookies.operator })).status).toBe(200);
    expect((await call("DELETE", `/api/flows/${id}`, { cookie: cookies.editor })).status).toBe(200);

    const events = (await call("GET", `/api/audit?flowId=${id}`, { cookie: cookies.viewer })).body.events as Array<Record<string, unknown>>;
    expect(events.map((e) => [e.user, e.action])).toEqual([
      ["editor1", "flow-delete"],
      ["operator1", "queue-empty"],
      ["operator1", "flow-stop"],
      ["operator1", "flow-start"],
      ["editor1", "version-commit"],
      ["editor1", "flow-rename"],
      ["editor1", "flow-import"],
    ]);
    expect(events[0]).toMatchObject({ flowId: id, flowName: "audited, renamed" });
    expect(events.find((e) => e.action === "queue-empty")).toMatchObject({ componentId: "gen-log" });
    expect(Date.parse(events[0]!.at as string)).toBeGreaterThan(Date.now() - 120_000);

    const byOperator = (await call("GET", "/api/audit?user=operator1&action=flow-start", { cookie: cookies.viewer })).body.events as Array<Record<string, unknown>>;
    expect(byOperator.length).toBeGreaterThanOrEqual(1);
    expect(byOperator.every((e) => e.user === "operator1" && e.action === "flow-start")).toBe(true);
    const logins = (await call("GET", "/api/audit?action=login&limit=5", { cookie: cookies.viewer })).body.events as unknown[];
    expect(logins.length).toBe(5);
    const bad = await call("GET", "/api/audit?action=hack&limit=0", { cookie: cookies.viewer });
    expect(bad.status).toBe(400);
    expect(String(bad.body.error)).toMatch(/action/);
    expect(String(bad.body.error)).toMatch(/limit/);
    // No secret in the trail.
    const all = JSON.stringify((await call("GET", "/api/audit?limit=1000", { cookie: cookies.admin })).body);
    for (const s of secrets) expect(all).not.toContain(s);
  });
});

describe("network exposure", () => {
  it("package.json's start binds ${SLUICE_HOST:-127.0.0.1} on ${PORT:-3000}", () => {
    expect(startScript()).toMatch(/next start -H \$\{SLUICE_HOST:-127\.0\.0\.1\} -p \$\{PORT:-3000\}/);
  });

  it("the server started by that command listens on loopback only", async () => {
    const listening: string[] = [];
    for (const file of ["/proc/net/tcp", "/proc/net/tcp6"]) {
      if (!existsSync(file)) continue;
      for (const line of readFileSync(file, "utf8").split("\n").slice(1)) {
        const cols = line.trim().split(/\s+/);
        if (cols.length < 4 || cols[3] !== "0A") continue;
        const [addr, port] = cols[1]!.split(":");
        if (parseInt(port!, 16) === server.port) listening.push(addr!);
      }
    }
    expect(listening.length).toBeGreaterThan(0);
    const loopback = new Set(["0100007F", "00000000000000000000000001000000", "0000000000000000FFFF00000100007F"]);
    for (const a of listening) expect(loopback.has(a), `listening on ${a}`).toBe(true);
    const external = Object.values(networkInterfaces())
      .flat()
      .find((i) => i && !i.internal && i.family === "IPv4");
    if (!external) return;
    const outcome = await new Promise<string>((resolve) => {
      const s = connect({ host: external.address, port: server.port });
      s.setTimeout(3_000, () => {
        s.destroy();
        resolve("timeout");
      });
      s.on("connect", () => {
        s.destroy();
        resolve("connected");
      });
      s.on("error", (e: NodeJS.ErrnoException) => resolve(e.code ?? "error"));
    });
    expect(outcome, `connecting to ${external.address}:${server.port}`).not.toBe("connected");
  });
});

describe("first start without SLUICE_ADMIN_PASSWORD", () => {
  it("prints a generated admin password once, keeps it in a mode-600 file until it is changed", async () => {
    const fresh = await startServer({});
    try {
      const m = /sluice: created user "admin" with password (\S+) \(printed once; change it at \/account; also in (\S+) until then\)/.exec(fresh.output());
      expect(m, fresh.output()).not.toBeNull();
      const [, password, file] = m!;
      expect(file).toBe(path.join(fresh.dataDir, "initial-admin-password"));
      expect(statSync(file!).mode & 0o777).toBe(0o600);
      expect(readFileSync(file!, "utf8").trim()).toBe(password);
      const res = await fetch(`${fresh.baseUrl}/api/auth/login`, { method: "POST", headers: { "content-type": "application/json", origin: fresh.baseUrl }, body: JSON.stringify({ username: "admin", password }) });
      expect(res.status).toBe(200);
      expect(((await res.json()) as { user: { mustChangePassword: boolean } }).user.mustChangePassword).toBe(true);
      const cookie = res.headers.get("set-cookie")!.split(";")[0]!;
      const changed = await fetch(`${fresh.baseUrl}/api/auth/password`, {
        method: "POST",
        headers: { "content-type": "application/json", origin: fresh.baseUrl, cookie },
        body: JSON.stringify({ currentPassword: password, newPassword: "a-new-admin-password" }),
      });
      expect(changed.status).toBe(204);
      expect(existsSync(file!)).toBe(false);
      expect(statSync(path.join(fresh.dataDir, "session.key")).mode & 0o777).toBe(0o600);
      expect(fresh.output().split(password!).length - 1).toBe(1);
    } finally {
      await fresh.stop();
    }
  }, 120_000);
});

describe("a session key that cannot be read", () => {
  it("stops the server with one line naming the file", async () => {
    let keyFile = "";
    const started = startServer({ SLUICE_ADMIN_PASSWORD: ADMIN_PASSWORD }, (dataDir) => {
      keyFile = path.join(dataDir, "session.key");
      mkdirSync(keyFile);
    });
    await expect(started).rejects.toThrow(/the server exited \(1\)/);
    await expect(started).rejects.toThrow(new RegExp(`sluice: cannot read the session key file ${keyFile.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}: `));
  }, 60_000);
});

describe("secrets", () => {
  it("no password, token or session cookie appears in the server's output", () => {
    const out = server.output();
    expect(out).toContain(`created user "admin" with the password from SLUICE_ADMIN_PASSWORD`);
    for (const s of secrets) expect(out.includes(s), "a secret in the server output").toBe(false);
  });
});
