import { describe, expect, it } from "vitest";
import { LogMessage } from "../../../processors/log-message";
import { testRunner } from "../../../processors/testing/runner";

describe("LogMessage", () => {
  it("logs the evaluated message at the level and passes the FlowFile on", async () => {
    const r = testRunner(LogMessage, { properties: { logLevel: "warn", logPrefix: "[${env}] ", logMessage: "order ${id} failed" } });
    r.enqueue("x", { env: "prod", id: "7" });
    await r.run();
    r.assertTransferCount("success", 1);
    expect(r.logs.some((l) => l.level === "warn" && l.message === "[prod] order 7 failed")).toBe(true);
    expect(r.bulletinList().map((b) => b.message)).toEqual(["[prod] order 7 failed"]);
  });

  it("logs an error but still passes the FlowFile when the message cannot be evaluated", async () => {
    const r = testRunner(LogMessage, { properties: { logMessage: "${n:format('yyyy')}" } });
    r.enqueue("x", { n: "abc" });
    await r.run();
    r.assertTransferCount("success", 1);
    expect(r.logs.some((l) => l.level === "error" && l.message.includes("could not evaluate"))).toBe(true);
  });

  it("requires a message", () => {
    expect(testRunner(LogMessage, { properties: {} }).isValid).toBe(false);
    expect(testRunner(LogMessage, { properties: { logMessage: "x", logLevel: "trace" } }).isValid).toBe(false);
  });
});
