import { createHash } from "node:crypto";
import zlib from "node:zlib";
import { describe, expect, it } from "vitest";
import { Base64EncodeContent } from "../../../processors/base64-encode-content";
import { CompressContent } from "../../../processors/compress-content";
import { HashContent } from "../../../processors/hash-content";
import { testRunner } from "../../../processors/testing/runner";

const text = "hello hello hello hello hello ".repeat(20);

describe("CompressContent", () => {
  it("round-trips every format, updating mime.type and filename", async () => {
    for (const format of ["gzip", "deflate", "brotli"]) {
      const c = testRunner(CompressContent, { properties: { mode: "compress", format, updateFilename: "true", level: "9" } });
      c.enqueue(text, { filename: "a.txt", "mime.type": "text/plain" });
      await c.run();
      const packed = c.flowFiles("success")[0]!;
      expect(packed.size, format).toBeLessThan(text.length);
      expect(packed.attributes["mime.type"]).toMatch(/^application\//);
      const d = testRunner(CompressContent, { properties: { mode: "decompress", format: "use mime.type attribute", updateFilename: "true" } });
      d.enqueue(packed.bytes, { ...packed.attributes });
      await d.run();
      const back = d.flowFiles("success")[0]!;
      expect(back.content, format).toBe(text);
      expect(back.attributes.filename).toBe("a.txt");
      expect(back.attributes["mime.type"]).toBeUndefined();
    }
    const gz = testRunner(CompressContent, { properties: { format: "gzip" } });
    gz.enqueue(text);
    await gz.run();
    expect(zlib.gunzipSync(gz.flowFiles("success")[0]!.bytes).toString()).toBe(text);
  });

  it("passes uncompressed mime types through and fails without mime.type", async () => {
    const d = testRunner(CompressContent, { properties: { mode: "decompress", format: "use mime.type attribute" } });
    d.enqueue("plain", { "mime.type": "text/plain" });
    d.enqueue("unknown");
    await d.run();
    expect(d.flowFiles("success").map((f) => f.content)).toEqual(["plain"]);
    expect(d.flowFiles("failure")[0]!.attributes["compresscontent.error"]).toMatch(/no mime.type/);
  });

  it("routes corrupt data and decompression bombs to failure", async () => {
    const d = testRunner(CompressContent, { properties: { mode: "decompress", format: "gzip", maxOutput: "1 KB" } });
    d.enqueue("definitely not gzip");
    d.enqueue(zlib.gzipSync(Buffer.alloc(100_000)));
    await d.run();
    const errors = d.flowFiles("failure").map((f) => f.attributes["compresscontent.error"]);
    expect(errors[0]).toMatch(/could not decompress as gzip/);
    expect(errors[1]).toMatch(/exceeds 1024 bytes/);
    expect(d.flowFiles("failure")[0]!.content).toBe("definitely not gzip");
  });

  it("needs an explicit format to compress", () => {
    expect(testRunner(CompressContent, { properties: { format: "use mime.type attribute" } }).isValid).toBe(false);
    expect(testRunner(CompressContent, { properties: { level: "10" } }).isValid).toBe(false);
  });
});

describe("HashContent", () => {
  it("writes the hex digest of the chosen algorithm", async () => {
    for (const [alg, node] of [["MD5", "md5"], ["SHA-1", "sha1"], ["SHA-256", "sha256"], ["SHA-512", "sha512"]]) {
      const r = testRunner(HashContent, { properties: { algorithm: alg!, attributeName: "digest" } });
      r.enqueue("abc");
      await r.run();
      expect(r.flowFiles("success")[0]!.attributes.digest, alg).toBe(createHash(node!).update("abc").digest("hex"));
    }
  });

  it("hashes empty content, or fails it when asked", async () => {
    const r = testRunner(HashContent);
    r.enqueue("");
    await r.run();
    expect(r.flowFiles("success")[0]!.attributes["hash.value"]).toBe(createHash("sha256").digest("hex"));
    const strict = testRunner(HashContent, { properties: { failIfEmpty: "true" } });
    strict.enqueue("");
    await strict.run();
    strict.assertTransferCount("failure", 1);
  });

  it("validates", () => {
    expect(testRunner(HashContent, { properties: { algorithm: "CRC32" } }).isValid).toBe(false);
    expect(testRunner(HashContent, { properties: { attributeName: "a b" } }).isValid).toBe(false);
  });
});

describe("Base64EncodeContent", () => {
  it("encodes on one line or wrapped, and decodes back (also URL-safe, with whitespace)", async () => {
    const data = Buffer.from(Array.from({ length: 100 }, (_, i) => i * 7));
    const e = testRunner(Base64EncodeContent, { properties: { lineOutputMode: "Multiple Lines" } });
    e.enqueue(data);
    await e.run();
    const encoded = e.flowFiles("success")[0]!.content;
    expect(encoded.split("\r\n").map((l) => l.length)).toEqual([76, 60]);
    const d = testRunner(Base64EncodeContent, { properties: { mode: "Decode" } });
    d.enqueue(encoded);
    d.enqueue(data.toString("base64url"));
    await d.run();
    expect(d.flowFiles("success").map((f) => f.bytes.equals(data))).toEqual([true, true]);
  });

  it("routes invalid Base64 to failure unchanged", async () => {
    const d = testRunner(Base64EncodeContent, { properties: { mode: "Decode" } });
    d.enqueue("not base64!");
    d.enqueue("abcde");
    await d.run();
    d.assertTransferCount("failure", 2);
    expect(d.flowFiles("failure")[0]!.content).toBe("not base64!");
    expect(d.flowFiles("failure")[0]!.attributes["base64.error"]).toBeTruthy();
  });

  it("validates", () => {
    expect(testRunner(Base64EncodeContent, { properties: { mode: "Rot13" } }).isValid).toBe(false);
  });
});
