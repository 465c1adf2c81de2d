// Secrets at rest, end to end through app/lib/flow-service.ts on a real flow store (a fresh
// data dir set up by scripts/setup.mjs) and the local node:
// - a KafkaConnection password and an InvokeHTTP sensitive dynamic header are encrypted in Flow
//   and in every FlowRevision: neither the rows (better-sqlite3) nor the raw bytes of the data
//   dir (what `sqlite3 sluice.db .dump | grep` would see) hold them;
// - the node still receives the plain values when the flow is deployed;
// - a masked value sent back keeps the secret only while the connection target is unchanged;
// - scripts/rekey.mjs re-encrypts everything, and old ciphertexts do not decrypt under the new key;
// - setup stops with one line naming the key file when it is missing or corrupt.
import { spawnSync } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import Database from "better-sqlite3";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { FlowDocument, NodeApi } from "../../app/lib/engine-client";
import { ENC_PREFIX, decryptValue, encryptedValuesOf, mapEncryptedValues, readKeyFile } from "../../prisma/secret-key.mjs";

const root = path.resolve(import.meta.dirname, "../..");
const PASSWORD = "kafka-pw-5b1f0c2e9a";
const TOKEN = "Bearer tok-8d3e71aa40c9";
const SECRETS = [PASSWORD, TOKEN.slice("Bearer ".length)];

let dataDir: string;
let dbFile: string;
let keyFile: string;
let svc: typeof import("../../app/lib/flow-service");
let client: typeof import("../../app/lib/engine-client");
let secretKeyModule: typeof import("../../app/lib/secret-key");
/** Snapshots the node received in deploy requests. */
const deployed: FlowDocument[] = [];

function run(script: string, args: string[] = [], env: Record<string, string | undefined> = {}) {
  return spawnSync(process.execPath, [path.join(root, "scripts", script), ...args], {
    cwd: root,
    encoding: "utf8",
    env: { ...process.env, SLUICE_DATA_DIR: dataDir, SLUICE_SECRET_KEY: undefined, ...env },
  });
}

/** Wraps the local node's deploy so the test sees what the node receives. */
async function spyOnDeploy(): Promise<void> {
  const node = (await client.localNode()) as NodeApi & { __spied?: boolean };
  if (node.__spied) return;
  const original = node.deploy.bind(node);
  node.deploy = async (req) => {
    deployed.push(structuredClone(req.snapshot) as FlowDocument);
    return original(req);
  };
  node.__spied = true;
}

/** Every row's snapshot of a table, read with better-sqlite3 (not through the app). */
function rawSnapshots(table: "Flow" | "FlowRevision"): string[] {
  const db = new Database(dbFile, { readonly: true });
  try {
    return (db.prepare(`SELECT snapshot FROM "${table}"`).all() as Array<{ snapshot: string }>).map((r) => r.snapshot);
  } finally {
    db.close();
  }
}

/**
 * The files below the data dir whose raw bytes contain `needle` (the flow store included).
 * Data-dir lock files are skipped: they hold no data, and opening one in this process would
 * drop the local node's POSIX lock on it.
 */
function filesContaining(needle: string): string[] {
  const hits: string[] = [];
  const walk = (dir: string) => {
    for (const e of readdirSync(dir, { withFileTypes: true })) {
      const p = path.join(dir, e.name);
      if (e.name === "sluice.lock") continue;
      if (e.isDirectory()) walk(p);
      else if (e.isFile() && readFileSync(p).includes(Buffer.from(needle))) hits.push(path.relative(dataDir, p));
    }
  };
  walk(dataDir);
  return hits;
}

function expectNoPlainSecretAtRest(): void {
  for (const table of ["Flow", "FlowRevision"] as const) {
    for (const s of rawSnapshots(table)) for (const secret of SECRETS) expect(s).not.toContain(secret);
  }
  for (const secret of SECRETS) expect(filesContaining(secret)).toEqual([]);
}

/** The current Flow row, decrypted in the test with `key` (what the app hands the node). */
function decryptedFlow(flowRowId: string, key: Buffer): FlowDocument {
  const db = new Database(dbFile, { readonly: true });
  try {
    const { snapshot } = db.prepare('SELECT snapshot FROM "Flow" WHERE id = ?').get(flowRowId) as { snapshot: string };
    return mapEncryptedValues(JSON.parse(snapshot) as FlowDocument, (v, ctx) => decryptValue(key, v, ctx));
  } finally {
    db.close();
  }
}

function designedFlow(doc: FlowDocument): FlowDocument {
  return {
    ...doc,
    services: [
      {
        id: "kafka",
        type: "KafkaConnection",
        name: "Orders cluster",
        properties: { bootstrapServers: "127.0.0.1:1", securityProtocol: "SASL_PLAINTEXT", saslMechanism: "PLAIN", username: "app", password: PASSWORD },
      },
    ],
    processors: [
      { id: "gen", name: "Generate", type: "GenerateFlowFile", properties: {}, scheduling: { strategy: "timer", runSchedule: "1 min", concurrentTasks: 1, batchSize: 1, penaltyDuration: "30 sec", yieldDuration: "1 sec" }, autoTerminate: [], state: "stopped" },
      {
        id: "http",
        name: "Call API",
        type: "InvokeHTTP",
        properties: { url: "http://127.0.0.1:1/orders", Authorization: TOKEN },
        sensitiveDynamicProperties: ["Authorization"],
        scheduling: { strategy: "timer", runSchedule: "0 sec", concurrentTasks: 1, batchSize: 1, penaltyDuration: "30 sec", yieldDuration: "1 sec" },
        autoTerminate: ["Original", "Response", "Retry", "No Retry", "Failure"],
        state: "stopped",
      },
      {
        id: "pub",
        name: "Publish",
        type: "PublishKafka",
        properties: { kafkaConnection: "kafka", topic: "orders" },
        scheduling: { strategy: "timer", runSchedule: "0 sec", concurrentTasks: 1, batchSize: 1, penaltyDuration: "30 sec", yieldDuration: "1 sec" },
        autoTerminate: ["success", "failure"],
        state: "stopped",
      },
    ],
    connections: [
      { id: "c1", source: "gen", relationships: ["success"], destination: "http", backPressure: { objectThreshold: 10_000, dataSizeThreshold: "1 GB" }, prioritizers: [], expiration: "0 sec", swapThreshold: 20_000 },
      { id: "c2", source: "gen", relationships: ["success"], destination: "pub", backPressure: { objectThreshold: 10_000, dataSizeThreshold: "1 GB" }, prioritizers: [], expiration: "0 sec", swapThreshold: 20_000 },
    ],
  };
}

let flowId: string;

beforeAll(async () => {
  dataDir = mkdtempSync(path.join(tmpdir(), "sluice-secrets-"));
  dbFile = path.join(dataDir, "sluice.db");
  keyFile = path.join(dataDir, "secret.key");
  process.env.SLUICE_DATA_DIR = dataDir;
  delete process.env.SLUICE_SECRET_KEY;
  const r = run("setup.mjs");
  expect(r.stderr).toBe("");
  expect(r.stdout).toContain(`created the secret key ${keyFile}`);
  svc = await import("../../app/lib/flow-service");
  client = await import("../../app/lib/engine-client");
  secretKeyModule = await import("../../app/lib/secret-key");
  await spyOnDeploy();
});

afterAll(async () => {
  await client?.stopLocalNode();
  const { getDb } = await import("../../app/lib/db");
  await getDb().$disconnect();
  rmSync(dataDir, { recursive: true, force: true });
});

describe("secrets at rest", () => {
  it("creates the key file on first start with mode 600", () => {
    expect(statSync(keyFile).mode & 0o777).toBe(0o600);
    expect(readKeyFile(keyFile)).toHaveLength(32);
  });

  it("stores a KafkaConnection password and a sensitive header encrypted, in Flow and FlowRevision", async () => {
    ({ id: flowId } = await svc.createFlow({ name: "secrets" }));
    const editor = await svc.getEditorFlow(flowId);
    const saved = await svc.saveFlow(flowId, editor.revision, designedFlow(editor.document));
    expect(saved.secretsCleared).toBeUndefined();
    await svc.commitVersion(flowId, "with secrets");

    expectNoPlainSecretAtRest();
    const [flowRow] = rawSnapshots("Flow").filter((s) => s.includes("Orders cluster"));
    const paths = encryptedValuesOf(flowRow!).map((v) => v.path);
    expect(paths).toEqual(["processors[1].properties.Authorization", "services[0].properties.password"]);
    const revision = rawSnapshots("FlowRevision").find((s) => s.includes("Orders cluster"))!;
    expect(encryptedValuesOf(revision).map((v) => v.path)).toEqual(paths);
    expect(revision).toContain(`"${ENC_PREFIX}`);
    // What the test decrypts with the key file is the plain value.
    const doc = decryptedFlow(flowId, readKeyFile(keyFile));
    expect(doc.services[0]!.properties.password).toBe(PASSWORD);
    expect(doc.processors[1]!.properties.Authorization).toBe(TOKEN);
  });

  it("never sends a secret to the browser: editor document, export, version diff", async () => {
    const editor = await svc.getEditorFlow(flowId);
    const exported = await svc.exportFlow(flowId);
    const editorJson = JSON.stringify(editor);
    const exportJson = JSON.stringify(exported);
    for (const secret of SECRETS) {
      expect(editorJson).not.toContain(secret);
      expect(exportJson).not.toContain(secret);
    }
    expect(editorJson).not.toContain(ENC_PREFIX);
    expect(exportJson).not.toContain(ENC_PREFIX);
    expect(exported.document.services[0]!.properties.password).toBeUndefined();
    expect(exported.document.processors[1]!.properties.Authorization).toBeUndefined();
  });

  it("deploys with the plain values: the node receives the real password and header", async () => {
    deployed.length = 0;
    const r = await svc.runFlow(flowId, { action: "start", processors: [] });
    expect(r.failures).toEqual([]);
    expect(deployed).toHaveLength(1);
    expect(deployed[0]!.services[0]!.properties.password).toBe(PASSWORD);
    expect(deployed[0]!.processors[1]!.properties.Authorization).toBe(TOKEN);
    const status = await svc.liveStatus(flowId);
    expect(status.deployed).toBe(true);
    expect(JSON.stringify(status)).not.toMatch(new RegExp(SECRETS.join("|")));
    expectNoPlainSecretAtRest();
  });

  it("keeps a masked secret when the target is unchanged, clears it when the broker or URL host changes", async () => {
    const key = readKeyFile(keyFile);
    let editor = await svc.getEditorFlow(flowId);
    const doc = editor.document;
    // Same brokers (reordered) and same URL origin (other path), other username: secrets kept.
    const same = structuredClone(doc);
    same.services[0]!.properties = { ...same.services[0]!.properties, bootstrapServers: " 127.0.0.1:1 ", username: "app2" };
    same.processors[1]!.properties = { ...same.processors[1]!.properties, url: "http://127.0.0.1:1/v2/orders" };
    const kept = await svc.saveFlow(flowId, editor.revision, same);
    expect(kept.secretsCleared).toBeUndefined();
    expect(decryptedFlow(flowId, key).services[0]!.properties.password).toBe(PASSWORD);
    expect(decryptedFlow(flowId, key).processors[1]!.properties.Authorization).toBe(TOKEN);
    expect((await svc.getEditorFlow(flowId)).analysis.problems.filter((p) => p.path.includes("services"))).toEqual([]);

    // Another broker and another host: the masked values come back unchanged, the secrets do not follow.
    editor = await svc.getEditorFlow(flowId);
    const moved = structuredClone(editor.document);
    moved.services[0]!.properties = { ...moved.services[0]!.properties, bootstrapServers: "evil.example:9092" };
    moved.processors[1]!.properties = { ...moved.processors[1]!.properties, url: "http://evil.example/orders" };
    const r = await svc.saveFlow(flowId, editor.revision, moved);
    expect(r.secretsCleared?.map((c) => c.path).sort()).toEqual(["processors[1].properties.Authorization", "services[0].properties.password"]);
    expect(JSON.stringify(r)).not.toMatch(new RegExp(SECRETS.join("|")));
    const now = decryptedFlow(flowId, key);
    expect(now.services[0]!.properties.password).toBeUndefined();
    expect(now.processors[1]!.properties.Authorization).toBeUndefined();
    // The node gets no password, and says it is required again once a processor uses the service.
    deployed.length = 0;
    await svc.runFlow(flowId, { action: "start", processors: ["pub"] });
    expect(deployed.at(-1)!.services[0]!.properties.password).toBeUndefined();
    await svc.runFlow(flowId, { action: "stop" });

    // The version diff shows the redirect and the cleared secret, never a value.
    const diff = await svc.diffVersions(flowId, 1, "current");
    expect(diff.same).toBe(false);
    expect(diff.services.changed[0]!.changes).toContainEqual({ field: "properties.bootstrapServers", before: "127.0.0.1:1", after: "evil.example:9092" });
    expect(diff.services.changed[0]!.changes.find((c) => c.field === "properties.password")?.after).toBe("(none)");
    expect(JSON.stringify(diff)).not.toMatch(new RegExp(SECRETS.join("|")));

    // Typing the secret again stores it encrypted again.
    editor = await svc.getEditorFlow(flowId);
    const retyped = structuredClone(editor.document);
    retyped.services[0]!.properties = { ...retyped.services[0]!.properties, bootstrapServers: "127.0.0.1:1", password: PASSWORD };
    retyped.processors[1]!.properties = { ...retyped.processors[1]!.properties, url: "http://127.0.0.1:1/orders", Authorization: TOKEN };
    await svc.saveFlow(flowId, editor.revision, retyped);
    expect(decryptedFlow(flowId, key).services[0]!.properties.password).toBe(PASSWORD);
    expectNoPlainSecretAtRest();
  });

  it("encrypts plain-text secrets left by an older version (sealPlainSecrets)", async () => {
    const db = new Database(dbFile);
    const legacy = designedFlow({ sluice: 1, id: "legacy", name: "legacy", processors: [], connections: [], groups: [], services: [] });
    const now = new Date().toISOString().replace("Z", "+00:00");
    db.prepare('INSERT INTO "Flow" ("id", "name", "revision", "snapshot", "createdAt", "updatedAt") VALUES (?, ?, 1, ?, ?, ?)').run("legacyflow", "legacy", JSON.stringify(legacy), now, now);
    db.prepare('INSERT INTO "FlowRevision" ("id", "flowId", "version", "message", "snapshot", "createdAt") VALUES (?, ?, 1, ?, ?, ?)').run("legacyrev", "legacyflow", "old", JSON.stringify(legacy), now);
    db.close();
    expect(filesContaining(PASSWORD)).not.toEqual([]);
    expect(await svc.sealPlainSecrets()).toBe(2);
    expectNoPlainSecretAtRest();
    expect(decryptedFlow("legacyflow", readKeyFile(keyFile)).services[0]!.properties.password).toBe(PASSWORD);
    expect(await svc.sealPlainSecrets()).toBe(0);
    await svc.deleteFlow("legacyflow");
  });

  it("rekey: refused while the node runs; then re-encrypts everything and old ciphertexts do not decrypt", async () => {
    await svc.nodeInfo();
    await svc.nodeInfo();
    const busy = run("rekey.mjs");
    expect(busy.status).toBe(1);
    expect(busy.stderr).toMatch(/^sluice: the data dir .* is in use .*stop it before rekeying\n$/);

    const oldKey = readKeyFile(keyFile);
    const before = [...rawSnapshots("Flow"), ...rawSnapshots("FlowRevision")].flatMap(encryptedValuesOf);
    expect(before.length).toBeGreaterThanOrEqual(4);
    await client.stopLocalNode();
    const r = run("rekey.mjs");
    expect(r.stderr).toBe("");
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/re-encrypted \d+ secrets in 1 flow and 1 revision; .*secret\.key holds the new key/);
    const newKey = readKeyFile(keyFile);
    expect(newKey.equals(oldKey)).toBe(false);
    expect(statSync(keyFile).mode & 0o777).toBe(0o600);
    expect(readdirSync(dataDir).filter((f) => f.startsWith("secret.key"))).toEqual(["secret.key"]);

    for (const v of before) expect(() => decryptValue(newKey, v.value, v.context)).toThrow();
    const after = [...rawSnapshots("Flow"), ...rawSnapshots("FlowRevision")].flatMap(encryptedValuesOf);
    expect(after.map((v) => v.path)).toEqual(before.map((v) => v.path));
    for (const v of after) {
      expect(() => decryptValue(oldKey, v.value, v.context)).toThrow();
      expect([PASSWORD, TOKEN]).toContain(decryptValue(newKey, v.value, v.context));
    }
    expectNoPlainSecretAtRest();

    // The app reads the new key and deploys with the plain values again.
    secretKeyModule.forgetSecretKey();
    await spyOnDeploy();
    deployed.length = 0;
    await svc.runFlow(flowId, { action: "start", processors: [] });
    expect(deployed.at(-1)!.services[0]!.properties.password).toBe(PASSWORD);
  });

  it("rekey with --new-key-file uses that key", async () => {
    await client.stopLocalNode();
    const next = path.join(tmpdir(), `sluice-next-key-${process.pid}`);
    const hex = Buffer.alloc(32, 7).toString("hex");
    writeFileSync(next, `${hex}\n`, { mode: 0o600 });
    try {
      const r = run("rekey.mjs", ["--new-key-file", next]);
      expect(r.stderr).toBe("");
      expect(readKeyFile(keyFile).toString("hex")).toBe(hex);
      const bad = run("rekey.mjs", ["--new-key-file", path.join(dataDir, "missing.key")]);
      expect(bad.status).toBe(1);
      expect(bad.stderr).toBe(`sluice: cannot read secret key file ${path.join(dataDir, "missing.key")}: no such file or directory\n`);
    } finally {
      rmSync(next, { force: true });
    }
    const setup = run("setup.mjs");
    expect(setup.status).toBe(0);
  });

  it("rekey finishes a rekey interrupted after its transaction, and discards one interrupted before", async () => {
    await client.stopLocalNode();
    const current = readKeyFile(keyFile);
    const next = Buffer.alloc(32, 9);
    const nextFile = path.join(tmpdir(), `sluice-interrupted-key-${process.pid}`);
    writeFileSync(nextFile, next.toString("base64"), { mode: 0o600 });
    try {
      // The store re-encrypted under `next` while secret.key still holds `current`: a crash
      // between the transaction and the key file swap.
      expect(run("rekey.mjs", ["--new-key-file", nextFile], { SLUICE_SECRET_KEY: current.toString("hex") }).status).toBe(0);
      writeFileSync(`${keyFile}.new`, next.toString("base64"), { mode: 0o600 });
      writeFileSync(`${keyFile}.old`, current.toString("base64"), { mode: 0o600 });
      const blocked = run("setup.mjs");
      expect(blocked.status).toBe(1);
      expect(blocked.stderr).toBe(`sluice: an interrupted rekey left ${keyFile}.new; run \`npm run rekey\` to finish it\n`);
      const finished = run("rekey.mjs");
      expect(finished.status).toBe(0);
      expect(finished.stdout).toContain("finished an interrupted rekey");
      expect(readKeyFile(keyFile).equals(next)).toBe(true);
      expect(readdirSync(dataDir).filter((f) => f.startsWith("secret.key"))).toEqual(["secret.key"]);

      // Interrupted before the transaction: the store is still under the current key.
      writeFileSync(`${keyFile}.new`, Buffer.alloc(32, 3).toString("base64"), { mode: 0o600 });
      const redone = run("rekey.mjs");
      expect(redone.status).toBe(0);
      expect(redone.stdout).toContain("discarded an unfinished rekey");
      expect(redone.stdout).toMatch(/re-encrypted \d+ secrets/);
      expect(run("setup.mjs").status).toBe(0);
    } finally {
      rmSync(nextFile, { force: true });
    }
    secretKeyModule.forgetSecretKey();
    expect((await svc.exportFlow(flowId)).document.services[0]!.properties.bootstrapServers).toBe("127.0.0.1:1");
    expect(decryptedFlow(flowId, readKeyFile(keyFile)).services[0]!.properties.password).toBe(PASSWORD);
  });

  it("setup stops with one line naming the key file when it is missing, corrupt, or SLUICE_SECRET_KEY is wrong", () => {
    const aside = `${keyFile}.aside`;
    renameSync(keyFile, aside);
    try {
      const missing = run("setup.mjs");
      expect(missing.status).toBe(1);
      expect(missing.stderr).toBe(`sluice: secret key file ${keyFile} is missing, but ${dbFile} holds encrypted secrets; restore the file or set SLUICE_SECRET_KEY\n`);
      writeFileSync(keyFile, "not a key\n", { mode: 0o600 });
      const corrupt = run("setup.mjs");
      expect(corrupt.status).toBe(1);
      expect(corrupt.stderr).toMatch(new RegExp(`^sluice: secret key file ${keyFile.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")} is corrupt: [^\\n]*\\n$`));
    } finally {
      renameSync(aside, keyFile);
    }
    const wrong = run("setup.mjs", [], { SLUICE_SECRET_KEY: "abc" });
    expect(wrong.status).toBe(1);
    expect(wrong.stderr).toMatch(/^sluice: SLUICE_SECRET_KEY must be 32 bytes[^\n]*\n$/);
    const other = run("setup.mjs", [], { SLUICE_SECRET_KEY: Buffer.alloc(32, 1).toString("base64") });
    expect(other.status).toBe(1);
    expect(other.stderr).toMatch(/^sluice: the key from SLUICE_SECRET_KEY does not decrypt the secrets stored in [^\n]*\n$/);
  });
});
