"use client";
/**
 * A FlowFile's lineage drawn with React Flow: one node per provenance event (type, component,
 * FlowFile, time), laid out left to right with elkjs (time runs along the wide axis of the
 * pane; each FlowFile gets its own lane). Solid edges follow one FlowFile from event
 * to event; dashed edges cross to another FlowFile (a FORK/CLONE/JOIN child, a REPLAY), labelled
 * with the event that links them. Each FlowFile has its own colour. Clicking a node opens that
 * event.
 */
import { Background, Controls, Handle, MarkerType, Position, ReactFlow, ReactFlowProvider, type Edge, type Node, type NodeProps } from "@xyflow/react";
import "@xyflow/react/dist/style.css";
import { memo, useEffect, useMemo, useState } from "react";
import type { ElkNode } from "elkjs/lib/elk.bundled.js";
import type { LineageView, ProvenanceEventSummary } from "../../lib/provenance-service";
import { api } from "../designer/api-client";
import { formatEventTime, typeBadge } from "./format";

interface Props {
  flowId: string;
  uuid: string;
  selectedEventId: number | null;
  onSelect: (eventId: number) => void;
  onSearchUuid: (uuid: string) => void;
}

const NODE_W = 184;
const NODE_H = 62;
const COLORS = ["#0284c7", "#9333ea", "#16a34a", "#ea580c", "#db2777", "#0d9488", "#ca8a04", "#4f46e5", "#dc2626", "#475569"];

interface EventNodeData extends Record<string, unknown> {
  event: ProvenanceEventSummary;
  color: string;
}
type EventFlowNode = Node<EventNodeData, "event">;

const EventNode = memo(function EventNode({ data, selected }: NodeProps<EventFlowNode>) {
  const e = data.event;
  return (
    <div
      data-testid={`lineage-node-${e.eventId}`}
      data-flowfile={e.flowFileUuid}
      data-type={e.type}
      title={`Event #${e.eventId} · ${e.type} · ${e.componentName}\nFlowFile ${e.flowFileUuid}${e.relationship ? `\nrelationship ${e.relationship}` : ""}${e.details ? `\n${e.details}` : ""}`}
      className={`rounded-md border-2 bg-white px-2 py-1 text-left ${selected ? "ring-2 ring-sky-400" : ""}`}
      style={{ width: NODE_W, height: NODE_H, borderColor: data.color }}
    >
      <Handle type="target" position={Position.Left} isConnectable={false} className="!h-1.5 !w-1.5 !min-w-0 !border-0 !bg-slate-400" />
      <div className="flex items-center gap-1">
        <span className={`rounded px-1 text-[10px] font-semibold ${typeBadge(e.type)}`}>{e.type}</span>
        <span className="ml-auto text-[10px] text-slate-400">#{e.eventId}</span>
      </div>
      <div className="truncate text-xs font-medium text-slate-900">{e.componentName}</div>
      <div className="flex items-center gap-1 text-[10px] text-slate-500">
        <span className="inline-block h-2 w-2 rounded-full" style={{ background: data.color }} />
        <span className="font-mono">{e.flowFileUuid.slice(0, 8)}</span>
        <span className="ml-auto font-mono">{formatEventTime(e.timestamp).slice(11)}</span>
      </div>
      <Handle type="source" position={Position.Right} isConnectable={false} className="!h-1.5 !w-1.5 !min-w-0 !border-0 !bg-slate-400" />
    </div>
  );
});

const nodeTypes = { event: EventNode };

/** Top-left positions by event id, layered left to right along the edges. elkjs loads on first use. */
async function layout(graph: LineageView): Promise<Map<string, { x: number; y: number }>> {
  const { default: ELK } = await import("elkjs/lib/elk.bundled.js");
  const root: ElkNode = {
    id: "root",
    layoutOptions: {
      "elk.algorithm": "layered",
      "elk.direction": "RIGHT",
      "elk.spacing.nodeNode": "24",
      "elk.layered.spacing.nodeNodeBetweenLayers": "40",
      "elk.edgeRouting": "ORTHOGONAL",
    },
    children: graph.events.map((e) => ({ id: String(e.eventId), width: NODE_W, height: NODE_H })),
    edges: graph.edges.map((x) => ({ id: `${x.from}-${x.to}`, sources: [String(x.from)], targets: [String(x.to)] })),
  };
  const out = await new ELK().layout(root);
  return new Map((out.children ?? []).map((c) => [c.id, { x: c.x ?? 0, y: c.y ?? 0 }]));
}

/** FlowFile → colour, in order of each FlowFile's first event (so the oldest gets the first colour). */
function colorsOf(graph: LineageView): Map<string, string> {
  const out = new Map<string, string>();
  for (const e of graph.events) if (!out.has(e.flowFileUuid)) out.set(e.flowFileUuid, COLORS[out.size % COLORS.length]!);
  return out;
}

function buildGraph(graph: LineageView, colors: Map<string, string>, positions: Map<string, { x: number; y: number }>): { nodes: EventFlowNode[]; edges: Edge[] } {
  const byId = new Map(graph.events.map((e) => [e.eventId, e]));
  const nodes: EventFlowNode[] = graph.events.map((e) => ({
    id: String(e.eventId),
    type: "event",
    position: positions.get(String(e.eventId)) ?? { x: 0, y: 0 },
    data: { event: e, color: colors.get(e.flowFileUuid) ?? COLORS[0]! },
    draggable: false,
    connectable: false,
  }));
  const edges: Edge[] = graph.edges.map((x) => {
    const from = byId.get(x.from);
    const to = byId.get(x.to);
    const crosses = !!from && !!to && from.flowFileUuid !== to.flowFileUuid;
    const color = colors.get(x.flowFileUuid) ?? COLORS[0]!;
    const label = crosses ? (from && ["FORK", "CLONE", "JOIN"].includes(from.type) ? from.type : to?.type) : undefined;
    return {
      id: `${x.from}-${x.to}`,
      source: String(x.from),
      target: String(x.to),
      type: "smoothstep",
      label,
      labelStyle: { fontSize: 10, fill: color, fontWeight: 600 },
      style: { stroke: color, strokeWidth: 1.6, strokeDasharray: crosses ? "5 4" : undefined },
      markerEnd: { type: MarkerType.ArrowClosed, color, width: 16, height: 16 },
      selectable: false,
    };
  });
  return { nodes, edges };
}

function LineageCanvas({ flowId, uuid, selectedEventId, onSelect, onSearchUuid }: Props) {
  const [graph, setGraph] = useState<LineageView | null>(null);
  const [positions, setPositions] = useState<Map<string, { x: number; y: number }> | null>(null);
  const [error, setError] = useState<string | null>(null);

  useEffect(() => {
    let live = true;
    void (async () => {
      const r = await api<LineageView>("GET", `/api/flows/${flowId}/provenance/lineage/${encodeURIComponent(uuid)}`);
      if (!live) return;
      if (!r.ok) {
        setError(r.error);
        return;
      }
      // Without a layout the events still show, in one row by id.
      const placed = await layout(r.data).catch(() => new Map(r.data.events.map((e, i) => [String(e.eventId), { x: i * (NODE_W + 40), y: 0 }])));
      if (!live) return;
      setGraph(r.data);
      setPositions(placed);
    })();
    return () => {
      live = false;
    };
  }, [flowId, uuid]);

  const colors = useMemo(() => (graph ? colorsOf(graph) : new Map<string, string>()), [graph]);
  const built = useMemo(() => (graph && positions ? buildGraph(graph, colors, positions) : null), [graph, colors, positions]);
  const nodes = useMemo(() => built?.nodes.map((n) => ({ ...n, selected: n.id === String(selectedEventId) })) ?? [], [built, selectedEventId]);

  if (error) {
    return (
      <p role="alert" className="px-4 py-3 text-sm text-red-700">
        {error}
      </p>
    );
  }
  if (!graph || !built) return <p className="px-4 py-3 text-sm text-slate-500">Loading lineage…</p>;
  return (
    <div className="flex min-h-0 flex-1 flex-col">
      <div className="flex flex-wrap items-center gap-2 px-4 py-1 text-xs" aria-label="FlowFiles in this lineage">
        <span className="text-slate-500">
          {graph.events.length} events, {graph.flowFiles.length} FlowFile{graph.flowFiles.length === 1 ? "" : "s"}
          {graph.truncated ? " (cut: too many events to draw)" : ""}:
        </span>
        {[...colors].map(([ff, color]) => (
          <button
            key={ff}
            type="button"
            data-testid="lineage-flowfile"
            data-flowfile={ff}
            onClick={() => onSearchUuid(ff)}
            title={`Search the events of FlowFile ${ff}`}
            className={`flex items-center gap-1 rounded px-1.5 py-0.5 font-mono ring-1 ring-slate-200 hover:bg-slate-100 ${ff === graph.flowFileUuid ? "font-semibold" : ""}`}
          >
            <span className="inline-block h-2.5 w-2.5 rounded-full" style={{ background: color }} />
            {ff.slice(0, 8)}
          </button>
        ))}
      </div>
      <div className="min-h-0 flex-1" data-testid="lineage-graph" aria-label="Lineage graph">
        <ReactFlow
          nodes={nodes}
          edges={built.edges}
          nodeTypes={nodeTypes}
          onNodeClick={(_e, n) => onSelect(Number(n.id))}
          nodesDraggable={false}
          nodesConnectable={false}
          elementsSelectable={false}
          fitView
          fitViewOptions={{ padding: 0.15, maxZoom: 1.2 }}
          minZoom={0.1}
          proOptions={{ hideAttribution: true }}
        >
          <Background gap={20} size={1} />
          <Controls showInteractive={false} />
        </ReactFlow>
      </div>
    </div>
  );
}

/** The lineage of FlowFile `uuid`; `selectedEventId` is outlined. */
export function LineageGraph(props: Props) {
  return (
    <ReactFlowProvider>
      <LineageCanvas {...props} />
    </ReactFlowProvider>
  );
}
