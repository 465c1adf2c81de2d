/**
 * One owner per data dir: an exclusive lock that a second node, a second `sluice run` or an
 * app server on the same dir cannot take, and that a killed process never leaves behind.
 *
 * Why SQLite: Node has no flock(). SQLite's exclusive locking mode holds a POSIX record lock on
 * `<dir>/sluice.lock` for as long as the connection is open; the kernel drops it when the
 * process dies, however it dies, so a `kill -9` leaves nothing stale to clean up (a pid file
 * alone would have to guess whether the pid was reused). SQLite also makes two connections of
 * one process conflict, so two nodes in one process (worker threads) are refused the same way.
 * The holder's pid is written beside it, in `sluice.lock.owner`, only for the message.
 */
import fs from "node:fs";
import path from "node:path";
import Database from "better-sqlite3";

/** Thrown when another process (or another node in this process) holds the data dir. */
export class DataDirLockedError extends Error {
  override name = "DataDirLockedError";
  constructor(
    readonly dir: string,
    /** The holder's pid, when it could be read. */
    readonly holderPid: number | null,
  ) {
    super(`data dir ${dir} is in use by ${holderPid ? `pid ${holderPid}` : "another process"} (a sluice run, sluice node or app server); stop it or use another data dir`);
  }
}

/** A held lock. `release()` is idempotent. */
export interface DataDirLock {
  readonly dir: string;
  release(): void;
}

const LOCK_FILE = "sluice.lock";
const OWNER_FILE = "sluice.lock.owner";

/**
 * Takes the exclusive lock on `dir` (created if missing). Throws DataDirLockedError at once,
 * without waiting, when someone else holds it.
 */
export function acquireDataDirLock(dir: string): DataDirLock {
  const abs = path.resolve(dir);
  fs.mkdirSync(abs, { recursive: true });
  const db = new Database(path.join(abs, LOCK_FILE), { timeout: 0 });
  try {
    db.pragma("locking_mode = EXCLUSIVE");
    // The first write under EXCLUSIVE locking mode takes the lock and keeps it until close.
    db.exec("BEGIN EXCLUSIVE; CREATE TABLE IF NOT EXISTS owner (pid INTEGER); COMMIT;");
  } catch (e) {
    db.close();
    if ((e as { code?: string }).code === "SQLITE_BUSY" || (e as { code?: string }).code === "SQLITE_LOCKED") {
      throw new DataDirLockedError(abs, readOwner(abs));
    }
    throw e;
  }
  fs.writeFileSync(path.join(abs, OWNER_FILE), `${process.pid}\n`);
  let held = true;
  return {
    dir: abs,
    release() {
      if (!held) return;
      held = false;
      try {
        fs.rmSync(path.join(abs, OWNER_FILE), { force: true });
      } catch {
        // The dir may be gone already (a flow deleted with its data).
      }
      db.close();
    },
  };
}

function readOwner(dir: string): number | null {
  try {
    const pid = Number.parseInt(fs.readFileSync(path.join(dir, OWNER_FILE), "utf8"), 10);
    return Number.isFinite(pid) && pid > 0 ? pid : null;
  } catch {
    return null;
  }
}
