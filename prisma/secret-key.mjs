// The key that encrypts sensitive property values in the flow store, and the encrypted value
// format. AES-256-GCM (node:crypto), one 32-byte key per data dir.
//
// Plain ESM JavaScript (typed by secret-key.d.mts) for the same reason as data-store.mjs:
// scripts/setup.mjs and scripts/rekey.mjs (plain Node) and the Next.js server all use it.
//
// Where the key comes from, in order:
// - $SLUICE_SECRET_KEY: 32 bytes as 64 hex digits or base64 (anything else stops start-up);
// - <data dir>/secret.key: the same text (base64), created with mode 600 on first start.
//
// An encrypted value is the text `enc:v1:<base64 of iv (12) | tag (16) | ciphertext>`, in place
// of the plain value inside the flow's JSON snapshot. Its additional authenticated data is the
// place it belongs to (section, component id, property name), so a ciphertext moved to another
// component or property, or changed in any byte, does not decrypt.
import { createCipheriv, createDecipheriv, randomBytes } from "node:crypto";
import { closeSync, fsyncSync, linkSync, openSync, readFileSync, renameSync, rmSync, statSync, writeSync } from "node:fs";
import path from "node:path";
import Database from "better-sqlite3";

export const SECRET_KEY_ENV = "SLUICE_SECRET_KEY";
export const KEY_FILE_NAME = "secret.key";
/** Prefix of every encrypted value; the version says how the rest is laid out. */
export const ENC_PREFIX = "enc:v1:";

const KEY_BYTES = 32;
const IV_BYTES = 12;
const TAG_BYTES = 16;
const KEY_FORMAT = `${KEY_BYTES} bytes written as 64 hex digits or base64`;
/** The parts of a flow document whose components carry `properties`. */
const SECTIONS = ["processors", "services"];

/** A key problem an operator must fix; the message is one complete line and holds no key material. */
export class SecretKeyError extends Error {
  constructor(message) {
    super(message);
    this.name = "SecretKeyError";
  }
}

/** A value that does not decrypt: changed, moved, or encrypted under another key. */
export class SecretDecryptError extends Error {
  constructor(message) {
    super(message);
    this.name = "SecretDecryptError";
  }
}

/** `<data dir>/secret.key`. */
export function resolveKeyFile(dataDir) {
  return path.join(dataDir, KEY_FILE_NAME);
}

/** The 32-byte key written in `text` (hex or base64, surrounding whitespace ignored), or null. */
export function parseKeyText(text) {
  const t = String(text).trim();
  if (/^[0-9a-fA-F]{64}$/.test(t)) return Buffer.from(t, "hex");
  if (/^[A-Za-z0-9+/]+={0,2}$/.test(t) && t.length % 4 === 0) {
    const b = Buffer.from(t, "base64");
    if (b.length === KEY_BYTES) return b;
  }
  return null;
}

/** A new random key. */
export function generateKey() {
  return randomBytes(KEY_BYTES);
}

/** False only when nothing is at `file` (a stat that fails otherwise counts as present: reading reports it). */
function present(file) {
  try {
    return statSync(file, { throwIfNoEntry: false }) !== undefined;
  } catch {
    return true;
  }
}

/** "EACCES: permission denied, open '/x'" → "permission denied" (the path is named elsewhere). */
function reasonOf(err) {
  const msg = String(err && typeof err === "object" && "message" in err ? err.message : err).split("\n")[0];
  const m = /^[A-Z]+: ([^,]+)/.exec(msg);
  return m ? m[1] : msg;
}

/** Reads and parses a key file. Throws SecretKeyError naming `file` when unreadable or corrupt. */
export function readKeyFile(file) {
  let text;
  try {
    if (!statSync(file).isFile()) throw new SecretKeyError(`sluice: secret key file ${file} is not a regular file`);
    text = readFileSync(file, "utf8");
  } catch (err) {
    if (err instanceof SecretKeyError) throw err;
    throw new SecretKeyError(`sluice: cannot read secret key file ${file}: ${reasonOf(err)}`);
  }
  const key = parseKeyText(text);
  if (!key) throw new SecretKeyError(`sluice: secret key file ${file} is corrupt: expected ${KEY_FORMAT}`);
  return key;
}

/** Makes a rename or link in `dir` durable (best effort: some file systems refuse it). */
function syncDir(dir) {
  try {
    const fd = openSync(dir, "r");
    try {
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
  } catch {
    // Not supported on this file system; the rename itself is still atomic.
  }
}

/**
 * Writes `key` to `file` (base64 and a newline) with mode 600, all or nothing: a temporary file
 * is written and synced, then put in place. `replace: false` refuses an existing file; `replace:
 * true` swaps it atomically (rename). Throws SecretKeyError naming `file`.
 */
export function writeKeyFile(file, key, { replace = false } = {}) {
  const tmp = `${file}.tmp-${process.pid}`;
  try {
    const fd = openSync(tmp, "wx", 0o600);
    try {
      writeSync(fd, `${key.toString("base64")}\n`);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    if (replace) renameSync(tmp, file);
    else linkSync(tmp, file);
  } catch (err) {
    if (err && err.code === "EEXIST") throw new SecretKeyError(`sluice: cannot write secret key file ${file}: it already exists`);
    throw new SecretKeyError(`sluice: cannot write secret key file ${file}: ${reasonOf(err)}`);
  } finally {
    rmSync(tmp, { force: true });
  }
  syncDir(path.dirname(file));
}

/** The additional authenticated data of the value of property `name` of component `id`. */
export function secretContext(section, id, name) {
  return JSON.stringify([section, id, name]);
}

/** True when `value` is in the encrypted value format (it may still fail to decrypt). */
export function isEncrypted(value) {
  return typeof value === "string" && value.startsWith(ENC_PREFIX);
}

/** Encrypts `plain` under `key`, bound to `context` (see secretContext). A fresh IV each time. */
export function encryptValue(key, plain, context) {
  const iv = randomBytes(IV_BYTES);
  const cipher = createCipheriv("aes-256-gcm", key, iv);
  cipher.setAAD(Buffer.from(context, "utf8"));
  const ct = Buffer.concat([cipher.update(plain, "utf8"), cipher.final()]);
  return ENC_PREFIX + Buffer.concat([iv, cipher.getAuthTag(), ct]).toString("base64");
}

/**
 * Decrypts a value made by encryptValue with the same key and context. Throws
 * SecretDecryptError (no value in its message) when it was changed, moved or made under
 * another key.
 */
export function decryptValue(key, value, context) {
  if (!isEncrypted(value)) throw new SecretDecryptError("not an encrypted value");
  const raw = Buffer.from(value.slice(ENC_PREFIX.length), "base64");
  if (raw.length < IV_BYTES + TAG_BYTES) throw new SecretDecryptError("the encrypted value is truncated");
  try {
    const decipher = createDecipheriv("aes-256-gcm", key, raw.subarray(0, IV_BYTES));
    decipher.setAAD(Buffer.from(context, "utf8"));
    decipher.setAuthTag(raw.subarray(IV_BYTES, IV_BYTES + TAG_BYTES));
    return Buffer.concat([decipher.update(raw.subarray(IV_BYTES + TAG_BYTES)), decipher.final()]).toString("utf8");
  } catch {
    throw new SecretDecryptError("the encrypted value does not decrypt with this key (changed, moved, or encrypted under another key)");
  }
}

/**
 * A copy of the flow document `doc` (parsed JSON) where every property value in the encrypted
 * format, of every processor and service, is replaced by `fn(value, context, path)`; `path` is
 * the value's field path (`services[0].properties.password`). Anything else is left as is, so
 * this works on any stored snapshot without knowing which properties are sensitive.
 */
export function mapEncryptedValues(doc, fn) {
  if (!doc || typeof doc !== "object") return doc;
  const out = { ...doc };
  for (const section of SECTIONS) {
    if (!Array.isArray(doc[section])) continue;
    out[section] = doc[section].map((c, i) => {
      if (!c || typeof c !== "object" || !c.properties || typeof c.properties !== "object") return c;
      let props = null;
      for (const [name, value] of Object.entries(c.properties)) {
        if (!isEncrypted(value)) continue;
        props ??= { ...c.properties };
        props[name] = fn(value, secretContext(section, String(c.id), name), `${section}[${i}].properties.${name}`);
      }
      return props ? { ...c, properties: props } : c;
    });
  }
  return out;
}

/** Every encrypted value of a snapshot's JSON text, with its context and path (none if not JSON). */
export function encryptedValuesOf(snapshotText) {
  let doc;
  try {
    doc = JSON.parse(snapshotText);
  } catch {
    return [];
  }
  const found = [];
  mapEncryptedValues(doc, (value, context, at) => {
    found.push({ value, context, path: at });
    return value;
  });
  return found;
}

/**
 * One encrypted value from the flow store (Flow first, then FlowRevision, then a sensitive
 * parameter of a parameter context), or null when there is none, no database, or no tables yet.
 * Read-only. A store whose only secrets are parameters is checked against the key too.
 */
export function sampleEncryptedValue(databasePath) {
  let db;
  try {
    db = new Database(databasePath, { readonly: true, fileMustExist: true });
  } catch {
    return null;
  }
  try {
    const tables = new Set(db.prepare("SELECT name FROM sqlite_master WHERE type = 'table'").all().map((r) => r.name));
    for (const table of ["Flow", "FlowRevision"]) {
      if (!tables.has(table)) continue;
      const rows = db.prepare(`SELECT snapshot FROM "${table}" WHERE instr(snapshot, ?) > 0 LIMIT 20`).all(`"${ENC_PREFIX}`);
      for (const r of rows) {
        const [first] = encryptedValuesOf(r.snapshot);
        if (first) return first;
      }
    }
    if (tables.has("Parameter")) {
      const row = db.prepare(`SELECT "contextId", "name", "value" FROM "Parameter" WHERE "sensitive" = 1 AND instr("value", ?) = 1 LIMIT 1`).get(ENC_PREFIX);
      if (row) return { value: row.value, context: JSON.stringify(["parameters", row.contextId, row.name]), path: `parameter "${row.name}"` };
    }
    return null;
  } finally {
    db.close();
  }
}

/**
 * The key this data dir uses, checked against the store, for every entry point (setup, the
 * server, rekey). Throws SecretKeyError (one line naming the variable or the path) when:
 * - $SLUICE_SECRET_KEY is set but not 32 bytes in hex or base64;
 * - the key file cannot be read or is corrupt;
 * - the key file is missing while the store holds encrypted values, or `create` is false;
 * - an interrupted rekey left `secret.key.new` (run the rekey again to finish it);
 * - the key does not decrypt a value of the store (another key).
 * Otherwise, with `create`, a missing key file is created (mode 600).
 * Returns `{ key, source, file, created }`: `source` names where the key came from (the
 * variable or the file), `file` is the key file path (also when the variable is used).
 */
export function prepareSecretKey({ env = process.env, dataDir, databasePath, create = false }) {
  const file = resolveKeyFile(dataDir);
  const sample = sampleEncryptedValue(databasePath);
  const check = (key, source) => {
    if (!sample) return;
    try {
      decryptValue(key, sample.value, sample.context);
    } catch {
      throw new SecretKeyError(`sluice: the key from ${source} does not decrypt the secrets stored in ${databasePath} (it is another key)`);
    }
  };
  const raw = env[SECRET_KEY_ENV];
  if (raw !== undefined && raw.trim() !== "") {
    const key = parseKeyText(raw);
    if (!key) throw new SecretKeyError(`sluice: ${SECRET_KEY_ENV} must be ${KEY_FORMAT}`);
    check(key, SECRET_KEY_ENV);
    return { key, source: SECRET_KEY_ENV, file, created: false };
  }
  const pending = `${file}.new`;
  if (present(pending)) throw new SecretKeyError(`sluice: an interrupted rekey left ${pending}; run \`npm run rekey\` to finish it`);
  if (!present(file)) {
    if (sample) {
      throw new SecretKeyError(`sluice: secret key file ${file} is missing, but ${databasePath} holds encrypted secrets; restore the file or set ${SECRET_KEY_ENV}`);
    }
    if (!create) throw new SecretKeyError(`sluice: secret key file ${file} does not exist; run \`npm run setup\` (node scripts/setup.mjs) first`);
    const key = generateKey();
    try {
      writeKeyFile(file, key);
      return { key, source: file, file, created: true };
    } catch (err) {
      // Another process created it in between: use theirs (checked below).
      if (!present(file)) throw err;
    }
  }
  const key = readKeyFile(file);
  check(key, file);
  return { key, source: file, file, created: false };
}
