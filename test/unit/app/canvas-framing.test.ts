/**
 * How the designer frames a level before React Flow measured its nodes: processor nodes carry
 * their fixed size as `measured`, and frameNodes fits them as React Flow's own fitView does (so
 * the first render already has the zoom, and level of detail, the canvas ends at).
 */
import { getNodesBounds, getViewportForBounds } from "@xyflow/react";
import { describe, expect, it } from "vitest";
import type { FlowAnalysis } from "../../../app/lib/engine-client";
import { flowSchema } from "../../../engine/api/flow-format";
import { FIT_OPTIONS, frameNodes, NODE_H, NODE_W, projectNodes } from "../../../app/components/designer/canvas-projection";
import { groupComponents, levelView } from "../../../app/components/designer/model";

const doc = flowSchema.parse({
  sluice: 1,
  id: "f",
  name: "f",
  processors: Array.from({ length: 30 }, (_, i) => ({ id: `p${i}`, type: "UpdateAttribute", position: { x: (i % 10) * 300, y: Math.floor(i / 10) * 180 } })),
  connections: [],
});
const analysis: FlowAnalysis = { deployable: true, problems: [], processors: {}, connections: {} };
const project = (d = doc, groupId?: string) => projectNodes([], { doc: d, view: levelView(d, groupId), analysis, select: null, onEnter: () => undefined });

describe("canvas framing", () => {
  it("gives every processor node its fixed size, and group nodes none (they are measured)", () => {
    const grouped = groupComponents(doc, { processors: ["p0", "p1"], groups: [] }, "G", undefined);
    const root = project(grouped.doc);
    expect(root.filter((n) => n.type === "processor").every((n) => n.measured?.width === NODE_W && n.measured.height === NODE_H)).toBe(true);
    expect(root.filter((n) => n.type !== "processor").map((n) => [n.type, n.measured])).toEqual([["processGroup", undefined]]);
  });

  it("keeps the size React Flow measured for a processor node", () => {
    const measured = project().map((n) => (n.id === "p3" ? { ...n, measured: { width: NODE_W, height: 120 } } : n));
    const again = projectNodes(measured, { doc, view: levelView(doc, undefined), analysis, select: null, onEnter: () => undefined });
    expect(again.find((n) => n.id === "p3")!.measured).toEqual({ width: NODE_W, height: 120 });
    expect(again.find((n) => n.id === "p4")!.measured).toEqual({ width: NODE_W, height: NODE_H });
  });

  it("fits the processors as fitView does with their NODE_W × NODE_H", () => {
    const nodes = project();
    const expected = getViewportForBounds(getNodesBounds(nodes), 1360, 907, 0.05, FIT_OPTIONS.maxZoom, FIT_OPTIONS.padding);
    expect(frameNodes(nodes, 1360, 907, 0.05)).toEqual(expected);
    expect(expected.zoom).toBeLessThan(0.5);
  });

  it("frames nothing without nodes or before the pane has a size", () => {
    expect(frameNodes([], 1360, 907, 0.05)).toBeNull();
    expect(frameNodes(project(), 0, 0, 0.05)).toBeNull();
  });
});
