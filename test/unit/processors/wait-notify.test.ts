import { describe, expect, it } from "vitest";
import { LocalCache } from "../../../engine/runtime/flow-controller";
import { Notify } from "../../../processors/notify";
import { Wait } from "../../../processors/wait";
import { testRunner } from "../../../processors/testing/runner";

async function notify(cache: LocalCache, attrs: Record<string, string>, properties: Record<string, string> = {}) {
  const n = testRunner(Notify, { cache, properties: { releaseSignalIdentifier: "${id}", ...properties } });
  n.enqueue("", attrs);
  await n.run();
  return n;
}

describe("Wait / Notify", () => {
  it("waits until notified, then releases with the cached attributes", async () => {
    const cache = new LocalCache();
    const w = testRunner(Wait, { cache, properties: { releaseSignalIdentifier: "${id}" } });
    w.enqueue("payload", { id: "job-1" });
    await w.run(1, { stop: false });
    const waiting = w.flowFiles("wait");
    expect(waiting).toHaveLength(1);
    expect(waiting[0]!.attributes["wait.start.timestamp"]).toMatch(/^\d+$/);
    const n = await notify(cache, { id: "job-1", "result.status": "ok", other: "x" }, { attributeCacheRegex: "result\\..*" });
    n.assertTransferCount("success", 1);
    expect(n.flowFiles("success")[0]!.attributes.notified).toBe("true");

    const again = w.flowFiles("wait")[0]!;
    w.enqueue(again.content, { ...again.attributes });
    await w.run();
    w.assertTransferCount("success", 1);
    const released = w.flowFiles("success")[0]!;
    expect(released.content).toBe("payload");
    expect(released.attributes["result.status"]).toBe("ok");
    expect(released.attributes.other).toBeUndefined();
    expect(released.attributes["wait.counter.default"]).toBe("1");
    expect(released.attributes["wait.start.timestamp"]).toBeUndefined();
    expect(await cache.get("sluice.signal.job-1")).toBeNull();
  });

  it("releases when the target count is reached, consuming it", async () => {
    const cache = new LocalCache();
    await notify(cache, { id: "s", d: "2" }, { signalCounterDelta: "${d}" });
    const w = testRunner(Wait, { cache, properties: { releaseSignalIdentifier: "${id}", targetSignalCount: "3" } });
    w.enqueue("a", { id: "s" });
    await w.run(1, { stop: false });
    w.assertTransferCount("wait", 1);
    await notify(cache, { id: "s" });
    w.enqueue("b", { id: "s" });
    w.enqueue("c", { id: "s" });
    await w.run();
    expect(w.flowFiles("success").map((f) => f.content)).toEqual(["b"]);
    expect(w.flowFiles("wait").map((f) => f.content)).toEqual(["a", "c"]);
  });

  it("compares a named counter and releases all with a releasable count of 0", async () => {
    const cache = new LocalCache();
    await notify(cache, { id: "s" }, { signalCounterName: "ok" });
    await notify(cache, { id: "s" }, { signalCounterName: "failed" });
    const w = testRunner(Wait, { cache, properties: { releaseSignalIdentifier: "${id}", signalCounterName: "ok", releasableFlowFileCount: "0" } });
    for (const c of ["1", "2", "3"]) w.enqueue(c, { id: "s" });
    await w.run();
    expect(w.flowFiles("success").map((f) => f.content)).toEqual(["1", "2", "3"]);
    expect(w.flowFiles("success")[0]!.attributes["wait.counter.failed"]).toBe("1");
    expect(w.flowFiles("success")[0]!.attributes["wait.counter.total"]).toBe("2");
  });

  it("expires FlowFiles that waited too long", async () => {
    const w = testRunner(Wait, { cache: new LocalCache(), properties: { releaseSignalIdentifier: "x", expirationDuration: "1 sec" } });
    w.enqueue("old", { "wait.start.timestamp": String(Date.now() - 5_000) });
    await w.run();
    w.assertTransferCount("expired", 1);
  });

  it("keeps waiting FlowFiles in the upstream connection when asked", async () => {
    const w = testRunner(Wait, { cache: new LocalCache(), properties: { releaseSignalIdentifier: "x", waitMode: "Keep in the upstream connection" } });
    w.enqueue("held");
    await w.run();
    w.assertTransferCount("wait", 0);
    expect(w.inputFlowFiles().map((f) => [f.content, f.penalized])).toEqual([["held", false]]);
    expect(w.inputFlowFiles()[0]!.attributes["wait.start.timestamp"]).toBeDefined();
  });

  it("routes bad identifiers and counts to failure", async () => {
    const w = testRunner(Wait, { cache: new LocalCache(), properties: { releaseSignalIdentifier: "${id}", targetSignalCount: "${t}" } });
    w.enqueue("no id", { t: "1" });
    w.enqueue("bad target", { id: "x", t: "zero" });
    await w.run();
    expect(w.flowFiles("failure").map((f) => f.attributes["wait.error"])).toEqual([
      expect.stringMatching(/empty/),
      expect.stringMatching(/Target Signal Count/),
    ]);
    const n = testRunner(Notify, { cache: new LocalCache(), properties: { releaseSignalIdentifier: "${id}", signalCounterDelta: "${d}" } });
    n.enqueue("", { id: "x", d: "1.5" });
    n.enqueue("", { d: "1" });
    await n.run();
    n.assertTransferCount("failure", 2);
  });

  it("adds up concurrent notifications without losing updates", async () => {
    const cache = new LocalCache();
    await Promise.all(Array.from({ length: 10 }, () => notify(cache, { id: "c" })));
    const raw = await cache.get("sluice.signal.c");
    expect(JSON.parse(raw!).counts.default).toBe(10);
  });

  it("validates", () => {
    expect(testRunner(Wait, { properties: {} }).isValid).toBe(false);
    expect(testRunner(Notify, { properties: {} }).isValid).toBe(false);
    expect(testRunner(Notify, { properties: { releaseSignalIdentifier: "x", attributeCacheRegex: "(" } }).isValid).toBe(false);
    expect(testRunner(Wait, { properties: { releaseSignalIdentifier: "x", waitMode: "forever" } }).isValid).toBe(false);
  });
});
