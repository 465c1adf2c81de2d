/**
 * Turns a flow document into plain, serializable canvas nodes and edges (no React here), so the
 * server can compute them and hand them to the client canvas as props.
 */
import type { FlowDocument } from "./engine-client";

/** Data shown by a processor node. */
export interface ProcessorNodeData extends Record<string, unknown> {
  name: string;
  type: string;
  state: "running" | "stopped" | "disabled";
}

/** A processor on the canvas (shape compatible with React Flow's Node). */
export interface CanvasNode {
  id: string;
  type: "processor";
  position: { x: number; y: number };
  data: ProcessorNodeData;
}

/** A connection on the canvas; `label` lists its relationships (React Flow Edge compatible). */
export interface CanvasEdge {
  id: string;
  source: string;
  target: string;
  label: string;
}

const GRID_COLUMNS = 4;
const GRID_X = 260;
const GRID_Y = 170;

/** Processors without a saved position are laid out on a grid after their index. */
export function toCanvas(flow: FlowDocument): { nodes: CanvasNode[]; edges: CanvasEdge[] } {
  const nodes = flow.processors.map<CanvasNode>((p, i) => ({
    id: p.id,
    type: "processor",
    position: p.position ?? { x: (i % GRID_COLUMNS) * GRID_X, y: Math.floor(i / GRID_COLUMNS) * GRID_Y },
    data: { name: p.name ?? p.type, type: p.type, state: p.state },
  }));
  const edges = flow.connections.map<CanvasEdge>((c) => ({
    id: c.id,
    source: c.source,
    target: c.destination,
    label: c.name ? `${c.name}: ${c.relationships.join(", ")}` : c.relationships.join(", "),
  }));
  return { nodes, edges };
}
