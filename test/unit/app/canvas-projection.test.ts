/**
 * The designer's pure parts outside model editing: the canvas projection (document → React Flow
 * nodes and edges), run targets, run-state merging, keyboard shortcuts and component search.
 */
import type { Node } from "@xyflow/react";
import { describe, expect, it } from "vitest";
import type { FlowAnalysis } from "../../../app/lib/engine-client";
import { flowSchema, type FlowDocument } from "../../../engine/api/flow-format";
import { projectEdges, projectNodes } from "../../../app/components/designer/canvas-projection";
import { groupComponents, groupNodeId, IN_PORT, keepRunStates, levelView, OUT_PORT, processorsToRun, updateProcessor, withRunStates } from "../../../app/components/designer/model";
import { isEditable, shortcutOf } from "../../../app/components/designer/shortcuts";
import { searchComponents } from "../../../app/components/designer/toolbar";

function doc(): FlowDocument {
  return flowSchema.parse({
    sluice: 1,
    id: "f",
    name: "f",
    processors: [
      { id: "a", name: "Source", type: "GenerateFlowFile", position: { x: 0, y: 0 }, state: "running" },
      { id: "b", name: "Tag", type: "UpdateAttribute", position: { x: 100, y: 200 }, state: "stopped" },
      { id: "c", name: "Sink", type: "LogAttribute", state: "stopped" },
    ],
    connections: [
      { id: "ab", source: "a", relationships: ["success"], destination: "b" },
      { id: "bc", source: "b", relationships: ["success"], destination: "c" },
    ],
  });
}

/** An analysis without problems, with an entry per component (as analyzeFlow returns it). */
const noProblems: FlowAnalysis = {
  deployable: true,
  problems: [],
  processors: Object.fromEntries(["a", "b", "c"].map((id) => [id, { problems: [], relationships: ["success"] }])),
  connections: { ab: { problems: [] }, bc: { problems: [] } },
};
const noop = () => undefined;

function project(d: FlowDocument, groupId?: string, prev: Node[] = [], select: ReadonlySet<string> | null = null, analysis = noProblems) {
  return projectNodes(prev, { doc: d, view: levelView(d, groupId), analysis, select, onEnter: noop });
}

describe("canvas projection: nodes", () => {
  it("projects each processor of the level with its stored position, or a grid slot when it has none", () => {
    const d = doc();
    const nodes = project(d);
    expect(nodes.map((n) => [n.id, n.type])).toEqual([
      ["a", "processor"],
      ["b", "processor"],
      ["c", "processor"],
    ]);
    expect(nodes[1]!.position).toEqual({ x: 100, y: 200 });
    expect(nodes[2]!.position).toEqual({ x: 2 * 280, y: 0 });
    expect(nodes[0]!.data).toEqual({ proc: d.processors[0], problems: [] });
  });

  it("returns the very same node object when nothing it shows changed, and a new one for the edited processor", () => {
    const d = doc();
    const first = project(d);
    const edited = updateProcessor(d, "b", { properties: { tag: "x" } });
    const second = project(edited, undefined, first);
    expect(second[0]).toBe(first[0]);
    expect(second[1]).not.toBe(first[1]);
    expect((second[1]!.data as { proc: unknown }).proc).toBe(edited.processors[1]);
  });

  it("keeps React Flow's selection and measured size, and a dragged node's position", () => {
    const d = doc();
    const first = project(d).map((n) => (n.id === "a" ? { ...n, selected: true, measured: { width: 240, height: 90 } } : n));
    const dragged = first.map((n) => (n.id === "b" ? { ...n, dragging: true, position: { x: 500, y: 500 } } : n));
    const second = project(d, undefined, dragged);
    expect(second[0]).toMatchObject({ selected: true, measured: { width: 240, height: 90 } });
    expect(second[1]!.position).toEqual({ x: 500, y: 500 });
  });

  it("selects exactly the nodes asked for when told to", () => {
    const d = doc();
    const first = project(d).map((n) => ({ ...n, selected: n.id === "a" }));
    const second = project(d, undefined, first, new Set(["c"]));
    expect(second.map((n) => n.selected)).toEqual([false, false, true]);
  });

  it("carries each processor's problems from the analysis", () => {
    const d = doc();
    const problems = [{ path: "properties.x", property: "x", message: "bad" }];
    const analysis: FlowAnalysis = { ...noProblems, processors: { ...noProblems.processors, b: { problems, relationships: ["success"] } } };
    const nodes = project(d, undefined, [], null, analysis);
    expect((nodes[1]!.data as { problems: unknown }).problems).toBe(problems);
  });

  it("shows a group as one node with its counts at the parent level, and ports inside it", () => {
    const { doc: grouped, id } = groupComponents(doc(), { processors: ["b"], groups: [] }, "Tagging", undefined);
    const root = project(grouped);
    expect(root.map((n) => n.id)).toEqual(["a", "c", groupNodeId(id)]);
    expect(root[2]!.data).toMatchObject({ name: "Tagging", groupId: id, processors: 1, processorIds: ["b"], invalid: 0, inputs: 1, outputs: 1 });

    const inside = project(grouped, id);
    expect(inside.map((n) => n.id)).toEqual(["b", IN_PORT, OUT_PORT]);
    const [proc, inPort, outPort] = inside;
    expect(inPort).toMatchObject({ type: "port", draggable: false, selectable: false, data: { direction: "in", count: 1 } });
    expect(inPort!.position).toEqual({ x: proc!.position.x - 320, y: proc!.position.y });
    expect(outPort!.position).toEqual({ x: proc!.position.x + 360, y: proc!.position.y });
  });
});

describe("canvas projection: edges", () => {
  it("projects each connection of the level, keeps unchanged edges and their selection", () => {
    const d = doc();
    const first = projectEdges([], { view: levelView(d, undefined), analysis: noProblems, onOpen: noop });
    expect(first.map((e) => [e.id, e.source, e.target, e.type, e.selected])).toEqual([
      ["ab", "a", "b", "connection", false],
      ["bc", "b", "c", "connection", false],
    ]);
    const selected = first.map((e) => (e.id === "bc" ? { ...e, selected: true } : e));
    const second = projectEdges(selected, { view: levelView(d, undefined), analysis: noProblems, onOpen: noop });
    expect(second[0]).toBe(selected[0]);
    expect(second[1]).toBe(selected[1]);
    const rerouted = { ...d, connections: d.connections.map((c) => (c.id === "bc" ? { ...c, relationships: ["failure"] } : c)) };
    const third = projectEdges(second, { view: levelView(rerouted, undefined), analysis: noProblems, onOpen: noop });
    expect(third[0]).toBe(second[0]);
    expect(third[1]).not.toBe(second[1]);
    expect(third[1]!.selected).toBe(true);
  });

  it("draws connections crossing a group boundary from the ports inside the group", () => {
    const { doc: grouped, id } = groupComponents(doc(), { processors: ["b"], groups: [] }, "Tagging", undefined);
    const edges = projectEdges([], { view: levelView(grouped, id), analysis: noProblems, onOpen: noop });
    expect(edges.map((e) => [e.source, e.target])).toEqual([
      [IN_PORT, "b"],
      ["b", OUT_PORT],
    ]);
  });
});

describe("run targets and run states", () => {
  it("runs the selection plus everything in selected groups; nothing selected means the level", () => {
    const { doc: grouped, id } = groupComponents(doc(), { processors: ["b", "c"], groups: [] }, "Tail", undefined);
    expect(processorsToRun(grouped, { processors: [], groups: [] }, undefined)).toBeUndefined();
    expect(processorsToRun(grouped, { processors: [], groups: [] }, id)!.sort()).toEqual(["b", "c"]);
    expect(processorsToRun(grouped, { processors: ["a"], groups: [id] }, undefined)!.sort()).toEqual(["a", "b", "c"]);
  });

  it("adopts run states without touching anything else; no change gives the same document", () => {
    const d = doc();
    const out = withRunStates(d, new Map([["b", "running" as const], ["zzz", "running" as const]]));
    expect(out.processors.map((p) => p.state)).toEqual(["running", "running", "stopped"]);
    expect(out.processors[0]).toBe(d.processors[0]);
    expect(withRunStates(d, new Map([["a", "running" as const]]))).toBe(d);
    expect(keepRunStates(d, out).processors[1]!.state).toBe("running");
  });
});

describe("keyboard shortcuts", () => {
  const key = (k: string, mods: Partial<{ ctrlKey: boolean; metaKey: boolean; shiftKey: boolean }> = {}) => shortcutOf({ key: k, ctrlKey: false, metaKey: false, shiftKey: false, ...mods });

  it("maps keys to actions", () => {
    expect(key("Delete")).toBe("delete");
    expect(key("Backspace")).toBe("delete");
    expect(key("Delete", { ctrlKey: true })).toBeNull();
    expect(key("z", { ctrlKey: true })).toBe("undo");
    expect(key("Z", { metaKey: true, shiftKey: true })).toBe("redo");
    expect(key("y", { ctrlKey: true })).toBe("redo");
    expect(key("c", { metaKey: true })).toBe("copy");
    expect(key("v", { ctrlKey: true })).toBe("paste");
    expect(key("a", { ctrlKey: true })).toBe("selectAll");
    expect(key("a")).toBeNull();
    expect(key("z")).toBeNull();
  });

  it("leaves keys typed into fields to the fields", () => {
    expect(isEditable({ tagName: "INPUT", isContentEditable: false } as unknown as EventTarget)).toBe(true);
    expect(isEditable({ tagName: "DIV", isContentEditable: true } as unknown as EventTarget)).toBe(true);
    expect(isEditable({ tagName: "DIV", isContentEditable: false } as unknown as EventTarget)).toBe(false);
    expect(isEditable(null)).toBe(false);
  });
});

describe("component search", () => {
  it("finds processors by name, type or exact id, and groups by name, with their level", () => {
    const { doc: grouped, id } = groupComponents(doc(), { processors: ["b"], groups: [] }, "Tagging", undefined);
    expect(searchComponents(grouped, "  ")).toEqual([]);
    expect(searchComponents(grouped, "tag").map((r) => [r.kind, r.name, r.group])).toEqual([
      ["processor", "Tag", id],
      ["group", "Tagging", undefined],
    ]);
    expect(searchComponents(grouped, "logattr").map((r) => r.id)).toEqual(["c"]);
    expect(searchComponents(grouped, "A").map((r) => r.id)).toContain("a");
  });
});
