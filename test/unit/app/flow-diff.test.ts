import { describe, expect, it } from "vitest";
import { flowSchema, type FlowDocument } from "../../../engine/api/flow-format";
import { SECRET_CHANGED, SECRET_SET, diffFlows } from "../../../app/lib/flow-diff";
import { SENSITIVE_PLACEHOLDER, maskDocument } from "../../../app/lib/secrets";

function flow(over: { processors: unknown[]; connections?: unknown[]; services?: unknown[]; groups?: unknown[] }): FlowDocument {
  return flowSchema.parse({ sluice: 1, id: "f", name: "f", ...over });
}

const sensitive = { KafkaConnection: ["password", "sslKey", "sslKeyPassword"] };
const gen = { id: "gen", name: "Generate", type: "GenerateFlowFile", properties: { batchSize: "1" }, position: { x: 0, y: 0 } };
const log = { id: "log", name: "Log", type: "LogAttribute", autoTerminate: ["success"], position: { x: 0, y: 200 } };
const conn = { id: "c", source: "gen", relationships: ["success"], destination: "log" };
const kafka = {
  id: "kafka",
  type: "KafkaConnection",
  name: "Orders cluster",
  properties: { bootstrapServers: "k1:9092", securityProtocol: "SASL_PLAINTEXT", username: "app", password: "pw-one-7f3a" },
};
const http = {
  id: "http",
  name: "Call API",
  type: "InvokeHTTP",
  properties: { url: "https://api.example.com/x", Authorization: "Bearer tok-1-9c2e" },
  sensitiveDynamicProperties: ["Authorization"],
};
const group = { id: "g1", name: "Ingest", position: { x: 0, y: 0 } };

describe("diffFlows (versions view)", () => {
  it("reports nothing for identical flows, and ignores moved components and groups", () => {
    const a = flow({ processors: [gen, log], connections: [conn], services: [kafka], groups: [group] });
    const b = flow({ processors: [{ ...gen, position: { x: 500, y: 9 } }, log], connections: [conn], services: [kafka], groups: [{ ...group, position: { x: 9, y: 9 } }] });
    const d = diffFlows(a, b, sensitive);
    expect(d.same).toBe(true);
    expect(d.processors).toEqual({ added: [], removed: [], changed: [] });
    expect(d.services).toEqual({ added: [], removed: [], changed: [] });
    expect(d.groups).toEqual({ added: [], removed: [], changed: [] });
  });

  it("lists added, removed and changed processors and connections with the changed fields", () => {
    const a = flow({ processors: [gen, log], connections: [conn] });
    const upd = { id: "upd", name: "Tag", type: "UpdateAttribute", properties: { kind: "order" } };
    const b = flow({
      processors: [{ ...gen, properties: { batchSize: "10" } }, upd],
      connections: [{ id: "c2", source: "gen", relationships: ["success"], destination: "upd", backPressure: { objectThreshold: 5, dataSizeThreshold: "1 GB" } }],
    });
    const d = diffFlows(a, b, sensitive);
    expect(d.same).toBe(false);
    expect(d.processors.added.map((p) => p.id)).toEqual(["upd"]);
    expect(d.processors.removed.map((p) => p.id)).toEqual(["log"]);
    expect(d.processors.changed).toEqual([{ id: "gen", name: "Generate", changes: [{ field: "properties.batchSize", before: "1", after: "10" }] }]);
    expect(d.connections.added.map((c) => c.id)).toEqual(["c2"]);
    expect(d.connections.removed.map((c) => c.id)).toEqual(["c"]);
  });

  it("reports a KafkaConnection redirected to another broker (it used to say same: true)", () => {
    const a = flow({ processors: [gen], services: [kafka] });
    const b = flow({ processors: [gen], services: [{ ...kafka, properties: { ...kafka.properties, bootstrapServers: "evil.example:9092" } }] });
    const d = diffFlows(a, b, sensitive);
    expect(d.same).toBe(false);
    expect(d.services.changed).toEqual([
      { id: "kafka", name: "Orders cluster", changes: [{ field: "properties.bootstrapServers", before: "k1:9092", after: "evil.example:9092" }] },
    ]);
  });

  it("lists added, removed and renamed services and groups", () => {
    const other = { id: "k2", type: "KafkaConnection", properties: { bootstrapServers: "k2:9092" } };
    const a = flow({ processors: [gen], services: [kafka], groups: [group, { id: "g2", name: "Old" }] });
    const b = flow({ processors: [gen], services: [other], groups: [{ ...group, name: "Ingest v2", parent: "g3" }, { id: "g3", name: "Outer" }] });
    const d = diffFlows(a, b, sensitive);
    expect(d.same).toBe(false);
    expect(d.services.added).toEqual([{ id: "k2", name: "KafkaConnection" }]);
    expect(d.services.removed).toEqual([{ id: "kafka", name: "Orders cluster" }]);
    expect(d.groups.added).toEqual([{ id: "g3", name: "Outer" }]);
    expect(d.groups.removed).toEqual([{ id: "g2", name: "Old" }]);
    expect(d.groups.changed).toEqual([
      {
        id: "g1",
        name: "Ingest v2",
        changes: [
          { field: "name", before: "Ingest", after: "Ingest v2" },
          { field: "parent", before: "(none)", after: "g3" },
        ],
      },
    ]);
  });

  it("never shows a secret: a changed password or sensitive header shows as changed, without its value", () => {
    const a = flow({ processors: [http], services: [kafka] });
    const b = flow({
      processors: [{ ...http, properties: { ...http.properties, Authorization: "Bearer tok-2-41d0" } }],
      services: [{ ...kafka, properties: { ...kafka.properties, password: "pw-two-c81b" } }],
    });
    const d = diffFlows(a, b, sensitive);
    const json = JSON.stringify(d);
    for (const secret of ["pw-one-7f3a", "pw-two-c81b", "tok-1-9c2e", "tok-2-41d0"]) expect(json).not.toContain(secret);
    expect(d.services.changed[0]!.changes).toEqual([{ field: "properties.password", before: SECRET_SET, after: SECRET_CHANGED }]);
    expect(d.processors.changed[0]!.changes).toEqual([{ field: "properties.Authorization", before: SECRET_SET, after: SECRET_CHANGED }]);
    // An unchanged secret is no change; a cleared one shows as (none).
    expect(diffFlows(a, a, sensitive).same).toBe(true);
    const cleared = flow({ processors: [http], services: [{ ...kafka, properties: { ...kafka.properties, password: "" } }] });
    expect(diffFlows(a, cleared, sensitive).services.changed[0]!.changes).toEqual([{ field: "properties.password", before: SECRET_SET, after: "" }]);
  });

  it("masks a header on both sides when it becomes sensitive, and works on masked documents", () => {
    const plain = { ...http, sensitiveDynamicProperties: undefined };
    const d = diffFlows(flow({ processors: [plain] }), flow({ processors: [http] }), sensitive);
    expect(JSON.stringify(d)).not.toContain("tok-1-9c2e");
    const masked = diffFlows(maskDocument(flow({ processors: [http], services: [kafka] }), sensitive), maskDocument(flow({ processors: [http], services: [kafka] }), sensitive), sensitive);
    expect(masked.same).toBe(true);
    expect(JSON.stringify(masked)).not.toContain(SENSITIVE_PLACEHOLDER);
  });
});
