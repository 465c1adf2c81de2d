// The crypto module of secrets at rest (prisma/secret-key.mjs): the value format, the key
// sources and the one-line start-up errors.
import { mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import Database from "better-sqlite3";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import {
  ENC_PREFIX,
  SecretDecryptError,
  SecretKeyError,
  decryptValue,
  encryptValue,
  encryptedValuesOf,
  generateKey,
  mapEncryptedValues,
  parseKeyText,
  prepareSecretKey,
  secretContext,
} from "../../prisma/secret-key.mjs";

const ctx = secretContext("services", "kafka", "password");
const SECRET = "hunter2-ünïcode-🔑";

describe("encryptValue / decryptValue (AES-256-GCM)", () => {
  it("round-trips, with a fresh IV each time", () => {
    const key = generateKey();
    const a = encryptValue(key, SECRET, ctx);
    const b = encryptValue(key, SECRET, ctx);
    expect(a.startsWith(ENC_PREFIX)).toBe(true);
    expect(a).not.toBe(b);
    expect(a).not.toContain("hunter2");
    expect(decryptValue(key, a, ctx)).toBe(SECRET);
    expect(decryptValue(key, b, ctx)).toBe(SECRET);
    expect(decryptValue(key, encryptValue(key, "", ctx), ctx)).toBe("");
  });

  it("refuses a tampered value: any changed byte, a truncated value", () => {
    const key = generateKey();
    const v = encryptValue(key, SECRET, ctx);
    const raw = Buffer.from(v.slice(ENC_PREFIX.length), "base64");
    for (const at of [0, 12, 28, raw.length - 1]) {
      const bad = Buffer.from(raw);
      bad[at] = bad[at]! ^ 1;
      expect(() => decryptValue(key, ENC_PREFIX + bad.toString("base64"), ctx)).toThrow(SecretDecryptError);
    }
    expect(() => decryptValue(key, ENC_PREFIX + raw.subarray(0, 20).toString("base64"), ctx)).toThrow(SecretDecryptError);
    expect(() => decryptValue(key, "plain", ctx)).toThrow(SecretDecryptError);
  });

  it("refuses a value moved to another component or property", () => {
    const key = generateKey();
    const v = encryptValue(key, SECRET, ctx);
    expect(() => decryptValue(key, v, secretContext("services", "other", "password"))).toThrow(SecretDecryptError);
    expect(() => decryptValue(key, v, secretContext("processors", "kafka", "password"))).toThrow(SecretDecryptError);
    expect(() => decryptValue(key, v, secretContext("services", "kafka", "username"))).toThrow(SecretDecryptError);
  });

  it("refuses another key, and its error holds no secret", () => {
    const v = encryptValue(generateKey(), SECRET, ctx);
    let err: unknown;
    try {
      decryptValue(generateKey(), v, ctx);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(SecretDecryptError);
    expect(String((err as Error).message)).not.toContain("hunter2");
  });
});

describe("parseKeyText", () => {
  it("reads 32 bytes as hex or base64, nothing else", () => {
    const key = generateKey();
    expect(parseKeyText(key.toString("hex"))?.equals(key)).toBe(true);
    expect(parseKeyText(`  ${key.toString("base64")}\n`)?.equals(key)).toBe(true);
    expect(parseKeyText(key.subarray(0, 16).toString("base64"))).toBeNull();
    expect(parseKeyText(key.subarray(0, 31).toString("hex"))).toBeNull();
    expect(parseKeyText("not a key")).toBeNull();
    expect(parseKeyText("")).toBeNull();
  });
});

describe("mapEncryptedValues", () => {
  it("visits every encrypted property value of processors and services, with its context and path", () => {
    const key = generateKey();
    const doc = {
      processors: [{ id: "http", properties: { url: "https://x", Authorization: encryptValue(key, "Bearer t", secretContext("processors", "http", "Authorization")) } }],
      services: [{ id: "kafka", properties: { password: encryptValue(key, "pw", ctx) } }],
    };
    const seen = encryptedValuesOf(JSON.stringify(doc)).map((v) => v.path);
    expect(seen).toEqual(["processors[0].properties.Authorization", "services[0].properties.password"]);
    const open = mapEncryptedValues(doc, (v, c) => decryptValue(key, v, c));
    expect(open.processors[0]!.properties).toEqual({ url: "https://x", Authorization: "Bearer t" });
    expect(open.services[0]!.properties.password).toBe("pw");
    expect(doc.services[0]!.properties.password.startsWith(ENC_PREFIX)).toBe(true);
  });
});

describe("prepareSecretKey (start-up)", () => {
  let dataDir: string;
  let databasePath: string;
  const noEnv = {};

  beforeEach(() => {
    dataDir = mkdtempSync(path.join(tmpdir(), "sluice-key-"));
    databasePath = path.join(dataDir, "sluice.db");
  });
  afterEach(() => rmSync(dataDir, { recursive: true, force: true }));

  /** A store whose Flow table holds one encrypted value under `key`. */
  function storeWithSecret(key: Buffer): void {
    const db = new Database(databasePath);
    db.exec('CREATE TABLE "Flow" (snapshot TEXT); CREATE TABLE "FlowRevision" (snapshot TEXT)');
    const doc = { services: [{ id: "kafka", type: "KafkaConnection", properties: { password: encryptValue(key, "pw", ctx) } }] };
    db.prepare('INSERT INTO "Flow" (snapshot) VALUES (?)').run(JSON.stringify(doc));
    db.close();
  }

  function errorOf(fn: () => unknown): string {
    try {
      fn();
    } catch (e) {
      expect(e).toBeInstanceOf(SecretKeyError);
      const msg = (e as Error).message;
      expect(msg.split("\n")).toHaveLength(1);
      expect(msg).toMatch(/^sluice: /);
      return msg;
    }
    throw new Error("expected a SecretKeyError");
  }

  it("creates the key file on first start, mode 600, and reads the same key afterwards", () => {
    const first = prepareSecretKey({ env: noEnv, dataDir, databasePath, create: true });
    expect(first.created).toBe(true);
    expect(first.file).toBe(path.join(dataDir, "secret.key"));
    expect(statSync(first.file).mode & 0o777).toBe(0o600);
    expect(parseKeyText(readFileSync(first.file, "utf8"))?.equals(first.key)).toBe(true);
    const again = prepareSecretKey({ env: noEnv, dataDir, databasePath, create: true });
    expect(again.created).toBe(false);
    expect(again.key.equals(first.key)).toBe(true);
  });

  it("takes SLUICE_SECRET_KEY first; a wrong length names the variable, not the value", () => {
    const key = generateKey();
    const r = prepareSecretKey({ env: { SLUICE_SECRET_KEY: key.toString("hex") }, dataDir, databasePath, create: true });
    expect(r.key.equals(key)).toBe(true);
    expect(r.source).toBe("SLUICE_SECRET_KEY");
    const short = key.subarray(0, 24).toString("base64");
    const msg = errorOf(() => prepareSecretKey({ env: { SLUICE_SECRET_KEY: short }, dataDir, databasePath, create: true }));
    expect(msg).toContain("SLUICE_SECRET_KEY");
    expect(msg).not.toContain(short);
  });

  it("stops on a corrupt or unreadable key file, naming its path", () => {
    const file = path.join(dataDir, "secret.key");
    writeFileSync(file, "garbage\n", { mode: 0o600 });
    expect(errorOf(() => prepareSecretKey({ env: noEnv, dataDir, databasePath, create: true }))).toContain(`secret key file ${file} is corrupt`);
    rmSync(file);
    // A directory where the file should be cannot be read (as root, mode 000 would not stop a read).
    mkdirSync(file);
    expect(errorOf(() => prepareSecretKey({ env: noEnv, dataDir, databasePath, create: true }))).toContain(`secret key file ${file} is not a regular file`);
  });

  it("stops when the key file is missing but the store holds encrypted values", () => {
    storeWithSecret(generateKey());
    const msg = errorOf(() => prepareSecretKey({ env: noEnv, dataDir, databasePath, create: true }));
    expect(msg).toContain(`secret key file ${path.join(dataDir, "secret.key")} is missing`);
  });

  it("stops when the key does not decrypt the store (another key)", () => {
    storeWithSecret(generateKey());
    const other = generateKey().toString("base64");
    expect(errorOf(() => prepareSecretKey({ env: { SLUICE_SECRET_KEY: other }, dataDir, databasePath }))).toContain("does not decrypt");
  });

  it("checks the key against a sensitive parameter when the flows hold no secret", () => {
    const key = generateKey();
    const db = new Database(databasePath);
    db.exec('CREATE TABLE "Flow" (snapshot TEXT); CREATE TABLE "Parameter" ("contextId" TEXT, "name" TEXT, "value" TEXT, "sensitive" INTEGER)');
    db.prepare('INSERT INTO "Parameter" VALUES (?, ?, ?, 1)').run("ctx1", "db.password", encryptValue(key, "pw", JSON.stringify(["parameters", "ctx1", "db.password"])));
    db.close();
    const other = generateKey().toString("base64");
    expect(errorOf(() => prepareSecretKey({ env: { SLUICE_SECRET_KEY: other }, dataDir, databasePath }))).toContain("does not decrypt");
    expect(prepareSecretKey({ env: { SLUICE_SECRET_KEY: key.toString("base64") }, dataDir, databasePath }).key.equals(key)).toBe(true);
  });

  it("accepts the right key for a store with encrypted values", () => {
    const key = generateKey();
    storeWithSecret(key);
    writeFileSync(path.join(dataDir, "secret.key"), `${key.toString("base64")}\n`, { mode: 0o600 });
    expect(prepareSecretKey({ env: noEnv, dataDir, databasePath }).key.equals(key)).toBe(true);
  });

  it("stops after an interrupted rekey, naming the file it left", () => {
    prepareSecretKey({ env: noEnv, dataDir, databasePath, create: true });
    writeFileSync(path.join(dataDir, "secret.key.new"), `${generateKey().toString("base64")}\n`, { mode: 0o600 });
    expect(errorOf(() => prepareSecretKey({ env: noEnv, dataDir, databasePath, create: true }))).toContain("secret.key.new");
  });
});
