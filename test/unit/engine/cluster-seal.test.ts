/**
 * ClusterKey's batch MAC (engine/cluster/seal.ts), computed on the thread pool: it is the
 * HMAC-SHA256 of the bytes under the key derived from the secret, a change of one byte or
 * another secret fails verification, and a malformed MAC is refused rather than thrown on.
 */
import { createHmac, hkdfSync } from "node:crypto";
import { describe, expect, it } from "vitest";
import { ClusterKey } from "../../../engine/cluster/seal";

const SECRET = "seal-test-secret-0123456789abcdef";

describe("ClusterKey batch MAC", () => {
  it("is HMAC-SHA256 under the derived MAC key, and verifies", async () => {
    const key = new ClusterKey(SECRET);
    const bytes = Buffer.from("a batch of FlowFiles");
    const mac = await key.macBytesAsync(bytes);
    const macKey = Buffer.from(hkdfSync("sha256", Buffer.from(SECRET), "sluice-cluster", "mac", 32));
    expect(mac).toBe(createHmac("sha256", macKey).update(bytes).digest("hex"));
    expect(await key.verifyBytesAsync(bytes, mac)).toBe(true);
  });

  it("refuses a changed byte, another secret and a malformed MAC", async () => {
    const key = new ClusterKey(SECRET);
    const bytes = Buffer.alloc(1024 * 1024, 7);
    const mac = await key.macBytesAsync(bytes);
    const changed = Buffer.from(bytes);
    changed[512 * 1024] = 8;
    expect(await key.verifyBytesAsync(changed, mac)).toBe(false);
    expect(await new ClusterKey(`${SECRET}-other`).verifyBytesAsync(bytes, mac)).toBe(false);
    expect(await key.verifyBytesAsync(bytes, mac.slice(0, 63))).toBe(false);
    expect(await key.verifyBytesAsync(bytes, `${mac.slice(0, 63)}z`)).toBe(false);
  });
});
