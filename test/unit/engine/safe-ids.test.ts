/**
 * Ids become paths (a flow's data dir, a processor's state dir), so every id in a flow document
 * matches SAFE_ID, and the engine refuses to build a state dir outside its own.
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { Engine, FlowValidationError } from "../../../engine/api/engine";
import { parseFlowDocument } from "../../../engine/api/flow-format";
import { SAFE_ID } from "../../../engine/api/node-api";
import { GenerateFlowFile } from "../../../processors/generate-flow-file";
import { testRunner } from "../../../processors/testing/runner";
import { newId } from "../../../app/components/designer/model";

const UNSAFE = ["../x", "a/b", "a\\b", ".hidden", "-dash-first", "a b", "a.b", "é", "", "x".repeat(129)];

function flowWith(change: (doc: Record<string, unknown>) => void): Record<string, unknown> {
  const doc: Record<string, unknown> = {
    sluice: 1,
    id: "f1",
    name: "f",
    processors: [
      { id: "gen", type: "GenerateFlowFile", properties: {} },
      { id: "log", type: "LogAttribute", properties: {}, group: "g1" },
    ],
    connections: [{ id: "c1", source: "gen", relationships: ["success"], destination: "log" }],
    groups: [{ id: "g1", name: "group" }],
    services: [{ id: "s1", type: "KafkaConnection", properties: {} }],
  };
  change(doc);
  return doc;
}

function problemsOf(doc: unknown): Array<{ path: string; message: string }> {
  const r = parseFlowDocument(doc);
  return r.ok ? [] : r.problems;
}

describe("safe ids", () => {
  it("a well-formed flow with safe ids parses", () => {
    expect(problemsOf(flowWith(() => {}))).toEqual([]);
  });

  it.each([
    ["id", (d: Record<string, unknown>, v: string) => (d.id = v)],
    ["processors[0].id", (d: Record<string, unknown>, v: string) => ((d.processors as Array<Record<string, unknown>>)[0]!.id = v)],
    ["connections[0].id", (d: Record<string, unknown>, v: string) => ((d.connections as Array<Record<string, unknown>>)[0]!.id = v)],
    ["groups[0].id", (d: Record<string, unknown>, v: string) => ((d.groups as Array<Record<string, unknown>>)[0]!.id = v)],
    ["services[0].id", (d: Record<string, unknown>, v: string) => ((d.services as Array<Record<string, unknown>>)[0]!.id = v)],
  ])("an unsafe %s is a problem naming that field", (field, set) => {
    for (const bad of UNSAFE) {
      const problems = problemsOf(flowWith((d) => set(d, bad)));
      expect(problems.map((p) => p.path), JSON.stringify(bad)).toContain(field);
      const own = problems.find((p) => p.path === field)!;
      expect(own.message).toMatch(/must (not be empty|be 1 to 128 letters, digits)/);
    }
  });

  it("the review's probe: a GenerateFlowFile with a traversal id is refused and writes nothing", () => {
    const target = fs.mkdtempSync(path.join(os.tmpdir(), "sluice-probe-"));
    const id = `${"../".repeat(20)}${target.slice(1)}/x`;
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "sluice-safe-ids-"));
    const flow = { sluice: 1, id: "probe", name: "probe", processors: [{ id, type: "GenerateFlowFile", properties: { totalCount: "1" }, autoTerminate: ["success"] }] };
    let error: unknown;
    try {
      Engine.open(flow, { dataDir, mode: "volatile", silent: true });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(FlowValidationError);
    expect((error as FlowValidationError).problems.map((p) => p.path)).toContain("processors[0].id");
    expect(fs.readdirSync(target)).toEqual([]);
    expect(fs.readdirSync(dataDir)).toEqual([]);
  });

  it("the engine refuses to build a state dir from an unsafe id, even past validation", () => {
    expect(() => testRunner(GenerateFlowFile, { id: "../escape", properties: { totalCount: "1" } })).toThrow(/refusing a state directory outside/);
    expect(() => testRunner(GenerateFlowFile, { id: "ok-id_1", properties: { totalCount: "1" } })).not.toThrow();
  });

  it("ids the designer generates are safe", () => {
    for (const prefix of ["generateflowfile", "c", "g", "p"]) expect(newId(prefix)).toMatch(SAFE_ID);
  });
});
