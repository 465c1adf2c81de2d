/**
 * The batch payload MAC (engine/cluster/batch-mac.ts, checked by ClusterKey.verifyBatch): a
 * signer's MAC verifies under the same secret; a change of one byte, another secret, a replayed
 * counter with another tag, or a malformed MAC fails; every MAC of one signer has its own
 * nonce. The HMAC-SHA256 that earlier versions put on batches still verifies.
 */
import { createHmac, hkdfSync } from "node:crypto";
import { describe, expect, it } from "vitest";
import { BatchSigner, BatchVerifier } from "../../../engine/cluster/batch-mac";
import { ClusterKey } from "../../../engine/cluster/seal";

const SECRET = "seal-test-secret-0123456789abcdef";

describe("batch MAC", () => {
  it("verifies a signer's MAC under the same secret, from a shared buffer too", async () => {
    const key = new ClusterKey(SECRET);
    const signer = new BatchSigner(key.batchKeyBytes());
    const shared = Buffer.from(new SharedArrayBuffer(64 * 1024));
    shared.fill(5);
    const mac = signer.sign(shared);
    expect(mac).toMatch(/^p1\.[0-9a-f]{32}\.[0-9a-f]{16}\.[0-9a-f]{32}$/);
    expect(await key.verifyBatch(Buffer.from(shared), mac)).toBe(true);
    expect(new BatchVerifier(key.batchKeyBytes()).verify(shared, mac)).toBe(true);
  });

  it("refuses a changed byte, another secret, a swapped tag and malformed MACs", async () => {
    const key = new ClusterKey(SECRET);
    const signer = new BatchSigner(key.batchKeyBytes());
    const bytes = Buffer.alloc(1024 * 1024, 7);
    const mac = signer.sign(bytes);
    const changed = Buffer.from(bytes);
    changed[512 * 1024] = 8;
    expect(await key.verifyBatch(changed, mac)).toBe(false);
    expect(await new ClusterKey(`${SECRET}-other`).verifyBatch(bytes, mac)).toBe(false);
    // The tag of another batch under the same salt and counter is not this one's.
    const other = new BatchSigner(key.batchKeyBytes());
    const otherMac = other.sign(Buffer.from("something else"));
    expect(await key.verifyBatch(bytes, `${otherMac.slice(0, -32)}${mac.slice(-32)}`)).toBe(false);
    expect(await key.verifyBatch(bytes, mac.slice(0, -1))).toBe(false);
    expect(await key.verifyBatch(bytes, `${mac.slice(0, -1)}z`)).toBe(false);
    expect(await key.verifyBatch(bytes, "")).toBe(false);
    expect(await key.verifyBatch(bytes, `p1.${"0".repeat(32)}.${"0".repeat(16)}.${"0".repeat(32)}`)).toBe(false);
  });

  it("gives every MAC of a signer its own nonce, and two signers their own salts", () => {
    const key = new ClusterKey(SECRET);
    const a = new BatchSigner(key.batchKeyBytes());
    const b = new BatchSigner(key.batchKeyBytes());
    const bytes = Buffer.from("the same batch");
    const [a1, a2, b1] = [a.sign(bytes), a.sign(bytes), b.sign(bytes)];
    const parts = (m: string) => m.split(".");
    expect(parts(a1)[1]).toBe(parts(a2)[1]);
    expect(parts(a1)[2]).not.toBe(parts(a2)[2]);
    expect(parts(a1)[3]).not.toBe(parts(a2)[3]);
    expect(parts(b1)[1]).not.toBe(parts(a1)[1]);
  });

  it("still verifies the HMAC-SHA256 of earlier versions, and refuses a changed one", async () => {
    const key = new ClusterKey(SECRET);
    const bytes = Buffer.from("a batch of FlowFiles");
    const mac = await key.macBytesAsync(bytes);
    const macKey = Buffer.from(hkdfSync("sha256", Buffer.from(SECRET), "sluice-cluster", "mac", 32));
    expect(mac).toBe(createHmac("sha256", macKey).update(bytes).digest("hex"));
    expect(await key.verifyBatch(bytes, mac)).toBe(true);
    expect(await key.verifyBatch(Buffer.from("a batch of FlowFileZ"), mac)).toBe(false);
    expect(await new ClusterKey(`${SECRET}-other`).verifyBatch(bytes, mac)).toBe(false);
    expect(await key.verifyBatch(bytes, mac.slice(0, 63))).toBe(false);
  });
});
