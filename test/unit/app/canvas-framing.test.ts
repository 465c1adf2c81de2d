/**
 * How the designer frames a level before React Flow measured its nodes: processor nodes carry
 * their fixed size, and frameNodes fits them as React Flow's own fitView does once they are
 * measured (so the first render already has the zoom, and level of detail, the canvas ends at).
 */
import { getNodesBounds, getViewportForBounds, type Node } from "@xyflow/react";
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
    expect(root.filter((n) => n.type === "processor").every((n) => n.initialWidth === NODE_W && n.initialHeight === NODE_H)).toBe(true);
    expect(root.filter((n) => n.type !== "processor").map((n) => [n.type, n.initialWidth])).toEqual([["processGroup", undefined]]);
  });

  it("fits the processors as fitView would once they measure NODE_W × NODE_H", () => {
    const nodes = project();
    const measured: Node[] = nodes.map((n) => ({ ...n, measured: { width: NODE_W, height: NODE_H } }));
    const expected = getViewportForBounds(getNodesBounds(measured), 1360, 907, 0.05, FIT_OPTIONS.maxZoom, FIT_OPTIONS.padding);
    expect(frameNodes(nodes, 1360, 907, 0.05)).toEqual(expected);
    expect(expected.zoom).toBeLessThan(0.5);
  });

  it("frames nothing without nodes or before the pane has a size", () => {
    expect(frameNodes([], 1360, 907, 0.05)).toBeNull();
    expect(frameNodes(project(), 0, 0, 0.05)).toBeNull();
  });
});
