/**
 * Sealed messages: everything a cluster member writes to Redis (RPC calls and replies,
 * heartbeats, the desired state, primary-only state) is an envelope carrying an HMAC-SHA256 made
 * with a key derived from the cluster secret (SLUICE_CLUSTER_SECRET). A reader opens an envelope
 * only after checking the MAC, so a process without the secret can neither forge a member, a
 * command or a flow, nor get one of its messages read. Envelopes that carry flows or data are
 * also encrypted (AES-256-GCM, another derived key): snapshots hold sensitive property values in
 * clear, and Redis must only ever see ciphertext.
 *
 * Envelope (JSON text, so it can be read with redis-cli):
 *   { "v": 1, "k": kind, "t": sent at (ms), "n": nonce, "e": 0 | 1, "p": payload, "m": MAC }
 * The MAC covers v, k, t, n, e and p; `p` is the body as JSON (e = 0) or base64 of
 * iv | tag | ciphertext of that JSON (e = 1). The kind binds an envelope to its use: a signed
 * heartbeat cannot be replayed as a command.
 *
 * Body encoding: JSON, with `Uint8Array` (and Buffer) as `{ "\u0000b64": base64 }` and
 * `undefined` as `{ "\u0000u": 1 }`, so binary content and optional arguments survive; the
 * node API's values are JSON-safe otherwise (engine/api/node-api.ts).
 */
import { createCipheriv, createDecipheriv, createHmac, hkdfSync, randomBytes, timingSafeEqual, webcrypto } from "node:crypto";
import { BatchVerifier, isBatchMac } from "./batch-mac";

/** The environment variable holding the cluster secret. */
export const CLUSTER_SECRET_ENV = "SLUICE_CLUSTER_SECRET";

/** The shortest secret accepted. */
const MIN_SECRET_LENGTH = 16;

/** What an envelope is for; a reader names the kind it expects. */
export type SealKind = "rpc" | "reply" | "heartbeat" | "desired" | "removed" | "flag" | "state";

/** An envelope that cannot be opened: bad MAC, other kind, malformed, or too old. */
export class SealError extends Error {
  override name = "SealError";
}

/** A cluster secret that is missing or too short; the message names SLUICE_CLUSTER_SECRET. */
export class ClusterSecretError extends Error {
  override name = "ClusterSecretError";
}

interface Envelope {
  v: 1;
  k: SealKind;
  t: number;
  n: string;
  e: 0 | 1;
  p: string;
  m: string;
}

const BIN = "\u0000b64";
const UNDEF = "\u0000u";

/** Body → JSON text, keeping binary content and undefined values (see the module comment). */
export function encodeBody(body: unknown): string {
  return JSON.stringify(body, function (this: Record<string, unknown>, key: string, value: unknown) {
    // `this[key]` is the value before toJSON: a Buffer's toJSON would already have made it an array.
    const raw = this[key];
    if (raw instanceof Uint8Array) return { [BIN]: Buffer.from(raw.buffer, raw.byteOffset, raw.byteLength).toString("base64") };
    if (value === undefined) return { [UNDEF]: 1 };
    return value;
  });
}

/** JSON text → body; the inverse of encodeBody. */
export function decodeBody(text: string): unknown {
  return JSON.parse(text, (_key, value: unknown) => {
    if (value && typeof value === "object" && !Array.isArray(value)) {
      const keys = Object.keys(value);
      if (keys.length === 1 && keys[0] === BIN && typeof (value as Record<string, unknown>)[BIN] === "string") {
        return new Uint8Array(Buffer.from((value as Record<string, string>)[BIN]!, "base64"));
      }
      if (keys.length === 1 && keys[0] === UNDEF) return undefined;
    }
    return value;
  });
}

/**
 * The cluster secret's derived keys. Contract:
 * - `seal(kind, body)` returns an envelope only a holder of the same secret can open;
 * - `open(kind, text)` returns the body, or throws SealError when the MAC does not match (wrong
 *   secret or tampering), the kind differs, the text is not an envelope, or (with `maxAgeMs`)
 *   the envelope was sealed longer ago than that, or further in the future (clock skew);
 * - `verifier()` is a public value derived from the secret: members compare it to find out,
 *   with one clear line, that they hold another secret than the cluster.
 */
export class ClusterKey {
  private readonly macKey: Buffer;
  private readonly encKey: Buffer;
  /** The key batch payloads are signed with (see batch-mac.ts). */
  private readonly batchKey: Buffer;
  private readonly batchVerifier: BatchVerifier;

  constructor(secret: string | undefined) {
    if (!secret) throw new ClusterSecretError(`${CLUSTER_SECRET_ENV} is not set; every node and the coordinator need the same cluster secret`);
    if (secret.length < MIN_SECRET_LENGTH) throw new ClusterSecretError(`${CLUSTER_SECRET_ENV} must be at least ${MIN_SECRET_LENGTH} characters`);
    const ikm = Buffer.from(secret, "utf8");
    this.macKey = Buffer.from(hkdfSync("sha256", ikm, "sluice-cluster", "mac", 32));
    this.encKey = Buffer.from(hkdfSync("sha256", ikm, "sluice-cluster", "enc", 32));
    this.batchKey = Buffer.from(hkdfSync("sha256", ikm, "sluice-cluster", "batch-mac", 32));
    this.batchVerifier = new BatchVerifier(this.batchKey);
  }

  /** MAC of `text` (hex). */
  mac(text: string): string {
    return createHmac("sha256", this.macKey).update(text).digest("hex");
  }

  private webKey: Promise<webcrypto.CryptoKey> | null = null;

  /**
   * A copy of the batch key, for the payload writer thread of this same process
   * (payload-writer.ts), whose BatchSigner signs the batches it stores. Never logged or sent
   * anywhere.
   */
  batchKeyBytes(): Uint8Array {
    return new Uint8Array(this.batchKey);
  }

  /**
   * HMAC-SHA256 of some bytes (hex) under the MAC key: how batch payloads were signed before
   * batch-mac.ts (`verifyBatch` still accepts it). Computed on libuv's thread pool (WebCrypto).
   */
  async macBytesAsync(bytes: Buffer): Promise<string> {
    const mac = await webcrypto.subtle.sign("HMAC", await this.hmacKey(), bytes);
    return Buffer.from(mac).toString("hex");
  }

  /**
   * True when `mac` is a batch payload's MAC of `bytes` under this cluster's secret: a
   * BatchSigner's (checked on the calling thread, ~0.1 ms per megabyte), or the HMAC-SHA256 of
   * `macBytesAsync` that an earlier version wrote (on the thread pool, compared in constant
   * time). False for anything else.
   */
  async verifyBatch(bytes: Buffer, mac: string): Promise<boolean> {
    if (isBatchMac(mac)) return this.batchVerifier.verify(bytes, mac);
    if (!/^[0-9a-f]{64}$/.test(mac)) return false;
    return webcrypto.subtle.verify("HMAC", await this.hmacKey(), Buffer.from(mac, "hex"), bytes);
  }

  private hmacKey(): Promise<webcrypto.CryptoKey> {
    this.webKey ??= webcrypto.subtle.importKey("raw", this.macKey, { name: "HMAC", hash: "SHA-256" }, false, ["sign", "verify"]);
    return this.webKey;
  }

  /** True when `mac` is this key's MAC of `text` (constant time). */
  verify(text: string, mac: string): boolean {
    const want = Buffer.from(this.mac(text), "hex");
    const got = Buffer.from(mac, "hex");
    return got.length === want.length && timingSafeEqual(got, want);
  }

  verifier(): string {
    return this.mac("sluice-cluster-verifier");
  }

  seal(kind: SealKind, body: unknown, opts: { encrypt?: boolean } = {}): string {
    const t = Date.now();
    const n = randomBytes(12).toString("base64url");
    const json = encodeBody(body);
    let p = json;
    let e: 0 | 1 = 0;
    if (opts.encrypt) {
      e = 1;
      const iv = randomBytes(12);
      const cipher = createCipheriv("aes-256-gcm", this.encKey, iv);
      cipher.setAAD(Buffer.from(header(kind, t, n)));
      const ct = Buffer.concat([cipher.update(json, "utf8"), cipher.final()]);
      p = Buffer.concat([iv, cipher.getAuthTag(), ct]).toString("base64");
    }
    const env: Envelope = { v: 1, k: kind, t, n, e, p, m: "" };
    env.m = this.mac(macText(env));
    return JSON.stringify(env);
  }

  /** Opens an envelope; see the class contract. Also returns its nonce and time. */
  openWithMeta(kind: SealKind, text: string | Buffer, opts: { maxAgeMs?: number } = {}): { body: unknown; nonce: string; sentAt: number } {
    let env: Envelope;
    try {
      env = JSON.parse(typeof text === "string" ? text : text.toString("utf8")) as Envelope;
    } catch {
      throw new SealError("not a sealed message (not JSON)");
    }
    if (!env || typeof env !== "object" || env.v !== 1 || typeof env.p !== "string" || typeof env.m !== "string" || typeof env.n !== "string" || typeof env.t !== "number") {
      throw new SealError("not a sealed message (fields missing)");
    }
    if (!this.verify(macText(env), env.m)) throw new SealError("bad MAC (sealed with another cluster secret, or altered)");
    if (env.k !== kind) throw new SealError(`a "${env.k}" message where a "${kind}" one was expected`);
    if (opts.maxAgeMs !== undefined && Math.abs(Date.now() - env.t) > opts.maxAgeMs) {
      throw new SealError(`sealed ${Math.round((Date.now() - env.t) / 1000)} s ago, outside the ${opts.maxAgeMs / 1000} s window (a replay, or clocks apart)`);
    }
    let json = env.p;
    if (env.e === 1) {
      const raw = Buffer.from(env.p, "base64");
      try {
        const decipher = createDecipheriv("aes-256-gcm", this.encKey, raw.subarray(0, 12));
        decipher.setAAD(Buffer.from(header(env.k, env.t, env.n)));
        decipher.setAuthTag(raw.subarray(12, 28));
        json = Buffer.concat([decipher.update(raw.subarray(28)), decipher.final()]).toString("utf8");
      } catch {
        throw new SealError("cannot decrypt");
      }
    }
    try {
      return { body: decodeBody(json), nonce: env.n, sentAt: env.t };
    } catch {
      throw new SealError("the payload is not JSON");
    }
  }

  open(kind: SealKind, text: string | Buffer, opts: { maxAgeMs?: number } = {}): unknown {
    return this.openWithMeta(kind, text, opts).body;
  }
}

function header(kind: string, t: number, n: string): string {
  return `1\n${kind}\n${t}\n${n}`;
}

/** What the MAC covers; `p` comes last, so no field can absorb another. */
function macText(env: Envelope): string {
  return `${header(env.k, env.t, env.n)}\n${env.e}\n${env.p}`;
}
