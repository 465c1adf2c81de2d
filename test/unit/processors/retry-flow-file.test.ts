import { describe, expect, it } from "vitest";
import { RetryFlowFile } from "../../../processors/retry-flow-file";
import { testRunner } from "../../../processors/testing/runner";

describe("RetryFlowFile", () => {
  it("counts retries, penalizes, and stops after the maximum", async () => {
    const r = testRunner(RetryFlowFile, { properties: { maximumRetries: "2", "failure.reason": "gave up on ${filename}" } });
    r.enqueue("x", { filename: "f" });
    await r.run(1, { stop: false });
    const first = r.flowFiles("retry")[0]!;
    expect(first.attributes["flowfile.retries"]).toBe("1");
    expect(first.attributes["flowfile.retries.uuid"]).toBe("under-test");
    expect(first.penalized).toBe(true);
    r.enqueue("x", { ...first.attributes });
    r.enqueue("x", { ...first.attributes, "flowfile.retries": "2" });
    await r.run();
    expect(r.flowFiles("retry").map((f) => f.attributes["flowfile.retries"])).toEqual(["1", "2"]);
    const exceeded = r.flowFiles("retries_exceeded");
    expect(exceeded).toHaveLength(1);
    expect(exceeded[0]!.attributes["flowfile.retries"]).toBe("3");
    expect(exceeded[0]!.attributes["failure.reason"]).toBe("gave up on f");
  });

  it("does not penalize when disabled and uses a custom attribute", async () => {
    const r = testRunner(RetryFlowFile, { properties: { retryAttribute: "tries", penalizeRetries: "false" } });
    r.enqueue("x");
    await r.run();
    expect(r.flowFiles("retry")[0]!.penalized).toBe(false);
    expect(r.flowFiles("retry")[0]!.attributes.tries).toBe("1");
  });

  it("handles a counter owned by another RetryFlowFile per Reuse Mode", async () => {
    const foreign = { "flowfile.retries": "2", "flowfile.retries.uuid": "someone-else" };
    const fail = testRunner(RetryFlowFile);
    fail.enqueue("x", foreign);
    await fail.run();
    expect(fail.flowFiles("failure")[0]!.attributes["retryflowfile.error"]).toMatch(/another RetryFlowFile/);
    const warn = testRunner(RetryFlowFile, { properties: { reuseMode: "Warn on Reuse" } });
    warn.enqueue("x", foreign);
    await warn.run();
    expect(warn.flowFiles("retry")[0]!.attributes["flowfile.retries"]).toBe("1");
    expect(warn.bulletinList()).toHaveLength(1);
  });

  it("routes a non-numeric counter to failure when configured, else restarts it", async () => {
    const strict = testRunner(RetryFlowFile, { properties: { failOnNonNumerical: "true" } });
    strict.enqueue("x", { "flowfile.retries": "many" });
    await strict.run();
    strict.assertTransferCount("failure", 1);
    const lenient = testRunner(RetryFlowFile);
    lenient.enqueue("x", { "flowfile.retries": "many" });
    await lenient.run();
    expect(lenient.flowFiles("retry")[0]!.attributes["flowfile.retries"]).toBe("1");
    const badMax = testRunner(RetryFlowFile, { properties: { maximumRetries: "${max}" } });
    badMax.enqueue("x", { max: "lots" });
    await badMax.run();
    badMax.assertTransferCount("failure", 1);
  });

  it("validates", () => {
    expect(testRunner(RetryFlowFile, { properties: { retryAttribute: "has space" } }).isValid).toBe(false);
    expect(testRunner(RetryFlowFile, { properties: { reuseMode: "whatever" } }).isValid).toBe(false);
  });
});
