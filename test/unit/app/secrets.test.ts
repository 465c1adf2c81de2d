// Masking and the masked-value rule (app/lib/secrets.ts): a placeholder sent back keeps the
// stored secret only while the component's connection target is unchanged.
import { describe, expect, it } from "vitest";
import { flowSchema, type FlowDocument } from "../../../engine/api/flow-format";
import { SENSITIVE_PLACEHOLDER as P, changedTargets, maskDocument, restoreSecrets, stripSecrets } from "../../../app/lib/secrets";

const sensitive = { KafkaConnection: ["password", "sslKey", "sslKeyPassword"] };

function flow(kafkaProps: Record<string, string>, httpProps: Record<string, string>, dynamic = ["Authorization"]): FlowDocument {
  return flowSchema.parse({
    sluice: 1,
    id: "f",
    name: "f",
    processors: [{ id: "http", type: "InvokeHTTP", properties: httpProps, sensitiveDynamicProperties: dynamic }],
    services: [{ id: "kafka", type: "KafkaConnection", properties: kafkaProps }],
  });
}

const kafka = { bootstrapServers: "k1:9092,k2:9092", securityProtocol: "SASL_SSL", username: "app", password: "pw-secret" };
const http = { url: "https://api.example.com/v1/orders", Authorization: "Bearer tok-secret", Accept: "application/json" };
const stored = flow(kafka, http);

describe("maskDocument / stripSecrets", () => {
  it("mask and strip declared sensitive properties and sensitive dynamic properties", () => {
    const masked = maskDocument(stored, sensitive);
    expect(masked.services[0]!.properties.password).toBe(P);
    expect(masked.processors[0]!.properties).toEqual({ ...http, Authorization: P });
    const stripped = stripSecrets(stored, sensitive);
    expect(JSON.stringify(stripped)).not.toMatch(/secret/);
    expect(stripped.processors[0]!.properties).toEqual({ url: http.url, Accept: "application/json" });
  });
});

describe("restoreSecrets", () => {
  it("keeps the stored secrets when the target is unchanged (broker order, URL path and other fields may change)", () => {
    const incoming = flow(
      { ...kafka, bootstrapServers: " K2:9092, k1:9092", username: "app2", password: P },
      { ...http, url: "https://API.example.com/v2/other?x=1", Authorization: P },
    );
    const r = restoreSecrets(incoming, stored, sensitive);
    expect(r.cleared).toEqual([]);
    expect(r.document.services[0]!.properties.password).toBe("pw-secret");
    expect(r.document.processors[0]!.properties.Authorization).toBe("Bearer tok-secret");
  });

  it("clears a secret whose component now connects elsewhere, and says so without the value", () => {
    const incoming = flow({ ...kafka, bootstrapServers: "evil.example:9092", password: P }, { ...http, url: "https://evil.example/v1/orders", Authorization: P });
    const r = restoreSecrets(incoming, stored, sensitive);
    expect(r.document.services[0]!.properties.password).toBeUndefined();
    expect(r.document.processors[0]!.properties.Authorization).toBeUndefined();
    expect(r.cleared.map((c) => c.path)).toEqual(["processors[0].properties.Authorization", "services[0].properties.password"]);
    expect(r.cleared[1]!.message).toContain("bootstrapServers");
    expect(JSON.stringify(r.cleared)).not.toMatch(/pw-secret|tok-secret/);
  });

  it("treats an added broker, another port and https → http as another target", () => {
    expect(changedTargets("KafkaConnection", kafka, { ...kafka, bootstrapServers: "k1:9092,k2:9092,k3:9092" })).toEqual(["bootstrapServers"]);
    expect(changedTargets("InvokeHTTP", http, { ...http, url: "https://api.example.com:8443/v1" })).toEqual(["url"]);
    expect(changedTargets("InvokeHTTP", http, { ...http, url: "http://api.example.com/v1/orders" })).toEqual(["url"]);
    expect(changedTargets("InvokeHTTP", { url: "https://${host}/a" }, { url: "https://${host}/b" })).toEqual([]);
    expect(changedTargets("InvokeHTTP", { url: "https://${host}/a" }, { url: "https://${other}/a" })).toEqual(["url"]);
    expect(changedTargets("PublishKafka", { kafkaConnection: "a" }, { kafkaConnection: "b" })).toEqual(["kafkaConnection"]);
    expect(changedTargets("SomeService", { host: "db1", port: "5432" }, { host: "db1", port: "5433" })).toEqual(["port"]);
  });

  it("restores nothing for a new id, another type, or a name that was not a secret before", () => {
    const moved = flowSchema.parse({ ...flow({ ...kafka, password: P }, http), services: [{ id: "kafka-2", type: "KafkaConnection", properties: { ...kafka, password: P } }] });
    expect(restoreSecrets(moved, stored, sensitive).document.services[0]!.properties.password).toBeUndefined();
    const wasPlain = flow(kafka, http, []);
    const r = restoreSecrets(flow(kafka, { ...http, Authorization: P }), wasPlain, sensitive);
    expect(r.document.processors[0]!.properties.Authorization).toBeUndefined();
    // A placeholder in a property that is not sensitive is kept as typed.
    const typed = restoreSecrets(flow(kafka, { ...http, Accept: P }), stored, sensitive);
    expect(typed.document.processors[0]!.properties.Accept).toBe(P);
  });
});
