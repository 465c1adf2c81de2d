// Parameter contexts through the HTTP API of a real `next start` with its SQLite flow store
// (docs/parameters.md):
// - create, read, update, delete; a sensitive value is encrypted at rest, write-only (never in an
//   answer, the audit trail or the server's output) and kept when a save leaves it out;
// - a running flow bound to a context takes a changed value as a live edit (its FlowFiles carry
//   the new value; the processors stay running and nothing is restarted by hand);
// - a reference to a missing parameter makes the processor invalid, naming the parameter;
// - a context cannot be deleted while bound (409 naming the flow and the group);
// - export carries the bound contexts without sensitive values; importing that file into a
//   store without the context creates it, the sensitive parameter marked as needing a value;
//   an import whose flow the store refuses leaves no context behind (one transaction);
// - `npm run rekey` re-encrypts parameter secrets too.
import { spawnSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import Database from "better-sqlite3";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { decryptValue, encryptValue, readKeyFile } from "../../prisma/secret-key.mjs";
import { startServer, type TestServer } from "./helpers/app-server";
import { until } from "./helpers/until";

const root = path.resolve(import.meta.dirname, "../..");
const ADMIN_PASSWORD = `admin-${randomBytes(9).toString("base64url")}`;
const SECRET = `pw-${randomBytes(12).toString("hex")}`;

let server: TestServer;
let cookie = "";

async function call(method: string, url: string, body?: unknown): Promise<{ status: number; body: Record<string, unknown>; text: string }> {
  const headers: Record<string, string> = { cookie };
  if (method !== "GET") headers.origin = server.baseUrl;
  if (body !== undefined) headers["content-type"] = "application/json";
  const res = await fetch(`${server.baseUrl}${url}`, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  const text = await res.text();
  let parsed: Record<string, unknown> = {};
  try {
    parsed = text ? (JSON.parse(text) as Record<string, unknown>) : {};
  } catch {
    parsed = { text };
  }
  return { status: res.status, body: parsed, text };
}

interface Parameter {
  name: string;
  value: string | null;
  sensitive: boolean;
  hasValue: boolean;
}
interface Context {
  id: string;
  name: string;
  parameters: Parameter[];
  boundBy: Array<{ flowId: string; flowName: string; group: { id: string; name: string } | null }>;
}

function flowFile(contextId: string) {
  return {
    sluice: 1,
    id: `params-${randomBytes(3).toString("hex")}`,
    name: "Parameters flow",
    parameterContext: contextId,
    groups: [{ id: "grp", name: "Tagging" }],
    processors: [
      { id: "gen", type: "GenerateFlowFile", properties: { customText: "#{text}", batchSize: "1" }, scheduling: { runSchedule: "200 ms" }, state: "running" },
      { id: "tag", type: "UpdateAttribute", group: "grp", properties: { stage: "#{text}", literal: "##{text}" }, state: "running" },
      { id: "log", type: "LogAttribute", properties: { logLevel: "debug" }, autoTerminate: ["success"], state: "running" },
      // Stopped: uses the sensitive parameter in a sensitive (dynamic) property.
      { id: "auth", type: "UpdateAttribute", properties: { token: "#{secret}" }, sensitiveDynamicProperties: ["token"], autoTerminate: ["success"], state: "stopped" },
    ],
    connections: [
      { id: "gen-tag", source: "gen", relationships: ["success"], destination: "tag" },
      { id: "tag-log", source: "tag", relationships: ["success"], destination: "log" },
      { id: "gen-auth", source: "gen", relationships: ["success"], destination: "auth" },
    ],
  };
}

/** True when UpdateAttribute `tag` set every attribute of `attrs` on some FlowFile (provenance). */
async function tagged(flowId: string, attrs: Record<string, string>): Promise<boolean> {
  const q = Object.entries(attrs)
    .map(([k, v]) => `&attr.${k}=${encodeURIComponent(v)}`)
    .join("");
  const r = await call("GET", `/api/flows/${flowId}/provenance?component=tag&type=ATTRIBUTES_MODIFIED${q}&limit=1`);
  return ((r.body.events as unknown[] | undefined) ?? []).length > 0;
}

beforeAll(async () => {
  server = await startServer({ SLUICE_ADMIN_PASSWORD: ADMIN_PASSWORD });
  const res = await fetch(`${server.baseUrl}/api/auth/login`, { method: "POST", headers: { "content-type": "application/json", origin: server.baseUrl }, body: JSON.stringify({ username: "admin", password: ADMIN_PASSWORD }) });
  expect(res.status).toBe(200);
  cookie = res.headers.get("set-cookie")!.split(";")[0]!;
  // startServer builds the app first when a source is newer than the build.
}, 600_000);

afterAll(async () => {
  await server?.stop();
});

describe("parameter contexts through the API", () => {
  let ctx: Context;
  let flowId = "";

  it("creates a context; the sensitive value is write-only and encrypted at rest", async () => {
    const bad = await call("POST", "/api/parameter-contexts", { name: "x", parameters: [{ name: "a/b", value: "1" }] });
    expect(bad.status).toBe(400);
    expect(bad.body.error).toMatch(/parameters\.0\.name|parameters\[0\]\.name/);

    const created = await call("POST", "/api/parameter-contexts", {
      name: "Integration",
      parameters: [
        { name: "text", value: "one" },
        { name: "secret", value: SECRET, sensitive: true },
      ],
    });
    expect(created.status, created.text).toBe(201);
    expect(created.text).not.toContain(SECRET);
    ctx = created.body as unknown as Context;
    expect(ctx.parameters).toEqual([
      { name: "secret", value: null, sensitive: true, hasValue: true, description: null },
      { name: "text", value: "one", sensitive: false, hasValue: true, description: null },
    ]);
    expect((await call("POST", "/api/parameter-contexts", { name: "Integration", parameters: [] })).status).toBe(409);

    const db = new Database(path.join(server.dataDir, "sluice.db"), { readonly: true });
    const row = db.prepare(`SELECT "value" FROM "Parameter" WHERE "name" = 'secret'`).get() as { value: string };
    db.close();
    expect(row.value.startsWith("enc:v1:")).toBe(true);
    expect(readFileSync(path.join(server.dataDir, "sluice.db")).includes(Buffer.from(SECRET))).toBe(false);
    const key = readKeyFile(path.join(server.dataDir, "secret.key"));
    expect(decryptValue(key, row.value, JSON.stringify(["parameters", ctx.id, "secret"]))).toBe(SECRET);
  });

  it("runs a bound flow with its references resolved; escapes stay literal", async () => {
    const imported = await call("POST", "/api/flows", { import: flowFile(ctx.id), start: true });
    expect(imported.status, imported.text).toBe(201);
    flowId = imported.body.id as string;
    await until(() => "a FlowFile tagged stage=one, literal=#{text}", 30_000, () => tagged(flowId, { stage: "one", literal: "#{text}" }));
    const flow = await call("GET", `/api/flows/${flowId}`);
    expect((flow.body.document as { processors: Array<{ id: string; properties: Record<string, string> }> }).processors.find((p) => p.id === "tag")!.properties).toEqual({ stage: "#{text}", literal: "##{text}" });
    expect((flow.body.analysis as { processors: Record<string, { problems: unknown[] }> }).processors.auth!.problems).toEqual([]);
  });

  it("a changed value reaches the running flow as a live edit; a sensitive value left out is kept", async () => {
    const changed = await call("PUT", `/api/parameter-contexts/${ctx.id}`, { name: "Integration", parameters: [{ name: "text", value: "two" }, { name: "secret", sensitive: true }] });
    expect(changed.status, changed.text).toBe(200);
    expect(changed.body.redeployed).toEqual([flowId]);
    expect(changed.body.failures).toEqual([]);
    expect((changed.body.context as Context).parameters.find((p) => p.name === "secret")).toMatchObject({ hasValue: true, value: null });
    await until(() => "a FlowFile tagged with the new value", 30_000, () => tagged(flowId, { stage: "two" }));
    const node = await call("GET", "/api/node");
    const deployed = (node.body.flows as Array<{ flowId: string; running: boolean }>).find((f) => f.flowId === flowId);
    expect(deployed?.running).toBe(true);
    // Plain and sensitive values come back from the store as they were set.
    const db = new Database(path.join(server.dataDir, "sluice.db"), { readonly: true });
    const stored = db.prepare(`SELECT "value" FROM "Parameter" WHERE "name" = 'secret'`).get() as { value: string };
    db.close();
    expect(decryptValue(readKeyFile(path.join(server.dataDir, "secret.key")), stored.value, JSON.stringify(["parameters", ctx.id, "secret"]))).toBe(SECRET);
  });

  it("a reference to a missing parameter makes the processor invalid, naming it", async () => {
    const flow = await call("GET", `/api/flows/${flowId}`);
    const doc = flow.body.document as { processors: Array<{ id: string; properties: Record<string, string> }> };
    doc.processors.find((p) => p.id === "tag")!.properties.stage = "#{nope}";
    const saved = await call("PUT", `/api/flows/${flowId}`, { revision: flow.body.revision, document: doc });
    expect(saved.status, saved.text).toBe(200);
    const problems = (saved.body.analysis as { processors: Record<string, { problems: Array<{ property: string; message: string }> }> }).processors.tag!.problems;
    expect(problems).toEqual([{ property: "stage", message: 'stage references parameter "nope", which is not in parameter context "Integration"' }]);
    // A sensitive parameter in a property that is not sensitive is refused the same way.
    const leaky = await call("POST", "/api/flows", {
      import: { ...flowFile(ctx.id), processors: [{ id: "p", type: "UpdateAttribute", properties: { shown: "#{secret}" }, autoTerminate: ["success"] }], connections: [], groups: [] },
    });
    expect(leaky.status, leaky.text).toBe(201);
    const leakyFlow = await call("GET", `/api/flows/${leaky.body.id as string}`);
    expect(JSON.stringify(leakyFlow.body.analysis)).toMatch(/sensitive parameter \\"secret\\"; a sensitive parameter can only be used in a sensitive property/);
    expect((await call("DELETE", `/api/flows/${leaky.body.id as string}`)).status).toBe(200);
  });

  it("refuses to delete a bound context, naming the flow and the group", async () => {
    const flow = await call("GET", `/api/flows/${flowId}`);
    const doc = flow.body.document as { groups: Array<{ id: string; parameterContext?: string }> };
    doc.groups[0]!.parameterContext = ctx.id;
    expect((await call("PUT", `/api/flows/${flowId}`, { revision: flow.body.revision, document: doc })).status).toBe(200);
    const refused = await call("DELETE", `/api/parameter-contexts/${ctx.id}`);
    expect(refused.status).toBe(409);
    expect(refused.body.code).toBe("context-bound");
    expect(refused.body.error).toBe('Parameter context "Integration" is bound to flow "Parameters flow", group "Tagging" of flow "Parameters flow"; unbind it first');
    expect((await call("GET", `/api/parameter-contexts/${ctx.id}`)).status).toBe(200);
    const listed = (await call("GET", "/api/parameter-contexts")).body.contexts as Context[];
    expect(listed.find((c) => c.id === ctx.id)!.boundBy).toEqual([
      { flowId, flowName: "Parameters flow", group: null },
      { flowId, flowName: "Parameters flow", group: { id: "grp", name: "Tagging" } },
    ]);
  });

  it("exports the bound context without the sensitive value; an import elsewhere marks it as needing a value", async () => {
    const exported = await call("GET", `/api/flows/${flowId}/export`);
    expect(exported.status).toBe(200);
    expect(exported.text).not.toContain(SECRET);
    const file = exported.body as { parameterContext: string; parameterContexts: Array<{ id: string; name: string; parameters: unknown[] }> };
    expect(file.parameterContexts).toEqual([{ id: ctx.id, name: "Integration", parameters: [{ name: "secret", sensitive: true }, { name: "text", value: "two" }] }]);
    // A sensitive property that holds only a reference keeps it: the reference is no secret.
    expect((exported.body.processors as Array<{ id: string; properties: Record<string, string> }>).find((p) => p.id === "auth")!.properties).toEqual({ token: "#{secret}" });
    // As if on another designer: the context's name is not known there.
    file.parameterContexts[0]!.name = "Integration copy";
    const imported = await call("POST", "/api/flows", { import: file, name: "Imported parameters flow" });
    expect(imported.status, imported.text).toBe(201);
    const copy = ((await call("GET", "/api/parameter-contexts")).body.contexts as Context[]).find((c) => c.name === "Integration copy")!;
    expect(copy.id).not.toBe(ctx.id);
    expect(copy.parameters).toEqual([
      { name: "secret", value: null, sensitive: true, hasValue: false, description: null },
      { name: "text", value: "two", sensitive: false, hasValue: true, description: null },
    ]);
    const flow = await call("GET", `/api/flows/${imported.body.id as string}`);
    expect((flow.body.document as { parameterContext: string }).parameterContext).toBe(copy.id);
    expect((flow.body.analysis as { processors: Record<string, { problems: Array<{ message: string }> }> }).processors.auth!.problems).toEqual([
      { property: "token", message: 'token references parameter "secret", which has no value yet (enter it on the Parameter Contexts page)' },
    ]);
    // Importing the same file again reuses the context of that name.
    const again = await call("POST", "/api/flows", { import: file, name: "Imported again" });
    expect(((await call("GET", "/api/parameter-contexts")).body.contexts as Context[]).filter((c) => c.name === "Integration copy")).toHaveLength(1);
    for (const id of [imported.body.id, again.body.id]) expect((await call("DELETE", `/api/flows/${id as string}`)).status).toBe(200);
    expect((await call("DELETE", `/api/parameter-contexts/${copy.id}`)).status).toBe(200);
    expect((await call("GET", `/api/parameter-contexts/${copy.id}`)).status).toBe(404);
  });

  it("leaves no context behind when the imported flow cannot be stored", async () => {
    const file = {
      ...flowFile("ctx-file"),
      parameterContexts: [{ id: "ctx-file", name: "Left behind?", parameters: [{ name: "text", value: "x" }] }],
    };
    // The store refuses the flow row itself (after the contexts would have been written).
    const db = new Database(path.join(server.dataDir, "sluice.db"));
    db.exec(`CREATE TRIGGER refuse_flow_for_test BEFORE INSERT ON "Flow" BEGIN SELECT RAISE(ABORT, 'refused by the test'); END;`);
    try {
      const refused = await call("POST", "/api/flows", { import: file, name: "Refused import" });
      expect(refused.status, refused.text).toBeGreaterThanOrEqual(500);
    } finally {
      db.exec("DROP TRIGGER refuse_flow_for_test");
      db.close();
    }
    const names = ((await call("GET", "/api/parameter-contexts")).body.contexts as Context[]).map((c) => c.name);
    expect(names).not.toContain("Left behind?");
    // With the store willing, the same file imports, context and all.
    const imported = await call("POST", "/api/flows", { import: file, name: "Accepted import" });
    expect(imported.status, imported.text).toBe(201);
    const made = ((await call("GET", "/api/parameter-contexts")).body.contexts as Context[]).find((c) => c.name === "Left behind?")!;
    expect(made.parameters.map((p) => [p.name, p.value])).toEqual([["text", "x"]]);
    expect((await call("DELETE", `/api/flows/${imported.body.id as string}`)).status).toBe(200);
    expect((await call("DELETE", `/api/parameter-contexts/${made.id}`)).status).toBe(200);
  });

  it("audits changes by parameter name, and no answer, entry or log line holds the secret", async () => {
    const audit = await call("GET", "/api/audit?limit=1000");
    const actions = (audit.body.events as Array<{ action: string }>).map((e) => e.action);
    expect(actions).toEqual(expect.arrayContaining(["parameter-context-create", "parameter-context-update", "parameter-context-delete"]));
    expect(audit.text).not.toContain(SECRET);
    expect(server.output()).not.toContain(SECRET);
    await call("POST", `/api/flows/${flowId}/run`, { action: "stop" });
  });
});

describe("npm run rekey", () => {
  it("re-encrypts a parameter's sensitive value under the new key", () => {
    const dataDir = mkdtempSync(path.join(tmpdir(), "sluice-params-rekey-"));
    try {
      const env = { ...process.env, SLUICE_DATA_DIR: dataDir, SLUICE_SECRET_KEY: undefined };
      const setup = spawnSync(process.execPath, [path.join(root, "scripts", "setup.mjs")], { cwd: root, env, encoding: "utf8" });
      expect(setup.status, setup.stderr).toBe(0);
      const keyFile = path.join(dataDir, "secret.key");
      const oldKey = readKeyFile(keyFile);
      const context = JSON.stringify(["parameters", "ctx1", "pw"]);
      const db = new Database(path.join(dataDir, "sluice.db"));
      db.prepare(`INSERT INTO "ParameterContext" ("id", "name", "updatedAt") VALUES ('ctx1', 'Rekey', 0)`).run();
      db.prepare(`INSERT INTO "Parameter" ("id", "contextId", "name", "value", "sensitive") VALUES ('p1', 'ctx1', 'pw', ?, 1)`).run(encryptValue(oldKey, SECRET, context));
      db.close();
      const r = spawnSync(process.execPath, [path.join(root, "scripts", "rekey.mjs")], { cwd: root, env, encoding: "utf8" });
      expect(r.stderr).toBe("");
      expect(r.stdout).toMatch(/re-encrypted 1 secret in 0 flows, 0 revisions and 1 parameter; .*secret\.key holds the new key/);
      const newKey = readKeyFile(keyFile);
      const check = new Database(path.join(dataDir, "sluice.db"), { readonly: true });
      const value = (check.prepare(`SELECT "value" FROM "Parameter" WHERE "id" = 'p1'`).get() as { value: string }).value;
      check.close();
      expect(decryptValue(newKey, value, context)).toBe(SECRET);
      expect(() => decryptValue(oldKey, value, context)).toThrow();
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
