/**
 * Canvas projection: the React Flow nodes and edges of one process-group level, as a pure
 * function of the flow document, its analysis and the previous projection.
 *
 * Contract:
 * - No React, no side effects, no mutation of any argument.
 * - The previous nodes/edges only contribute what React Flow owns: selection, measured size and
 *   the position of a node being dragged. Everything else comes from the document.
 * - An entry whose inputs did not change is returned as the very same object (processor nodes
 *   and edges), so React Flow re-renders only what an edit touched.
 * - Live numbers (states, counters, queue sizes) are not part of the projection: nodes and edges
 *   read them from the LiveStore one by one, so a status frame never re-projects the canvas.
 * - A processor node is NODE_W × NODE_H whatever it shows (canvas-parts.tsx), so a new one comes
 *   with that as its `measured` size: React Flow shows it in its first render instead of hiding
 *   it until measured, fits the view without waiting, and measuring it (handle positions) finds
 *   the size unchanged, so no dimension change goes round through the document's nodes and
 *   re-renders them all. React Flow still measures every node; a size that did differ comes
 *   back as a dimension change and is kept.
 */
import { getNodesBounds, getViewportForBounds, MarkerType, type Edge, type Node, type Viewport } from "@xyflow/react";
import type { FlowAnalysis, FlowDocument } from "../../lib/engine-client";
import type { ConnectionEdgeData, GroupNodeData, PortNodeData, ProcessorNodeData } from "./canvas-parts";
import { groupNodeId, IN_PORT, OUT_PORT, subtreeGroups, type LevelView } from "./model";

/** What the nodes of a level are projected from (besides the previous nodes). */
export interface NodeProjectionInput {
  doc: FlowDocument;
  /** levelView(doc, groupId) of the level shown. */
  view: LevelView;
  analysis: FlowAnalysis;
  /** Node ids to select instead of keeping the previous selection (after add, paste, group); null keeps it. */
  select: ReadonlySet<string> | null;
  /** Put into group nodes' data: opens a group. */
  onEnter: (groupId: string) => void;
}

/** What the edges of a level are projected from (besides the previous edges). */
export interface EdgeProjectionInput {
  view: LevelView;
  analysis: FlowAnalysis;
  /** Put into edges' data: opens a connection's panel. */
  onOpen: (connectionId: string) => void;
}

/** Size of a processor node (fixed, whatever its level of detail). */
export const NODE_W = 240;
export const NODE_H = 94;
const PROCESSOR_SIZE = { width: NODE_W, height: NODE_H };

/** How the canvas fits a level into view (the `fitView` prop and every fit after a level change). */
export const FIT_OPTIONS = { padding: 0.2, maxZoom: 1.2 };

/** About the size of group and port nodes, for framing them before React Flow measured them. */
const ESTIMATED: Record<string, { width: number; height: number }> = { processGroup: { width: 256, height: 100 }, port: { width: 140, height: 44 } };

/**
 * The viewport that fits `nodes` into a pane of `width` × `height` as React Flow's fitView with
 * FIT_OPTIONS does, before React Flow measured any node: processor nodes by their fixed size,
 * group and port nodes by an estimate. Null when there is nothing to fit or no pane yet.
 */
export function frameNodes(nodes: readonly Node[], width: number, height: number, minZoom: number): Viewport | null {
  if (!nodes.length || !width || !height) return null;
  const sized = nodes.map((n) => (n.measured?.width ? n : { ...n, ...ESTIMATED[n.type ?? ""] }));
  return getViewportForBounds(getNodesBounds(sized), width, height, minZoom, FIT_OPTIONS.maxZoom, FIT_OPTIONS.padding);
}

/** Where a processor without a stored position goes: a grid of four columns. */
const gridPosition = (i: number) => ({ x: (i % 4) * 280, y: Math.floor(i / 4) * 170 });
/** Where a group without a stored position goes: a row above the processors. */
const groupRowPosition = (i: number) => ({ x: (i % 4) * 280, y: -200 });

/**
 * The nodes of `input.view`: processors, then groups, then the level's input and output ports
 * (placed left and right of everything, at the mean height).
 */
export function projectNodes(prev: readonly Node[], input: NodeProjectionInput): Node[] {
  const { doc, view, analysis, select, onEnter } = input;
  const prevById = new Map(prev.map((n) => [n.id, n]));
  const out: Node[] = [];
  let minX = Infinity;
  let maxX = -Infinity;
  let sumY = 0;
  const place = (old: Node | undefined, stored: { x: number; y: number }) => {
    const position = old?.dragging ? old.position : stored;
    minX = Math.min(minX, position.x);
    maxX = Math.max(maxX, position.x);
    sumY += position.y;
    return position;
  };
  view.processors.forEach((p, i) => {
    const old = prevById.get(p.id);
    const position = place(old, p.position ?? gridPosition(i));
    const problems = analysis.processors[p.id]?.problems ?? [];
    const selected = select ? select.has(p.id) : (old?.selected ?? false);
    const data = old?.data as ProcessorNodeData | undefined;
    if (old && data?.proc === p && data.problems === problems && old.selected === selected && old.position === position) {
      out.push(old);
      return;
    }
    out.push({ ...old, id: p.id, type: "processor", position, selected, measured: old?.measured ?? PROCESSOR_SIZE, data: { proc: p, problems } satisfies ProcessorNodeData });
  });
  view.groups.forEach((g, i) => {
    const id = groupNodeId(g.id);
    const old = prevById.get(id);
    const position = place(old, g.position ?? groupRowPosition(i));
    const sub = subtreeGroups(doc, g.id);
    const inside = doc.processors.filter((p) => p.group !== undefined && sub.has(p.group));
    const ids = new Set(inside.map((p) => p.id));
    const data: GroupNodeData = {
      name: g.name,
      groupId: g.id,
      processors: inside.length,
      processorIds: inside.map((p) => p.id),
      invalid: inside.filter((p) => (analysis.processors[p.id]?.problems.length ?? 0) > 0).length,
      inputs: doc.connections.filter((c) => ids.has(c.destination) && !ids.has(c.source)).length,
      outputs: doc.connections.filter((c) => ids.has(c.source) && !ids.has(c.destination)).length,
      onEnter,
    };
    const selected = select ? select.has(id) : (old?.selected ?? false);
    out.push({ ...old, id, type: "processGroup", position, selected, data });
  });
  const count = view.processors.length + view.groups.length;
  const midY = count ? sumY / count : 0;
  if (!Number.isFinite(minX)) {
    minX = 0;
    maxX = 0;
  }
  if (view.inPort) {
    const data: PortNodeData = { direction: "in", count: view.edges.filter((e) => e.source === IN_PORT).length };
    out.push({ ...prevById.get(IN_PORT), id: IN_PORT, type: "port", position: { x: minX - 320, y: midY }, draggable: false, selectable: false, data });
  }
  if (view.outPort) {
    const data: PortNodeData = { direction: "out", count: view.edges.filter((e) => e.target === OUT_PORT).length };
    out.push({ ...prevById.get(OUT_PORT), id: OUT_PORT, type: "port", position: { x: maxX + 360, y: midY }, draggable: false, selectable: false, data });
  }
  return out;
}

/** The edges of `input.view`, keeping each previous edge's selection. */
export function projectEdges(prev: readonly Edge[], input: EdgeProjectionInput): Edge[] {
  const { view, analysis, onOpen } = input;
  const prevById = new Map(prev.map((e) => [e.id, e]));
  return view.edges.map((e) => {
    const old = prevById.get(e.id);
    const problems = analysis.connections[e.id]?.problems ?? [];
    const data = old?.data as ConnectionEdgeData | undefined;
    if (old && data?.connection === e.connection && data.problems === problems && old.source === e.source && old.target === e.target) return old;
    return {
      id: e.id,
      source: e.source,
      target: e.target,
      type: "connection",
      selected: old?.selected ?? false,
      markerEnd: { type: MarkerType.ArrowClosed, width: 18, height: 18, color: "#64748b" },
      data: { connection: e.connection, problems, onOpen } satisfies ConnectionEdgeData,
    };
  });
}
