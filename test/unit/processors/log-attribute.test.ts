import { describe, expect, it } from "vitest";
import { LogAttribute } from "../../../processors/log-attribute";
import { testRunner } from "../../../processors/testing/runner";

describe("LogAttribute", () => {
  it("logs matching attributes (and the payload when asked) and passes the FlowFile on", async () => {
    const r = testRunner(LogAttribute, { properties: { attributesToLog: "kafka\\..*", logPayload: "true", logPrefix: ">> ", logLevel: "debug" } });
    const ff = r.enqueue("payload", { "kafka.topic": "t", secret: "s" });
    await r.run();
    r.assertTransferCount("success", 1);
    const line = r.logs.find((l) => l.message === `>> FlowFile ${ff.uuid}`)!;
    expect(line.level).toBe("debug");
    expect(line.fields).toMatchObject({ attributes: { "kafka.topic": "t" }, payload: "payload", size: 7 });
    expect((line.fields!.attributes as Record<string, string>).secret).toBeUndefined();
    expect(r.flowFiles("success")[0]!.content).toBe("payload");
  });

  it("rejects an invalid attribute regex", () => {
    expect(testRunner(LogAttribute, { properties: { attributesToLog: "(" } }).isValid).toBe(false);
  });
});
