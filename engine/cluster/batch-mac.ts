/**
 * The MAC on each batch payload a node stores in Redis (see distributed.ts): a node takes a
 * batch only when its payload verifies under the cluster's batch key, so a process that can
 * write to Redis but lacks the cluster secret cannot slip FlowFiles into a flow.
 *
 * Format `p1.<salt>.<counter>.<tag>` (hex: 16, 8 and 16 bytes): the tag is ChaCha20-Poly1305's
 * over the payload as associated data, with no plaintext, under the subkey
 * HMAC-SHA256(batch key, "sluice-batch-mac/1\n" + salt) and the nonce 0000 ‖ counter (u64,
 * big-endian). Poly1305 is secure only while no (key, nonce) pair repeats, so each signer (one
 * per handover thread) draws a random 128-bit salt of its own, which gives it its own subkey,
 * and counts its batches.
 *
 * Why not HMAC-SHA256, which batches carried before (a 64-hex-digit MAC, still verified by
 * ClusterKey.verifyBatch for batches an earlier version left in Redis): on the machines
 * cluster-hop runs on it cost ~640 µs per megabyte against ~100 µs for this, on the thread that
 * stores a node's handovers, and the same again on every node that takes another's batch.
 *
 * Contract: `new BatchVerifier(key).verify(bytes, signer.sign(bytes))` is true for the key the
 * signer was made with; a change of one byte, another key or a malformed MAC gives false, never
 * a throw.
 * The payload is authenticated, not encrypted (as before).
 */
import { createCipheriv, createDecipheriv, createHmac, randomBytes } from "node:crypto";

const PREFIX = "p1.";
const TAG_BYTES = 16;
const SALT_BYTES = 16;
/** Subkeys kept by a verifier (one per signer seen recently: a cluster has few). */
const SUBKEY_CACHE = 256;
const FORMAT = /^p1\.([0-9a-f]{32})\.([0-9a-f]{16})\.([0-9a-f]{32})$/;

function subkey(batchKey: Uint8Array, salt: Buffer): Buffer {
  return createHmac("sha256", batchKey).update("sluice-batch-mac/1\n").update(salt).digest();
}

function nonce(counter: bigint): Buffer {
  const n = Buffer.alloc(12);
  n.writeBigUInt64BE(counter, 4);
  return n;
}

/** Signs payloads: one per thread that stores batches (its salt and counter are its own). */
export class BatchSigner {
  private readonly salt = randomBytes(SALT_BYTES);
  private readonly saltHex = this.salt.toString("hex");
  private readonly key: Buffer;
  private counter = 0n;

  constructor(batchKey: Uint8Array) {
    this.key = subkey(batchKey, this.salt);
  }

  sign(bytes: Uint8Array): string {
    const counter = this.counter++;
    const cipher = createCipheriv("chacha20-poly1305", this.key, nonce(counter), { authTagLength: TAG_BYTES });
    cipher.setAAD(bytes, { plaintextLength: 0 });
    cipher.final();
    return `${PREFIX}${this.saltHex}.${counter.toString(16).padStart(16, "0")}.${cipher.getAuthTag().toString("hex")}`;
  }
}

/** True when `mac` looks like a BatchSigner's (whether or not it verifies). */
export function isBatchMac(mac: string): boolean {
  return mac.startsWith(PREFIX);
}

/** Verifies BatchSigner MACs under one batch key, keeping the subkeys of the signers it saw. */
export class BatchVerifier {
  private readonly subkeys = new Map<string, Buffer>();

  constructor(private readonly batchKey: Uint8Array) {}

  verify(bytes: Uint8Array, mac: string): boolean {
    const m = FORMAT.exec(mac);
    if (m === null) return false;
    const [, saltHex, counterHex, tagHex] = m as unknown as [string, string, string, string];
    let key = this.subkeys.get(saltHex);
    if (key === undefined) {
      key = subkey(this.batchKey, Buffer.from(saltHex, "hex"));
      if (this.subkeys.size >= SUBKEY_CACHE) this.subkeys.delete(this.subkeys.keys().next().value!);
      this.subkeys.set(saltHex, key);
    }
    try {
      const decipher = createDecipheriv("chacha20-poly1305", key, nonce(BigInt(`0x${counterHex}`)), { authTagLength: TAG_BYTES });
      decipher.setAAD(bytes, { plaintextLength: 0 });
      decipher.setAuthTag(Buffer.from(tagHex, "hex"));
      decipher.final();
      return true;
    } catch {
      return false;
    }
  }
}
