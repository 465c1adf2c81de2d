/** The designer's pure editing model: undo/redo, delete cascades, copy/paste, process groups. */
import { describe, expect, it } from "vitest";
import { flowSchema, type FlowDocument } from "../../../engine/api/flow-format";
import { emptyHistory, record, redo, undo } from "../../../app/components/designer/history";
import {
  IN_PORT,
  OUT_PORT,
  copyProcessors,
  deleteComponents,
  groupComponents,
  groupNodeId,
  levelView,
  pasteClip,
  ungroup,
} from "../../../app/components/designer/model";

function doc(): FlowDocument {
  return flowSchema.parse({
    sluice: 1,
    id: "f",
    name: "f",
    processors: [
      { id: "a", name: "A", type: "GenerateFlowFile", properties: { batchSize: "1" }, position: { x: 0, y: 0 }, state: "running" },
      { id: "b", name: "B", type: "InvokeHTTP", properties: { url: "http://x", password: "secret" }, position: { x: 0, y: 100 } },
      { id: "c", name: "C", type: "LogAttribute", position: { x: 0, y: 200 } },
    ],
    connections: [
      { id: "ab", source: "a", relationships: ["success"], destination: "b" },
      { id: "bc", source: "b", relationships: ["Response"], destination: "c" },
    ],
  });
}

describe("undo/redo history", () => {
  it("steps back and forward through edits, and a new edit clears redo", () => {
    const d0 = doc();
    const d1 = deleteComponents(d0, { processors: ["c"] });
    const d2 = deleteComponents(d1, { processors: ["b"] });
    let h = record(record(emptyHistory(), d0), d1);
    const u1 = undo(h, d2)!;
    expect(u1.doc).toBe(d1);
    const u2 = undo(u1.history, u1.doc)!;
    expect(u2.doc).toBe(d0);
    expect(undo(u2.history, u2.doc)).toBeNull();
    const r1 = redo(u2.history, u2.doc)!;
    expect(r1.doc).toBe(d1);
    h = record(r1.history, r1.doc);
    expect(redo(h, d1)).toBeNull();
  });
});

describe("editing", () => {
  it("deleting a processor deletes its connections; deleting nothing returns the same document", () => {
    const d = doc();
    const out = deleteComponents(d, { processors: ["b"] });
    expect(out.processors.map((p) => p.id)).toEqual(["a", "c"]);
    expect(out.connections).toEqual([]);
    expect(deleteComponents(d, { processors: ["zzz"] })).toBe(d);
  });

  it("copies processors without sensitive values and pastes them stopped with fresh ids and names", () => {
    const d = doc();
    const clip = copyProcessors(d, ["a", "b"], (type) => (type === "InvokeHTTP" ? ["password"] : []));
    expect(clip.connections.map((c) => c.id)).toEqual(["ab"]);
    expect(clip.processors[1]!.properties.password).toBeUndefined();
    const { doc: pasted, ids } = pasteClip(d, clip, undefined, { x: 40, y: 40 });
    expect(ids).toHaveLength(2);
    for (const id of ids) expect(["a", "b", "c"]).not.toContain(id);
    const added = pasted.processors.filter((p) => ids.includes(p.id));
    expect(added.map((p) => p.name)).toEqual(["A (copy)", "B (copy)"]);
    expect(added.every((p) => p.state === "stopped")).toBe(true);
    expect(added[0]!.position).toEqual({ x: 40, y: 40 });
    const copiedConn = pasted.connections.find((c) => c.source === ids[0]);
    expect(copiedConn?.destination).toBe(ids[1]);
  });

  it("groups a selection: the group shows at the root, and connections crossing it become ports", () => {
    const d = doc();
    const { doc: grouped, id } = groupComponents(d, { processors: ["b"], groups: [] }, "Calls", undefined);
    const root = levelView(grouped, undefined);
    expect(root.processors.map((p) => p.id)).toEqual(["a", "c"]);
    expect(root.groups.map((g) => g.name)).toEqual(["Calls"]);
    expect(root.edges.map((e) => [e.source, e.target])).toEqual([
      ["a", groupNodeId(id)],
      [groupNodeId(id), "c"],
    ]);
    const inside = levelView(grouped, id);
    expect(inside.inPort && inside.outPort).toBe(true);
    expect(inside.edges.map((e) => [e.source, e.target])).toEqual([
      [IN_PORT, "b"],
      ["b", OUT_PORT],
    ]);
    // Deleting the group deletes what is inside; ungrouping restores the original shape.
    expect(deleteComponents(grouped, { groups: [id] }).processors.map((p) => p.id)).toEqual(["a", "c"]);
    const back = ungroup(grouped, id);
    expect(back.groups).toEqual([]);
    expect(back.processors.every((p) => p.group === undefined)).toBe(true);
  });
});
