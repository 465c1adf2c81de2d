// Types for data-store.mjs (see there for why it is JavaScript).

/** Environment variable naming the data directory. */
export declare const DATA_DIR_ENV: "SLUICE_DATA_DIR";
/** Data directory used when SLUICE_DATA_DIR is unset, relative to the working directory. */
export declare const DEFAULT_DATA_DIR: "data";
/** File name of the SQLite flow store inside the data directory. */
export declare const DB_FILE_NAME: "sluice.db";

/** An error whose message is a complete, single-line explanation for the operator. */
export declare class DataStoreError extends Error {
  constructor(message: string);
}

type Env = Record<string, string | undefined>;

/** The absolute data directory: $SLUICE_DATA_DIR, else ./data, resolved against cwd. */
export declare function resolveDataDir(env?: Env, cwd?: string): string;
/** The absolute path of the SQLite flow store inside the data directory. */
export declare function resolveDatabasePath(env?: Env, cwd?: string): string;
/** Creates the data directory if needed; throws DataStoreError when it cannot. */
export declare function ensureDataDir(dir: string): void;
/** Validates a SQLite file read-only; throws DataStoreError when it is not a usable database. */
export declare function checkDatabase(file: string, options?: { mustExist?: boolean; requireTables?: string[] }): void;
/** Resolves, creates and validates the data store; throws DataStoreError (one line). */
export declare function prepareDataStore(options?: { env?: Env; cwd?: string; forServer?: boolean }): {
  dataDir: string;
  databasePath: string;
};
