import { describe, expect, it } from "vitest";
import { LocalCache } from "../../../engine/runtime/flow-controller";
import { DetectDuplicate } from "../../../processors/detect-duplicate";
import { HashContent } from "../../../processors/hash-content";
import { testRunner } from "../../../processors/testing/runner";

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe("DetectDuplicate", () => {
  it("routes repeats (in the same batch and later ones) to duplicate with the stored description", async () => {
    const cache = new LocalCache();
    const r = testRunner(DetectDuplicate, { cache, properties: { cacheEntryIdentifier: "${key}", flowFileDescription: "first ${n}" } });
    r.enqueue("1", { key: "a", n: "1" });
    r.enqueue("2", { key: "b", n: "2" });
    r.enqueue("3", { key: "a", n: "3" });
    await r.run(1, { stop: false });
    expect(r.flowFiles("non-duplicate").map((f) => f.content)).toEqual(["1", "2"]);
    expect(r.flowFiles("duplicate").map((f) => [f.content, f.attributes["original.flowfile.description"]])).toEqual([["3", "first 1"]]);
    r.enqueue("4", { key: "b", n: "4" });
    await r.run();
    expect(r.flowFiles("duplicate").map((f) => [f.content, f.attributes["original.flowfile.description"]])).toEqual([
      ["3", "first 1"],
      ["4", "first 2"],
    ]);
  });

  it("forgets identifiers after the age-off duration", async () => {
    const r = testRunner(DetectDuplicate, { cache: new LocalCache(), properties: { cacheEntryIdentifier: "${key}", ageOffDuration: "50 ms" } });
    r.enqueue("1", { key: "a" });
    await r.run(1, { stop: false });
    await sleep(80);
    r.enqueue("2", { key: "a" });
    await r.run();
    r.assertTransferCount("non-duplicate", 2);
  });

  it("only looks up when not caching identifiers", async () => {
    const cache = new LocalCache();
    await cache.put("sluice.dedupe.known", "stored");
    const r = testRunner(DetectDuplicate, { cache, properties: { cacheEntryIdentifier: "${key}", cacheEntry: "false" } });
    r.enqueue("1", { key: "new" });
    r.enqueue("2", { key: "new" });
    r.enqueue("3", { key: "known" });
    await r.run();
    expect(r.flowFiles("non-duplicate").map((f) => f.content)).toEqual(["1", "2"]);
    expect(r.flowFiles("duplicate").map((f) => f.attributes["original.flowfile.description"])).toEqual(["stored"]);
    expect(await cache.get("sluice.dedupe.new")).toBeNull();
  });

  it("dedupes by content hash with HashContent's default attribute", async () => {
    const hash = testRunner(HashContent);
    for (const c of ["same", "other", "same"]) hash.enqueue(c);
    await hash.run();
    const d = testRunner(DetectDuplicate, { cache: new LocalCache() });
    for (const f of hash.flowFiles("success")) d.enqueue(f.content, { ...f.attributes });
    await d.run();
    expect(d.flowFiles("duplicate").map((f) => f.content)).toEqual(["same"]);
  });

  it("routes a missing identifier to failure", async () => {
    const r = testRunner(DetectDuplicate, { cache: new LocalCache() });
    r.enqueue("no hash");
    await r.run();
    expect(r.flowFiles("failure")[0]!.attributes["detectduplicate.error"]).toMatch(/empty/);
  });

  it("validates", () => {
    expect(testRunner(DetectDuplicate, { properties: { ageOffDuration: "forever" } }).isValid).toBe(false);
    expect(testRunner(DetectDuplicate, { properties: { cacheEntryIdentifier: "${unclosed b}" } }).isValid).toBe(false);
  });
});
