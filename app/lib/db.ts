/**
 * The flow store as seen by the app: one PrismaClient per server process, on the
 * better-sqlite3 driver adapter, opened lazily on first use so `next build` never needs a
 * database. Server-only (it loads a native module).
 */
import { PrismaBetterSQLite3 } from "@prisma/adapter-better-sqlite3";
import { PrismaClient } from "../../prisma/generated/client";
import { prepareDataStore } from "../../prisma/data-store.mjs";

// Kept on globalThis so `next dev` hot reloads reuse one connection instead of leaking them.
const holder = globalThis as typeof globalThis & { sluiceDb?: PrismaClient };

/**
 * Returns the process-wide client for $SLUICE_DATA_DIR/sluice.db.
 * Throws DataStoreError (a one-line message) when the data directory or database is unusable
 * or not migrated; next.config.js runs the same check when the server starts.
 */
export function getDb(): PrismaClient {
  if (!holder.sluiceDb) {
    const { databasePath } = prepareDataStore({ forServer: true });
    holder.sluiceDb = new PrismaClient({ adapter: new PrismaBetterSQLite3({ url: databasePath }) });
  }
  return holder.sluiceDb;
}
