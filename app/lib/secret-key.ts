/**
 * Encryption at rest of sensitive property values, for the flow store (flow-service): the
 * snapshot written to `Flow` and `FlowRevision` holds `enc:v1:...` in place of every set
 * sensitive value (prisma/secret-key.mjs has the key sources and the format); documents in
 * memory, deployed to the node, hold the plain values. Server-only (node:crypto).
 */
import { prepareDataStore } from "../../prisma/data-store.mjs";
import {
  SecretDecryptError,
  decryptValue,
  encryptValue,
  isEncrypted,
  mapEncryptedValues,
  prepareSecretKey,
  secretContext,
} from "../../prisma/secret-key.mjs";
import type { FlowDocument } from "./engine-client";
import { sensitiveNamesOf, type SensitiveMap } from "./secrets";

// Kept on globalThis so `next dev` hot reloads do not read the key again.
const holder = globalThis as typeof globalThis & { sluiceSecretKey?: { key: Buffer; source: string } };

/**
 * The data dir's key: $SLUICE_SECRET_KEY or `<data dir>/secret.key` (created when missing and
 * the store holds nothing encrypted). Read once per process. Throws SecretKeyError (one line
 * naming the variable or the path) when it is unusable or does not decrypt the store.
 */
export function secretKey(): { key: Buffer; source: string } {
  if (!holder.sluiceSecretKey) {
    const { dataDir, databasePath } = prepareDataStore({ forServer: true });
    const { key, source } = prepareSecretKey({ dataDir, databasePath, create: true });
    holder.sluiceSecretKey = { key, source };
  }
  return holder.sluiceSecretKey;
}

/** Forgets the key read by secretKey() (after a rekey in this process, or between tests). */
export function forgetSecretKey(): void {
  holder.sluiceSecretKey = undefined;
}

/**
 * A stored secret that does not decrypt with the current key; names its field, never its value
 * (nor where the key is: the message may reach the browser; setup names the key file).
 */
export class StoredSecretError extends Error {
  override name = "StoredSecretError";
  constructor(
    /** Field path, e.g. `services[0].properties.password`. */
    readonly path: string,
  ) {
    super(`the stored secret ${path} does not decrypt with the current key (changed, or encrypted under another key)`);
  }
}

/**
 * A copy of `doc` ready to be stored: every set (non-empty) sensitive value is encrypted, and
 * so is any other property value that happens to look encrypted (`enc:v1:` typed by a user),
 * so that reading decrypts exactly what was encrypted.
 */
export function sealDocument(doc: FlowDocument, sensitive: SensitiveMap): FlowDocument {
  const { key } = secretKey();
  const seal = (section: "processors" | "services", c: { id: string; type: string; properties: Record<string, string>; sensitiveDynamicProperties?: string[] }) => {
    const names = new Set(sensitiveNamesOf(c, sensitive));
    const out: Record<string, string> = {};
    for (const [n, v] of Object.entries(c.properties)) {
      out[n] = v !== "" && (names.has(n) || isEncrypted(v)) ? encryptValue(key, v, secretContext(section, c.id, n)) : v;
    }
    return out;
  };
  return {
    ...doc,
    processors: doc.processors.map((p) => ({ ...p, properties: seal("processors", p) })),
    services: doc.services.map((s) => ({ ...s, properties: seal("services", s) })),
  };
}

/** True when `doc` has a set sensitive value stored in plain text (a snapshot from before encryption at rest). */
export function hasPlainSecrets(doc: FlowDocument, sensitive: SensitiveMap): boolean {
  return [...doc.processors, ...doc.services].some((c) => sensitiveNamesOf(c, sensitive).some((n) => (c.properties[n] ?? "") !== "" && !isEncrypted(c.properties[n])));
}

/**
 * A copy of the stored document `doc` with every encrypted value decrypted: what the node and
 * the masking functions work on. Throws StoredSecretError for a value that does not decrypt.
 */
export function openDocument(doc: FlowDocument): FlowDocument {
  const { key } = secretKey();
  return mapEncryptedValues(doc, (value, context, path) => {
    try {
      return decryptValue(key, value, context);
    } catch (e) {
      if (e instanceof SecretDecryptError) throw new StoredSecretError(path);
      throw e;
    }
  });
}
