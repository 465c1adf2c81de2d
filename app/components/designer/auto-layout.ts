/**
 * Auto-layout of one canvas level with elkjs (layered, top to bottom). elkjs is loaded on first
 * use so the canvas does not pay for it until someone asks for a layout.
 */
import type { ElkNode } from "elkjs/lib/elk.bundled.js";

/** A node to place: its id and measured size. */
export interface LayoutNode {
  id: string;
  width: number;
  height: number;
}

/** Positions (top-left) for `nodes`, keeping connected nodes in layers along `edges`. */
export async function autoLayout(nodes: LayoutNode[], edges: Array<{ id: string; source: string; target: string }>): Promise<Map<string, { x: number; y: number }>> {
  const { default: ELK } = await import("elkjs/lib/elk.bundled.js");
  const elk = new ELK();
  const ids = new Set(nodes.map((n) => n.id));
  const graph: ElkNode = {
    id: "root",
    layoutOptions: {
      "elk.algorithm": "layered",
      "elk.direction": "DOWN",
      "elk.spacing.nodeNode": "60",
      "elk.layered.spacing.nodeNodeBetweenLayers": "90",
      "elk.edgeRouting": "ORTHOGONAL",
    },
    children: nodes.map((n) => ({ id: n.id, width: n.width, height: n.height })),
    edges: edges.filter((e) => ids.has(e.source) && ids.has(e.target) && e.source !== e.target).map((e) => ({ id: e.id, sources: [e.source], targets: [e.target] })),
  };
  const out = await elk.layout(graph);
  return new Map((out.children ?? []).map((c) => [c.id, { x: c.x ?? 0, y: c.y ?? 0 }]));
}
