// Prisma CLI configuration: the JS schema engine with the better-sqlite3 driver adapter, which
// runs offline (the native schema engine of Prisma 7 cannot be downloaded here; ENVIRONMENT.md).
// The database path comes from the same module the app and scripts/setup.mjs use.
import path from "node:path";
import { defineConfig } from "prisma/config";
import { PrismaBetterSQLite3 } from "@prisma/adapter-better-sqlite3";
import { ensureDataDir, resolveDataDir, resolveDatabasePath } from "./prisma/data-store.mjs";

export default defineConfig({
  experimental: { adapter: true },
  engine: "js",
  schema: path.join("prisma", "schema.prisma"),
  migrations: { path: path.join("prisma", "migrations") },
  async adapter() {
    // SQLite creates the file but not its folder; without this a bare `prisma migrate deploy`
    // on a fresh checkout fails with an opaque "External error".
    ensureDataDir(resolveDataDir());
    return new PrismaBetterSQLite3({ url: resolveDatabasePath() });
  },
});
