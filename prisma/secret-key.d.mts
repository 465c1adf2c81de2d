// Types for secret-key.mjs (see there for the key sources and the value format).

/** Environment variable that holds the key (hex or base64 of 32 bytes). */
export declare const SECRET_KEY_ENV: "SLUICE_SECRET_KEY";
/** File name of the key file inside the data directory. */
export declare const KEY_FILE_NAME: "secret.key";
/** Prefix of every encrypted value. */
export declare const ENC_PREFIX: "enc:v1:";

/** A key problem an operator must fix; one complete line, no key material. */
export declare class SecretKeyError extends Error {
  constructor(message: string);
}
/** A value that does not decrypt: changed, moved, or encrypted under another key. */
export declare class SecretDecryptError extends Error {
  constructor(message: string);
}

type Env = Record<string, string | undefined>;

/** `<data dir>/secret.key`. */
export declare function resolveKeyFile(dataDir: string): string;
/** The 32-byte key written in `text` (64 hex digits or base64), or null. */
export declare function parseKeyText(text: string): Buffer | null;
/** A new random 32-byte key. */
export declare function generateKey(): Buffer;
/** Reads a key file; throws SecretKeyError naming the file when unreadable or corrupt. */
export declare function readKeyFile(file: string): Buffer;
/** Writes a key file (mode 600) all or nothing; throws SecretKeyError naming the file. */
export declare function writeKeyFile(file: string, key: Buffer, options?: { replace?: boolean }): void;
/** The additional authenticated data of one property value. */
export declare function secretContext(section: "processors" | "services", id: string, name: string): string;
/** True when `value` is in the encrypted value format. */
export declare function isEncrypted(value: unknown): value is string;
/** `enc:v1:<base64 iv|tag|ciphertext>` of `plain`, bound to `context`. */
export declare function encryptValue(key: Buffer, plain: string, context: string): string;
/** The plain text of an encrypted value; throws SecretDecryptError when it does not decrypt. */
export declare function decryptValue(key: Buffer, value: string, context: string): string;
/** A copy of a (parsed) flow document with every encrypted property value replaced by `fn(...)`. */
export declare function mapEncryptedValues<T>(doc: T, fn: (value: string, context: string, path: string) => string): T;
/** Every encrypted value of a snapshot's JSON text, with its context and field path. */
export declare function encryptedValuesOf(snapshotText: string): Array<{ value: string; context: string; path: string }>;
/** One encrypted value from the flow store, or null. Read-only. */
export declare function sampleEncryptedValue(databasePath: string): { value: string; context: string; path: string } | null;
/** The data dir's key, checked against the store; creates the key file when `create` and allowed. */
export declare function prepareSecretKey(options: { env?: Env; dataDir: string; databasePath: string; create?: boolean }): {
  key: Buffer;
  /** Where the key came from: "SLUICE_SECRET_KEY" or the key file's path. */
  source: string;
  /** The key file's path (`<data dir>/secret.key`), also when the variable is used. */
  file: string;
  created: boolean;
};
