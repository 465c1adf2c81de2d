/**
 * The designer's day-two parts that are pure functions: self-loop connections in the level view
 * and their path, relationships un-terminated by a connection, copying and pasting groups with
 * their content, the Problems list's wording, the context menu's commands and shortcuts.
 */
import { describe, expect, it } from "vitest";
import { flowSchema, type FlowDocument } from "../../../engine/api/flow-format";
import type { FlowAnalysis, ProcessorTypeInfo } from "../../../app/lib/engine-client";
import { isNodeLocal, selfLoopPath } from "../../../app/components/designer/canvas-parts";
import { menuFor, type MenuActions } from "../../../app/components/designer/menu-items";
import { addConnection, connectedRelationships, copyComponents, groupNodeId, levelView, pasteClip, updateConnection } from "../../../app/components/designer/model";
import { problemLines } from "../../../app/components/designer/problems";
import { SHORTCUTS, shortcutOf } from "../../../app/components/designer/shortcuts";
import { designerPermissions } from "../../../app/components/auth/permissions";

function doc(): FlowDocument {
  return flowSchema.parse({
    sluice: 1,
    id: "f",
    name: "f",
    processors: [
      { id: "gen", name: "Make", type: "GenerateFlowFile", position: { x: 0, y: 0 } },
      { id: "put", name: "Write files", type: "PutFile", properties: { directory: "/tmp/x" }, autoTerminate: ["failure", "success"], position: { x: 0, y: 200 }, group: "g1" },
      { id: "log", name: "Log", type: "LogAttribute", position: { x: 300, y: 200 }, group: "g2" },
    ],
    groups: [
      { id: "g1", name: "Outer", position: { x: 10, y: 10 } },
      { id: "g2", name: "Inner", parent: "g1", position: { x: 50, y: 50 } },
    ],
    connections: [
      { id: "gen-put", source: "gen", destination: "put", relationships: ["success"] },
      { id: "put-log", source: "put", destination: "log", relationships: ["success"] },
    ],
  });
}

describe("self-loop connections", () => {
  it("a processor's connection to itself is an edge of its level; connections inside a nested group are not", () => {
    const { doc: d, id } = addConnection(doc(), "put", "put", ["failure"]);
    const inside = levelView(d, "g1");
    expect(inside.edges.find((e) => e.id === id)).toMatchObject({ source: "put", target: "put" });
    // At the root, put is inside g1: its loop is inside the group node, not drawn there.
    expect(levelView(d, undefined).edges.some((e) => e.id === id)).toBe(false);
    // put → log (g1 → g2 inside g1) stays hidden at the root, where both ends are the g1 node.
    expect(levelView(d, undefined).edges.some((e) => e.id === "put-log")).toBe(false);
  });

  it("connecting a relationship takes it off the source's auto-terminated list", () => {
    const { doc: d } = addConnection(doc(), "put", "put", ["failure"]);
    expect(d.processors.find((p) => p.id === "put")!.autoTerminate).toEqual(["success"]);
    expect(connectedRelationships(d, "put").sort()).toEqual(["failure", "success"]);
    const widened = updateConnection(doc(), "put-log", { relationships: ["success", "failure"] });
    expect(widened.processors.find((p) => p.id === "put")!.autoTerminate).toEqual([]);
  });

  it("the loop's path leaves the bottom handle, passes right of the node and enters the top handle", () => {
    const [path, labelX, labelY] = selfLoopPath(120, 90, 120, 0);
    expect(path.startsWith("M 120 90")).toBe(true);
    expect(path.endsWith("L 120 0")).toBe(true);
    expect(labelX).toBe(270);
    expect(labelY).toBe(45);
  });
});

describe("copy and paste of groups", () => {
  it("copies a group with its nested groups, processors and inner connections, and pastes them with new ids", () => {
    const d = doc();
    const clip = copyComponents(d, { processors: [], groups: ["g1"] }, () => []);
    expect(clip.groups!.map((g) => g.id).sort()).toEqual(["g1", "g2"]);
    expect(clip.processors.map((p) => p.id).sort()).toEqual(["log", "put"]);
    // gen → put comes from outside the copy: left out.
    expect(clip.connections.map((c) => c.id)).toEqual(["put-log"]);

    const { doc: out, ids } = pasteClip(d, clip, undefined, { x: 40, y: 40 });
    expect(out.groups).toHaveLength(4);
    const newOuter = out.groups.find((g) => g.name === "Outer" && g.id !== "g1")!;
    const newInner = out.groups.find((g) => g.name === "Inner" && g.id !== "g2")!;
    expect(newOuter.parent).toBeUndefined();
    expect(newInner.parent).toBe(newOuter.id);
    expect(newOuter.position).toEqual({ x: 50, y: 50 });
    expect(ids).toEqual([groupNodeId(newOuter.id)]);
    const newPut = out.processors.find((p) => p.group === newOuter.id)!;
    const newLog = out.processors.find((p) => p.group === newInner.id)!;
    expect(newPut.name).toBe("Write files (copy)");
    expect(newPut.state).toBe("stopped");
    const pastedConn = out.connections.filter((c) => c.source === newPut.id);
    expect(pastedConn).toHaveLength(1);
    expect(pastedConn[0]!.destination).toBe(newLog.id);
    // The inner connection crosses from the new Outer into the new Inner: Inner's input port.
    const innerView = levelView(out, newInner.id);
    expect(innerView.inPort).toBe(true);
  });

  it("pastes into the group shown: top-level parts land in it", () => {
    const d = doc();
    const clip = copyComponents(d, { processors: ["gen"], groups: ["g2"] }, () => []);
    const { doc: out } = pasteClip(d, clip, "g1", { x: 0, y: 0 });
    const pastedInner = out.groups.find((g) => g.name === "Inner" && g.id !== "g2")!;
    expect(pastedInner.parent).toBe("g1");
    expect(out.processors.find((p) => p.name === "Make (copy)")!.group).toBe("g1");
  });
});

const PUT_FILE: ProcessorTypeInfo = {
  type: "PutFile",
  summary: "",
  input: "required",
  properties: [{ name: "directory", displayName: "Directory", description: "", kind: "string", required: true }],
  relationships: [
    { name: "success", description: "" },
    { name: "failure", description: "" },
  ],
} as unknown as ProcessorTypeInfo;

describe("problems in the canvas's words", () => {
  it("names the processor and the field instead of the document path, and targets the component", () => {
    const d = doc();
    const analysis: FlowAnalysis = {
      deployable: true,
      problems: [
        { path: "processors[1].properties.directory", message: "is required" },
        { path: "processors[1].relationships.failure", message: 'relationship "failure" is neither connected nor auto-terminated' },
        { path: "name", message: "flow-wide" },
      ],
      processors: {
        gen: { problems: [], relationships: ["success"] },
        put: {
          problems: [
            { property: "directory", message: "is required" },
            { property: "relationships.failure", message: 'relationship "failure" is neither connected nor auto-terminated' },
          ],
          relationships: ["success", "failure"],
        },
      },
      connections: {},
    };
    const lines = problemLines(d, analysis, new Map([["PutFile", PUT_FILE]]));
    expect(lines.map((l) => [l.component, l.field])).toEqual([
      ["Write files (PutFile)", "Directory"],
      ["Write files (PutFile)", "Relationship failure"],
      ["", ""],
    ]);
    expect(lines[0]!.target).toEqual({ kind: "processor", id: "put" });
    expect(lines.some((l) => l.component.includes("processors["))).toBe(false);
    expect(lines[2]!.path).toBe("name");
  });
});

describe("context menu", () => {
  const calls: string[] = [];
  const actions = new Proxy({} as MenuActions, {
    get: (_t, name: string) => (name === "statusHistory" ? undefined : (...args: unknown[]) => calls.push(`${name}:${JSON.stringify(args)}`)),
  });
  const ctx = (perms: string[], clusterMode = false) => ({ doc: doc(), groupId: undefined, perms: designerPermissions(perms), clusterMode, liveState: () => undefined, actions });
  const labels = (m: ReturnType<typeof menuFor>) => m!.items.map((i) => i.label);

  it("offers each kind of target its commands, within the user's permissions", () => {
    const editor = ["flows:read", "flows:write", "flows:run", "queues:empty", "data:view"];
    expect(labels(menuFor({ kind: "processor", id: "put" }, ctx(editor)))).toEqual([
      "Configure",
      "Start",
      "Stop",
      "Run once",
      "Disable",
      "View data provenance",
      "View status history",
      "Center in view",
      "Copy",
      "Delete",
    ]);
    expect(labels(menuFor({ kind: "processor", id: "put" }, ctx(["flows:read"])))).toEqual(["View configuration", "View data provenance", "View status history", "Center in view"]);
    expect(labels(menuFor({ kind: "connection", id: "gen-put" }, ctx(editor)))).toEqual(["Configure", "List queue", "Empty queue", "View data provenance", "View status history", "Center in view", "Delete"]);
    expect(labels(menuFor({ kind: "connection", id: "gen-put" }, ctx(editor, true)))).toContain("Make distributed");
    expect(labels(menuFor({ kind: "group", groupId: "g1" }, ctx(editor)))).toEqual(["Enter group", "Start", "Stop", "Enable all", "Disable all", "Center in view", "Copy", "Delete"]);
    expect(labels(menuFor({ kind: "canvas" }, ctx(editor)))).toEqual(["Start all", "Stop all", "Paste", "Select all", "Fit view", "Auto-layout", "View data provenance", "Keyboard shortcuts"]);
    expect(menuFor({ kind: "processor", id: "gone" }, ctx(editor))).toBeNull();
  });

  it("disables what does not apply now and says why; items call the designer with the component", () => {
    const editor = ["flows:read", "flows:write", "flows:run"];
    const m = menuFor({ kind: "processor", id: "put" }, { ...ctx(editor), liveState: () => "running" })!;
    const item = (label: string) => m.items.find((i) => i.label === label)!;
    expect(item("Start").disabled).toBe(true);
    expect(item("Stop").disabled).toBe(false);
    expect(item("Run once").disabled).toBe(true);
    expect(item("Disable")).toMatchObject({ disabled: true, title: "Stop it first" });
    expect(item("View status history")).toMatchObject({ disabled: true });
    calls.length = 0;
    item("View data provenance").run();
    item("Stop").run();
    expect(calls).toEqual(['provenance:["put"]', 'run:["stop",["put"]]']);
    // A group's Start acts on everything inside it, nested groups included.
    calls.length = 0;
    menuFor({ kind: "group", groupId: "g1" }, ctx(editor))!.items.find((i) => i.label === "Start")!.run();
    expect(calls).toEqual(['run:["start",["put","log"]]']);
  });

  it("a connection without a load balance strategy is node-local", () => {
    const c = doc().connections[0]!;
    expect(isNodeLocal(c)).toBe(true);
    expect(isNodeLocal({ ...c, loadBalance: { strategy: "round-robin" } })).toBe(false);
  });
});

describe("keyboard help", () => {
  it("`?` opens it, and it lists every shortcut the canvas has", () => {
    expect(shortcutOf({ key: "?", ctrlKey: false, metaKey: false, shiftKey: true })).toBe("help");
    const keys = SHORTCUTS.map((s) => s.keys).join(" ");
    for (const k of ["Delete", "Ctrl+Z", "Ctrl+Y", "Ctrl+C", "Ctrl+V", "Ctrl+A", "?"]) expect(keys).toContain(k);
  });
});
