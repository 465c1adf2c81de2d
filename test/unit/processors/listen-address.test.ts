import { describe, expect, it } from "vitest";
import { HandleHttpRequest } from "../../../processors/handle-http-request";
import { ListenHTTP } from "../../../processors/listen-http";
import { testRunner } from "../../../processors/testing/runner";
import { erase } from "../../../engine/sdk";

describe("listening processors bind 127.0.0.1 unless configured otherwise", () => {
  for (const def of [erase(ListenHTTP), erase(HandleHttpRequest)]) {
    it(`${def.type} binds the loopback address by default`, async () => {
      expect(def.properties.host?.defaultValue).toBe("127.0.0.1");
      const r = testRunner(def, { properties: { port: "0" } });
      await r.run(1, { stop: false });
      try {
        const line = r.logs.find((l) => l.message.includes("listening"));
        expect(line?.fields?.address).toBe("127.0.0.1");
        expect(line?.fields?.port).toBeGreaterThan(0);
      } finally {
        await r.stop();
      }
    });
  }
});
