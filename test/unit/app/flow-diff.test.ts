import { describe, expect, it } from "vitest";
import { flowSchema, type FlowDocument } from "../../../engine/api/flow-format";
import { diffFlows } from "../../../app/lib/flow-diff";

function flow(over: { processors: unknown[]; connections?: unknown[] }): FlowDocument {
  return flowSchema.parse({ sluice: 1, id: "f", name: "f", ...over });
}

const gen = { id: "gen", name: "Generate", type: "GenerateFlowFile", properties: { batchSize: "1" }, position: { x: 0, y: 0 } };
const log = { id: "log", name: "Log", type: "LogAttribute", autoTerminate: ["success"], position: { x: 0, y: 200 } };
const conn = { id: "c", source: "gen", relationships: ["success"], destination: "log" };

describe("diffFlows (versions view)", () => {
  it("reports nothing for identical flows, and ignores moved components", () => {
    const a = flow({ processors: [gen, log], connections: [conn] });
    const b = flow({ processors: [{ ...gen, position: { x: 500, y: 9 } }, log], connections: [conn] });
    const d = diffFlows(a, b);
    expect(d.same).toBe(true);
    expect(d.processors).toEqual({ added: [], removed: [], changed: [] });
  });

  it("lists added, removed and changed processors and connections with the changed fields", () => {
    const a = flow({ processors: [gen, log], connections: [conn] });
    const upd = { id: "upd", name: "Tag", type: "UpdateAttribute", properties: { kind: "order" } };
    const b = flow({
      processors: [{ ...gen, properties: { batchSize: "10" } }, upd],
      connections: [{ id: "c2", source: "gen", relationships: ["success"], destination: "upd", backPressure: { objectThreshold: 5, dataSizeThreshold: "1 GB" } }],
    });
    const d = diffFlows(a, b);
    expect(d.same).toBe(false);
    expect(d.processors.added.map((p) => p.id)).toEqual(["upd"]);
    expect(d.processors.removed.map((p) => p.id)).toEqual(["log"]);
    expect(d.processors.changed).toEqual([{ id: "gen", name: "Generate", changes: [{ field: "properties.batchSize", before: "1", after: "10" }] }]);
    expect(d.connections.added.map((c) => c.id)).toEqual(["c2"]);
    expect(d.connections.removed.map((c) => c.id)).toEqual(["c"]);
  });
});
