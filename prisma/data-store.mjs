// Where the flow store lives, and the checks that turn a bad data dir or database into one
// readable line instead of a stack trace.
//
// Plain ESM JavaScript (typed by data-store.d.mts) because three very different loaders use it:
// scripts/setup.mjs (plain Node), prisma.config.ts (Prisma's config loader) and the Next.js
// server (app/lib/db.ts and next.config.js). Keep it dependency-light: node:fs, node:path and
// better-sqlite3 only.
import { accessSync, constants, existsSync, mkdirSync, statSync } from "node:fs";
import path from "node:path";
import Database from "better-sqlite3";

export const DATA_DIR_ENV = "SLUICE_DATA_DIR";
export const DEFAULT_DATA_DIR = "data";
export const DB_FILE_NAME = "sluice.db";

/** An error whose message is a complete, single-line explanation for the operator. */
export class DataStoreError extends Error {
  constructor(message) {
    super(message);
    this.name = "DataStoreError";
  }
}

/** The absolute data directory: $SLUICE_DATA_DIR, else ./data, resolved against cwd. */
export function resolveDataDir(env = process.env, cwd = process.cwd()) {
  const raw = env[DATA_DIR_ENV];
  return path.resolve(cwd, raw && raw.trim() !== "" ? raw : DEFAULT_DATA_DIR);
}

/** The absolute path of the SQLite flow store inside the data directory. */
export function resolveDatabasePath(env = process.env, cwd = process.cwd()) {
  return path.join(resolveDataDir(env, cwd), DB_FILE_NAME);
}

/** "EACCES: permission denied, mkdir '/x'" → "permission denied" (the path is named elsewhere). */
function reasonOf(err) {
  if (err && typeof err === "object" && "message" in err) {
    const msg = String(err.message).split("\n")[0];
    const m = /^[A-Z]+: ([^,]+)/.exec(msg);
    return m ? m[1] : msg;
  }
  return String(err);
}

/**
 * mkdir -p done by hand. Why: Node 20's `mkdirSync(dir, { recursive: true })` spins forever on
 * paths such as /proc/x, where mkdir answers ENOENT although the parent exists.
 */
function mkdirParents(dir) {
  const missing = [];
  let cur = dir;
  while (!existsSync(cur)) {
    missing.unshift(cur);
    const parent = path.dirname(cur);
    if (parent === cur) break;
    cur = parent;
  }
  for (const d of missing) {
    try {
      mkdirSync(d);
    } catch (err) {
      // Another process may have created it in between; anything else is fatal.
      if (!(err && err.code === "EEXIST" && statSync(d).isDirectory())) throw err;
    }
  }
}

/** Creates the data directory (and parents) if needed and checks it is a writable directory. */
export function ensureDataDir(dir) {
  const fail = (reason) => new DataStoreError(`sluice: cannot create data directory ${dir}: ${reason}`);
  let st;
  try {
    st = statSync(dir, { throwIfNoEntry: false });
  } catch (err) {
    throw fail(reasonOf(err));
  }
  if (st && !st.isDirectory()) throw fail("not a directory");
  if (!st) {
    try {
      mkdirParents(dir);
    } catch (err) {
      throw fail(reasonOf(err));
    }
  }
  try {
    accessSync(dir, constants.W_OK | constants.X_OK);
  } catch (err) {
    throw fail(reasonOf(err));
  }
}

/**
 * Checks that `file` is a readable SQLite database without changing it (opened read-only).
 * A missing file is accepted unless `mustExist`; `requireTables` lists tables that must exist
 * (used by the server, which needs a migrated store).
 */
export function checkDatabase(file, { mustExist = false, requireTables = [] } = {}) {
  const st = statSync(file, { throwIfNoEntry: false });
  if (!st) {
    if (mustExist) {
      throw new DataStoreError(`sluice: database ${file} does not exist; run \`npm run setup\` (node scripts/setup.mjs) first`);
    }
    return;
  }
  if (!st.isFile()) throw new DataStoreError(`sluice: database ${file} is not a regular file`);
  let db;
  try {
    db = new Database(file, { readonly: true, fileMustExist: true });
    const tables = new Set(db.prepare("SELECT name FROM sqlite_master WHERE type = 'table'").all().map((r) => r.name));
    const missing = requireTables.filter((t) => !tables.has(t));
    if (missing.length) {
      throw new DataStoreError(
        `sluice: database ${file} has no ${missing.join(", ")} table; run \`npm run setup\` (node scripts/setup.mjs) to migrate it`,
      );
    }
  } catch (err) {
    if (err instanceof DataStoreError) throw err;
    throw new DataStoreError(`sluice: database ${file} is not a valid SQLite database (${reasonOf(err)})`);
  } finally {
    db?.close();
  }
}

/**
 * The one check every entry point runs before touching the store: resolves the paths, makes
 * the data directory, and validates the database file. Throws DataStoreError (one line).
 * `forServer`: the database must exist and be migrated (the server never migrates).
 */
export function prepareDataStore({ env = process.env, cwd = process.cwd(), forServer = false } = {}) {
  const dataDir = resolveDataDir(env, cwd);
  const databasePath = path.join(dataDir, DB_FILE_NAME);
  ensureDataDir(dataDir);
  checkDatabase(databasePath, forServer ? { mustExist: true, requireTables: ["Flow", "FlowRevision"] } : {});
  return { dataDir, databasePath };
}
