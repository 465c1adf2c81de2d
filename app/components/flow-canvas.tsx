"use client";
/**
 * A read-only React Flow canvas of one flow: processors as nodes (name and type), connections
 * as arrows labelled with their relationships. Nothing can be moved, connected or deleted.
 */
import { Background, Controls, Handle, MarkerType, MiniMap, Position, ReactFlow, type Edge, type Node, type NodeProps } from "@xyflow/react";
import "@xyflow/react/dist/style.css";
import type { CanvasEdge, CanvasNode, ProcessorNodeData } from "../lib/canvas-model";

type ProcessorNode = Node<ProcessorNodeData, "processor">;

const STATE_DOT: Record<ProcessorNodeData["state"], string> = {
  running: "bg-emerald-500",
  stopped: "bg-amber-500",
  disabled: "bg-slate-400",
};

function ProcessorNodeView({ id, data }: NodeProps<ProcessorNode>) {
  return (
    <div
      data-testid={`processor-node-${id}`}
      aria-label={`Processor ${data.name} (${data.type})`}
      className="min-w-48 rounded-lg border border-slate-300 bg-white px-4 py-3 shadow-sm"
    >
      <Handle type="target" position={Position.Top} isConnectable={false} className="!bg-slate-400" />
      <div className="flex items-center gap-2">
        <span className={`h-2 w-2 shrink-0 rounded-full ${STATE_DOT[data.state]}`} title={data.state} />
        <span className="processor-name font-semibold text-slate-900">{data.name}</span>
      </div>
      <div className="processor-type mt-0.5 text-xs text-slate-500">{data.type}</div>
      <Handle type="source" position={Position.Bottom} isConnectable={false} className="!bg-slate-400" />
    </div>
  );
}

const nodeTypes = { processor: ProcessorNodeView };

/**
 * Props: nodes and edges as produced by toCanvas() on the server. Uncontrolled (default*)
 * on purpose: React Flow then stores the measured node sizes itself, which the MiniMap needs;
 * a controlled canvas without onNodesChange never sees them and draws an empty MiniMap.
 */
export function FlowCanvas({ nodes, edges }: { nodes: CanvasNode[]; edges: CanvasEdge[] }) {
  const rfNodes: ProcessorNode[] = nodes;
  const rfEdges: Edge[] = edges.map((e) => ({
    ...e,
    type: "smoothstep",
    markerEnd: { type: MarkerType.ArrowClosed, width: 18, height: 18 },
    labelBgPadding: [6, 3] as [number, number],
    labelBgBorderRadius: 4,
    labelStyle: { fontSize: 12, fill: "#334155" },
  }));
  return (
    <ReactFlow
      defaultNodes={rfNodes}
      defaultEdges={rfEdges}
      nodeTypes={nodeTypes}
      fitView
      fitViewOptions={{ padding: 0.2 }}
      nodesDraggable={false}
      nodesConnectable={false}
      elementsSelectable={false}
      edgesFocusable={false}
      nodesFocusable={false}
      deleteKeyCode={null}
      proOptions={{ hideAttribution: true }}
    >
      <Background gap={20} />
      <MiniMap pannable zoomable nodeColor="#94a3b8" nodeBorderRadius={6} maskColor="rgba(241, 245, 249, 0.6)" />
      <Controls showInteractive={false} />
    </ReactFlow>
  );
}
