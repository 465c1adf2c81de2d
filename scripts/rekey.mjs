#!/usr/bin/env node
// Re-encrypts every secret of the flow store (Flow, every FlowRevision, and the sensitive values
// of parameter contexts) under a new key.
//
// Usage:
//   npm run rekey                               a new random key replaces <data dir>/secret.key
//   npm run rekey -- --new-key-file <path>      the key in <path> (32 bytes, hex or base64)
//   node scripts/rekey.mjs [--new-key-file <path>]
//
// Stop the server first: it keeps the key in memory (the data dir's lock is checked).
// With $SLUICE_SECRET_KEY set, that is the current key, `--new-key-file` is required, and
// SLUICE_SECRET_KEY must be set to the new key before the next start.
//
// Order of work, so a crash at any point loses nothing:
// 1. the new key goes to <data dir>/secret.key.new and the current one to secret.key.old
//    (both mode 600, synced);
// 2. every encrypted value is re-encrypted in ONE transaction (with secure_delete on);
// 3. the new key replaces secret.key (atomic rename), secret.key.new and .old are removed;
// 4. VACUUM, so old ciphertexts do not stay in free pages.
// A run that finds secret.key.new (an interrupted rekey) first finds out which key the store is
// under and finishes or discards that rekey. Setup refuses to start while secret.key.new exists.
// Problems are one line on stderr, exit code 1; no message holds a secret or a key.
import { mkdirSync, rmSync, statSync } from "node:fs";
import path from "node:path";
import Database from "better-sqlite3";
import { DataStoreError, prepareDataStore } from "../prisma/data-store.mjs";
import {
  ENC_PREFIX,
  SECRET_KEY_ENV,
  SecretKeyError,
  decryptValue,
  encryptValue,
  generateKey,
  mapEncryptedValues,
  prepareSecretKey,
  readKeyFile,
  resolveKeyFile,
  sampleEncryptedValue,
  writeKeyFile,
} from "../prisma/secret-key.mjs";

const USAGE = "usage: node scripts/rekey.mjs [--new-key-file <path>]";
const TABLES = ["Flow", "FlowRevision"];

/**
 * The encryption context of a sensitive parameter's value: secretContext()'s shape with the
 * section "parameters" (app/lib/parameter-snapshot.ts builds the same).
 */
function parameterContext(contextId, name) {
  return JSON.stringify(["parameters", contextId, name]);
}

/** True when the store has the Parameter table (a store migrated before parameter contexts has not). */
function hasParameterTable(db) {
  return db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'Parameter'").get() !== undefined;
}

/** A failure already explained in one line. */
class RekeyError extends Error {}

function log(line) {
  process.stdout.write(`sluice: ${line}\n`);
}

function parseArgs(argv) {
  let newKeyFile = null;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === "--new-key-file" && argv[i + 1] !== undefined) newKeyFile = path.resolve(argv[++i]);
    else if (a.startsWith("--new-key-file=")) newKeyFile = path.resolve(a.slice("--new-key-file=".length));
    else throw new RekeyError(`sluice: unknown argument ${a} (${USAGE})`);
  }
  return { newKeyFile };
}

/**
 * Holds the local node's data-dir lock (the same SQLite exclusive lock engine/runtime/
 * data-dir-lock.ts takes), so the server cannot start, or be running, with the old key in
 * memory while the store changes. Returns the release function.
 */
function holdDataDirLock(dir) {
  mkdirSync(dir, { recursive: true });
  const db = new Database(path.join(dir, "sluice.lock"), { timeout: 0 });
  try {
    db.pragma("locking_mode = EXCLUSIVE");
    db.exec("BEGIN EXCLUSIVE; CREATE TABLE IF NOT EXISTS owner (pid INTEGER); COMMIT;");
  } catch (err) {
    db.close();
    if (err && (err.code === "SQLITE_BUSY" || err.code === "SQLITE_LOCKED")) {
      throw new RekeyError(`sluice: the data dir ${path.dirname(dir)} is in use (the app server, a sluice run or node); stop it before rekeying`);
    }
    throw err;
  }
  return () => db.close();
}

function decrypts(key, sample) {
  try {
    decryptValue(key, sample.value, sample.context);
    return true;
  } catch {
    return false;
  }
}

/**
 * Deals with a rekey interrupted after step 1: the store is under the current key (discard the
 * new one) or under the new key (finish: put it in place). Returns true when it finished one.
 */
function recoverInterrupted(keyFile, databasePath) {
  const pending = `${keyFile}.new`;
  const backup = `${keyFile}.old`;
  if (!statSync(pending, { throwIfNoEntry: false })) return false;
  const next = readKeyFile(pending);
  const sample = sampleEncryptedValue(databasePath);
  const current = statSync(keyFile, { throwIfNoEntry: false }) ? readKeyFile(keyFile) : readKeyFile(backup);
  if (!sample || decrypts(current, sample)) {
    rmSync(pending, { force: true });
    rmSync(backup, { force: true });
    log(`discarded an unfinished rekey (the store was still under the key in ${keyFile})`);
    return false;
  }
  if (!decrypts(next, sample)) {
    throw new RekeyError(`sluice: neither ${keyFile} nor ${pending} decrypts the secrets stored in ${databasePath}; restore the key file`);
  }
  writeKeyFile(keyFile, next, { replace: true });
  rmSync(pending, { force: true });
  rmSync(backup, { force: true });
  log(`finished an interrupted rekey: ${keyFile} now holds the key the store is encrypted with`);
  return true;
}

/**
 * Re-encrypts every encrypted value of both tables from `oldKey` to `newKey` in one
 * transaction. Throws RekeyError naming the row and field of a value that does not decrypt
 * (nothing is changed then). Returns the counts.
 */
function reencryptStore(databasePath, oldKey, newKey) {
  const db = new Database(databasePath, { fileMustExist: true });
  const counts = { values: 0, Flow: 0, FlowRevision: 0, Parameter: 0 };
  try {
    db.pragma("busy_timeout = 5000");
    // Freed pages are zeroed, so old ciphertexts do not stay in the file.
    db.pragma("secure_delete = ON");
    db.transaction(() => {
      for (const table of TABLES) {
        const update = db.prepare(`UPDATE "${table}" SET "snapshot" = ? WHERE "id" = ?`);
        const rows = db.prepare(`SELECT "id", "snapshot" FROM "${table}" WHERE instr("snapshot", ?) > 0`).all(`"${ENC_PREFIX}`);
        for (const row of rows) {
          let doc;
          try {
            doc = JSON.parse(row.snapshot);
          } catch {
            continue;
          }
          const next = mapEncryptedValues(doc, (value, context, at) => {
            let plain;
            try {
              plain = decryptValue(oldKey, value, context);
            } catch {
              throw new RekeyError(`sluice: ${table} ${row.id}: ${at} does not decrypt with the current key; nothing was changed`);
            }
            counts.values++;
            return encryptValue(newKey, plain, context);
          });
          update.run(JSON.stringify(next), row.id);
          counts[table]++;
        }
      }
      if (hasParameterTable(db)) {
        const update = db.prepare(`UPDATE "Parameter" SET "value" = ? WHERE "id" = ?`);
        const rows = db.prepare(`SELECT "id", "contextId", "name", "value" FROM "Parameter" WHERE instr("value", ?) = 1`).all(ENC_PREFIX);
        for (const row of rows) {
          const context = parameterContext(row.contextId, row.name);
          let plain;
          try {
            plain = decryptValue(oldKey, row.value, context);
          } catch {
            throw new RekeyError(`sluice: parameter "${row.name}" of parameter context ${row.contextId} does not decrypt with the current key; nothing was changed`);
          }
          update.run(encryptValue(newKey, plain, context), row.id);
          counts.values++;
          counts.Parameter++;
        }
      }
    })();
  } finally {
    db.close();
  }
  return counts;
}

/** Rewrites the database file without free pages (where old ciphertexts could remain). Best effort. */
function compact(databasePath) {
  try {
    const db = new Database(databasePath, { fileMustExist: true });
    try {
      db.pragma("busy_timeout = 5000");
      db.exec("VACUUM");
    } finally {
      db.close();
    }
  } catch (err) {
    log(`warning: could not compact ${databasePath} (${err instanceof Error ? err.message.split("\n")[0] : String(err)}); the rekey itself is done`);
  }
}

function main() {
  const { newKeyFile } = parseArgs(process.argv.slice(2));
  const { dataDir, databasePath } = prepareDataStore({ forServer: true });
  const release = holdDataDirLock(path.join(dataDir, "engine"));
  try {
    const keyFile = resolveKeyFile(dataDir);
    const fromEnv = (process.env[SECRET_KEY_ENV] ?? "").trim() !== "";
    if (fromEnv && !newKeyFile) {
      throw new RekeyError(`sluice: ${SECRET_KEY_ENV} holds the current key: give the new one with --new-key-file <path>, then set ${SECRET_KEY_ENV} to it`);
    }
    if (!fromEnv && recoverInterrupted(keyFile, databasePath)) return;
    const current = prepareSecretKey({ dataDir, databasePath });
    const newKey = newKeyFile ? readKeyFile(newKeyFile) : generateKey();
    if (newKey.equals(current.key)) throw new RekeyError("sluice: the new key is the current key");
    const pending = `${keyFile}.new`;
    const backup = `${keyFile}.old`;
    if (!fromEnv) {
      writeKeyFile(pending, newKey);
      writeKeyFile(backup, current.key, { replace: true });
    }
    let counts;
    try {
      counts = reencryptStore(databasePath, current.key, newKey);
    } catch (err) {
      rmSync(pending, { force: true });
      rmSync(backup, { force: true });
      throw err;
    }
    const plural = (n, word) => `${n} ${word}${n === 1 ? "" : "s"}`;
    const where = counts.Parameter
      ? `${plural(counts.Flow, "flow")}, ${plural(counts.FlowRevision, "revision")} and ${plural(counts.Parameter, "parameter")}`
      : `${plural(counts.Flow, "flow")} and ${plural(counts.FlowRevision, "revision")}`;
    const what = `re-encrypted ${plural(counts.values, "secret")} in ${where}`;
    if (!fromEnv) {
      writeKeyFile(keyFile, newKey, { replace: true });
      rmSync(pending, { force: true });
      rmSync(backup, { force: true });
    }
    compact(databasePath);
    if (fromEnv) {
      log(`${what}; set ${SECRET_KEY_ENV} to the key in ${newKeyFile} before starting sluice again`);
      return;
    }
    log(`${what}; ${keyFile} holds the new key`);
  } finally {
    release();
  }
}

try {
  main();
} catch (err) {
  if (err instanceof DataStoreError || err instanceof SecretKeyError || err instanceof RekeyError) {
    process.stderr.write(`${err.message}\n`);
  } else {
    const msg = err instanceof Error ? err.message : String(err);
    process.stderr.write(`sluice: rekey failed: ${msg.split("\n")[0]}\n`);
  }
  process.exit(1);
}
