"use client";
/**
 * The canvas's node and edge components: processors, process groups, group ports, and
 * connections with their queue gauge. Live numbers come from the LiveStore through context, so
 * a status frame re-renders only what changed.
 *
 * Processor and group nodes carry `nopan` themselves: React Flow marks only draggable nodes so,
 * and on a read-only canvas (nodes not draggable) the pane's zoom would otherwise take the
 * double click that opens a node's settings (and zoom in instead).
 *
 * Level of detail (as NiFi's canvas does): below DETAIL_ZOOM the text of a node or a connection
 * label would be a pixel or two high, so processors show only their state, name and problem or
 * bulletin marks, in a box of the same size, and connections only their line. A big flow fitted
 * into view then costs a fraction of the DOM, style, layout and paint (bench/canvas-300.ts: 300
 * processors fit at about 0.13). Zooming in past DETAIL_ZOOM shows everything again.
 */
import { BaseEdge, EdgeLabelRenderer, getSmoothStepPath, Handle, Position, type Edge, type EdgeProps, type Node, type NodeProps } from "@xyflow/react";
import { createContext, memo, useContext, useSyncExternalStore, type MouseEvent } from "react";
import type { ConfigProblem, ConnectionConfig, ProcessorConfig } from "../../lib/engine-client";
import { NODE_H, NODE_W } from "./canvas-projection";
import { fillColor, formatBytes, formatCount } from "./format";
import type { ConnectionLive, ProcessorLive } from "../../lib/live";
import { LiveStore, useBulletins, useConnectionLive, useProcessorLive } from "./live-store";
import { fieldLabel } from "./problems";

/** The live store of the open flow. */
export const LiveContext = createContext<LiveStore>(new LiveStore());

/** A processor node's fixed size: the detailed and the compact view measure the same. */
const NODE_SIZE = { width: NODE_W, height: NODE_H };

/** The zoom from which nodes and connection labels show their details. */
export const DETAIL_ZOOM = 0.4;

/** True while the canvas is zoomed in far enough for details (zoom ≥ DETAIL_ZOOM). */
export const DetailContext = createContext(true);

/** What a context menu was opened on (React Flow node ids for nodes). */
export type MenuTarget = { kind: "processor"; id: string } | { kind: "group"; groupId: string } | { kind: "connection"; id: string } | { kind: "canvas" };

/** Designer-wide options and callbacks the canvas parts need besides their own data. */
export interface CanvasOptions {
  /** The designer runs as a cluster coordinator: connections without load balancing are marked "not HA". */
  clusterMode: boolean;
  /** Opens the context menu for `target` at the event's position. */
  onMenu: (e: MouseEvent, target: MenuTarget) => void;
}
export const CanvasContext = createContext<CanvasOptions>({ clusterMode: false, onMenu: () => undefined });

/** How many of `ids` run now, per the live store (0 while the flow is not deployed). */
function useRunningCount(store: LiveStore, ids: readonly string[]): number {
  const count = () => ids.reduce((n, id) => n + (store.processor(id)?.state === "running" ? 1 : 0), 0);
  return useSyncExternalStore(store.subscribe, count, () => 0);
}

/** Data of a processor node. `problems` are the design-time problems of the saved document. */
export interface ProcessorNodeData extends Record<string, unknown> {
  proc: ProcessorConfig;
  problems: ConfigProblem[];
  /** The document changed since the analysis; problems may be out of date. */
  highlighted?: boolean;
}
export type ProcessorFlowNode = Node<ProcessorNodeData, "processor">;

/** Data of a process group node at its parent's level. */
export interface GroupNodeData extends Record<string, unknown> {
  name: string;
  groupId: string;
  processors: number;
  /** Ids of every processor inside (nested groups included): the running count is live, not the document's. */
  processorIds: string[];
  invalid: number;
  inputs: number;
  outputs: number;
  onEnter: (groupId: string) => void;
}
export type GroupFlowNode = Node<GroupNodeData, "processGroup">;

/** Data of the current group's input or output port. */
export interface PortNodeData extends Record<string, unknown> {
  direction: "in" | "out";
  count: number;
}
export type PortFlowNode = Node<PortNodeData, "port">;

const STATE_STYLE: Record<string, { dot: string; label: string }> = {
  running: { dot: "bg-emerald-500", label: "Running" },
  starting: { dot: "bg-emerald-300", label: "Starting" },
  stopping: { dot: "bg-amber-300", label: "Stopping" },
  stopped: { dot: "bg-red-500", label: "Stopped" },
  disabled: { dot: "bg-slate-400", label: "Disabled" },
  invalid: { dot: "bg-amber-500", label: "Invalid" },
};

/** A problem as the node's tooltip says it: the field's label (not `relationships.x`), then the message. */
function describeProblem(p: ConfigProblem): string {
  if (!p.property || p.property.startsWith("relationships.") || p.message.includes(p.property)) return p.message;
  return `${fieldLabel(p.property, undefined)}: ${p.message}`;
}

/** "node-a: in 3 (1.2 KB) · out 3 (1.2 KB)" lines for a processor's per-node breakdown. */
function processorNodeLines(nodes: NonNullable<ProcessorLive["nodes"]>): string[] {
  return nodes.map((n) => `${n.node}: in ${formatCount(n.in)} (${formatBytes(n.inBytes)}) · out ${formatCount(n.out)} (${formatBytes(n.outBytes)})${n.state === "running" ? "" : ` · ${n.state}`}`);
}

/** "node-a: 12 (3 KB)" lines for a queue's per-node breakdown. */
function queueNodeLines(nodes: NonNullable<ConnectionLive["nodes"]>): string[] {
  return nodes.map((n) => `${n.node}: ${formatCount(n.count)} (${formatBytes(n.bytes)}), ${Math.round(n.fill * 100)} % full`);
}

function ProcessorNodeView({ id, data, selected }: NodeProps<ProcessorFlowNode>) {
  const store = useContext(LiveContext);
  const detailed = useContext(DetailContext);
  const live = useProcessorLive(store, id);
  const bulletins = useBulletins(store, id);
  const p = data.proc;
  const problems = data.problems;
  // Live state when deployed; otherwise what the document says, invalid when it has problems.
  const state = live ? live.state : p.state === "disabled" ? "disabled" : problems.length ? "invalid" : "stopped";
  const style = STATE_STYLE[state] ?? STATE_STYLE.stopped;
  const name = p.name ?? p.type;
  const lastBulletin = bulletins?.at(-1);
  // What both levels of detail share: the test id, state, label, size and the two handles.
  const box = { "data-testid": `processor-node-${id}`, "data-state": state, "aria-label": `Processor ${name} (${p.type})`, style: NODE_SIZE };
  const border = selected ? "border-sky-500 ring-2 ring-sky-300" : "border-slate-300";
  // Compact nodes keep their handles (React Flow measures them to draw the connections), unseen.
  const handle = `!h-3 !w-3 !border-2 !border-white${detailed ? "" : " invisible"}`;
  const target = <Handle type="target" position={Position.Top} className={`${handle} !bg-slate-500`} />;
  const source = <Handle type="source" position={Position.Bottom} className={`${handle} !bg-sky-600`} />;
  if (!detailed) {
    return (
      <div {...box} title={name} className={`nopan flex items-center gap-3 rounded-lg border bg-white px-4 ${!selected && problems.length ? "border-amber-500" : border}`}>
        {target}
        <span className={`h-7 w-7 shrink-0 rounded-full ${style.dot}`} data-testid="run-state" aria-label={`state ${style.label}`} />
        <span className="min-w-0 flex-1 truncate text-[28px] leading-9 font-semibold text-slate-900">{name}</span>
        {lastBulletin ? <span className={`h-7 w-7 shrink-0 rounded ${lastBulletin.level === "error" ? "bg-red-600" : "bg-amber-500"}`} data-testid="bulletin-icon" /> : null}
        {source}
      </div>
    );
  }
  return (
    <div {...box} className={`nopan group/node rounded-lg border bg-white px-3 py-2.5 ${border}`}>
      {target}
      <div className="flex items-center gap-2">
        <span className={`h-2.5 w-2.5 shrink-0 rounded-full ${style.dot}`} title={style.label} data-testid="run-state" aria-label={`state ${style.label}`} />
        <span className="processor-name min-w-0 flex-1 truncate font-semibold text-slate-900" title={name}>
          {name}
        </span>
        {problems.length > 0 ? (
          <span className="relative">
            <span
              data-testid="problems-icon"
              role="img"
              aria-label={`${problems.length} validation problem${problems.length === 1 ? "" : "s"}`}
              title={problems.map(describeProblem).join("\n")}
              className="flex h-5 w-5 items-center justify-center rounded-full bg-amber-100 text-xs font-bold text-amber-700"
            >
              !
            </span>
            <ul
              data-testid="problems-list"
              className="pointer-events-none absolute top-6 right-0 z-20 hidden w-72 rounded-md border border-amber-300 bg-amber-50 p-2 text-xs text-amber-900 shadow-lg group-hover/node:block"
            >
              {problems.map((pr, i) => (
                <li key={i} className="py-0.5">
                  {describeProblem(pr)}
                </li>
              ))}
            </ul>
          </span>
        ) : null}
        {lastBulletin ? (
          <span
            title={`${lastBulletin.level}${lastBulletin.node ? ` on ${lastBulletin.node}` : ""}: ${lastBulletin.message}`}
            className={`flex h-5 w-5 items-center justify-center rounded text-xs font-bold text-white ${lastBulletin.level === "error" ? "bg-red-600" : "bg-amber-500"}`}
            data-testid="bulletin-icon"
          >
            B
          </span>
        ) : null}
      </div>
      <div className="processor-type mt-0.5 truncate text-xs text-slate-500">{p.type}</div>
      <div
        className="group/stats relative mt-1.5 grid grid-cols-2 gap-x-2 border-t border-slate-100 pt-1.5 text-[11px] text-slate-600"
        title={live?.nodes ? ["Last 5 minutes, cluster total", ...processorNodeLines(live.nodes)].join("\n") : "Last 5 minutes"}
      >
        <span data-testid="stat-in">
          In <b className="font-semibold text-slate-800">{formatCount(live?.in ?? 0)}</b> ({formatBytes(live?.inBytes ?? 0)})
        </span>
        <span data-testid="stat-out">
          Out <b className="font-semibold text-slate-800">{formatCount(live?.out ?? 0)}</b> ({formatBytes(live?.outBytes ?? 0)})
        </span>
        {live?.nodes ? (
          <ul
            data-testid="node-breakdown"
            aria-label="Per node"
            className="pointer-events-none absolute top-full left-0 z-20 hidden w-72 rounded-md border border-slate-300 bg-white p-2 text-[11px] text-slate-700 group-hover/stats:block"
          >
            <li className="font-semibold">Per node (last 5 minutes)</li>
            {processorNodeLines(live.nodes).map((line, i) => (
              <li key={live.nodes![i]!.node} data-node={live.nodes![i]!.node}>
                {line}
              </li>
            ))}
          </ul>
        ) : null}
      </div>
      {source}
    </div>
  );
}

function GroupNodeView({ data, selected }: NodeProps<GroupFlowNode>) {
  const running = useRunningCount(useContext(LiveContext), data.processorIds);
  return (
    <div
      data-testid={`group-node-${data.groupId}`}
      aria-label={`Process group ${data.name}`}
      onDoubleClick={() => data.onEnter(data.groupId)}
      className={`nopan w-64 rounded-xl border-2 border-dashed bg-indigo-50/80 px-3 py-2.5 ${selected ? "border-sky-500 ring-2 ring-sky-300" : "border-indigo-300"}`}
    >
      <Handle type="target" position={Position.Top} className="!h-3 !w-3 !border-2 !border-white !bg-indigo-500" />
      <div className="flex items-center gap-2">
        <span aria-hidden className="text-indigo-500">
          ▣
        </span>
        <span className="min-w-0 flex-1 truncate font-semibold text-indigo-950">{data.name}</span>
        <button
          type="button"
          className="nodrag rounded px-1.5 text-xs text-indigo-700 hover:bg-indigo-100"
          onClick={() => data.onEnter(data.groupId)}
          aria-label={`Enter group ${data.name}`}
        >
          Enter →
        </button>
      </div>
      <div className="mt-1 text-xs text-indigo-900/70">
        {data.processors} processor{data.processors === 1 ? "" : "s"} · <span data-testid="group-running">{running} running</span>{data.invalid ? ` · ${data.invalid} invalid` : ""}
      </div>
      <div className="mt-0.5 text-xs text-indigo-900/70">
        Ports: {data.inputs} in · {data.outputs} out
      </div>
      <Handle type="source" position={Position.Bottom} className="!h-3 !w-3 !border-2 !border-white !bg-indigo-600" />
    </div>
  );
}

function PortNodeView({ data }: NodeProps<PortFlowNode>) {
  const label = data.direction === "in" ? "Input port" : "Output port";
  return (
    <div data-testid={`port-${data.direction}`} className="rounded-full border-2 border-indigo-400 bg-white px-4 py-2 text-sm font-medium text-indigo-900">
      {data.direction === "out" ? <Handle type="target" position={Position.Top} className="!h-3 !w-3 !bg-indigo-500" /> : null}
      {label} <span className="text-xs text-indigo-700/70">({data.count})</span>
      {data.direction === "in" ? <Handle type="source" position={Position.Bottom} className="!h-3 !w-3 !bg-indigo-600" /> : null}
    </div>
  );
}

/**
 * Node types for React Flow (a stable object: React Flow warns when it changes). Nodes and
 * labels carry no box-shadow on purpose: with 300 of them, software-rasterized shadows were the
 * largest cost per frame while panning (bench/canvas-300.ts). "processGroup", not "group":
 * React Flow styles its own built-in "group" type by class name.
 */
export const nodeTypes = { processor: memo(ProcessorNodeView), processGroup: memo(GroupNodeView), port: memo(PortNodeView) };

/** Data of a connection edge. */
export interface ConnectionEdgeData extends Record<string, unknown> {
  connection: ConnectionConfig;
  problems: ConfigProblem[];
  onOpen: (connectionId: string) => void;
}
export type ConnectionFlowEdge = Edge<ConnectionEdgeData, "connection">;

/** How far a self-loop reaches right of the node's centre, and above/below its handles. */
const LOOP_REACH = 150;
const LOOP_DROP = 28;

/**
 * The path of a connection from a processor back to itself: out of the bottom handle, round the
 * right side of the node and into the top handle. React Flow's own paths collapse to nothing
 * when both ends are one node, which is why such a connection used to be invisible.
 */
export function selfLoopPath(sx: number, sy: number, tx: number, ty: number): [path: string, labelX: number, labelY: number] {
  const right = Math.max(sx, tx) + LOOP_REACH;
  const below = sy + LOOP_DROP;
  const above = ty - LOOP_DROP;
  const r = 10;
  const path = [
    `M ${sx} ${sy}`,
    `L ${sx} ${below - r}`,
    `Q ${sx} ${below} ${sx + r} ${below}`,
    `L ${right - r} ${below}`,
    `Q ${right} ${below} ${right} ${below - r}`,
    `L ${right} ${above + r}`,
    `Q ${right} ${above} ${right - r} ${above}`,
    `L ${tx + r} ${above}`,
    `Q ${tx} ${above} ${tx} ${above + r}`,
    `L ${tx} ${ty}`,
  ].join(" ");
  return [path, right, (below + above) / 2];
}

/** True when a connection's FlowFiles stay on the node that queued them (no load balancing). */
export function isNodeLocal(c: ConnectionConfig): boolean {
  return (c.loadBalance?.strategy ?? "none") === "none";
}

function ConnectionEdgeView({ id, source, target, sourceX, sourceY, targetX, targetY, sourcePosition, targetPosition, markerEnd, selected, data }: EdgeProps<ConnectionFlowEdge>) {
  const store = useContext(LiveContext);
  const { clusterMode, onMenu } = useContext(CanvasContext);
  const detailed = useContext(DetailContext);
  const live = useConnectionLive(store, id);
  const loop = source === target;
  const [path, labelX, labelY] = loop ? selfLoopPath(sourceX, sourceY, targetX, targetY) : getSmoothStepPath({ sourceX, sourceY, targetX, targetY, sourcePosition, targetPosition, borderRadius: 10 });
  const c = data?.connection;
  const fill = live?.fill ?? 0;
  const label = c ? (c.name ? `${c.name}: ${c.relationships.join(", ")}` : c.relationships.join(", ")) : "";
  // A bare line has no wider invisible twin to catch the pointer: at that zoom it would be as thin.
  const line = <BaseEdge id={id} path={path} markerEnd={markerEnd} interactionWidth={detailed ? undefined : 0} style={{ stroke: selected ? "#0284c7" : "#64748b", strokeWidth: selected ? 2.5 : 1.5 }} />;
  if (!detailed) return line;
  return (
    <>
      {line}
      <EdgeLabelRenderer>
        <div
          className={`sluice-edge-label nodrag nopan absolute rounded-md border bg-white px-2 py-1 text-[11px] ${selected ? "border-sky-500" : "border-slate-300"}`}
          style={{ transform: `translate(-50%, -50%) translate(${labelX}px, ${labelY}px)`, pointerEvents: "all" }}
          data-testid={`connection-label-${id}`}
          data-self-loop={loop ? "true" : undefined}
          onDoubleClick={() => data?.onOpen(id)}
          onContextMenu={(e) => onMenu(e, { kind: "connection", id })}
          title="Double-click to configure and list the queue; right-click for more"
        >
          <div className="flex items-center gap-1 font-medium text-slate-700">
            {data?.problems.length ? (
              <span className="text-amber-600" title={data.problems.map((p) => p.message).join("\n")}>
                !
              </span>
            ) : null}
            {loop ? (
              <span aria-label="Loops back to the same processor" title="Loops back to the same processor">
                ↻
              </span>
            ) : null}
            <span className="edge-relationships">{label}</span>
            {clusterMode && c && isNodeLocal(c) ? (
              <span data-testid="not-ha" className="rounded bg-amber-100 px-1 text-[10px] font-semibold text-amber-800" title="Not highly available: queued FlowFiles wait for their node if it dies. Set a load balance strategy (Make distributed) to share them across the cluster.">
                not HA
              </span>
            ) : null}
          </div>
          <div className="mt-0.5 flex items-center gap-1.5 text-slate-500">
            <span data-testid="queued" title={live?.nodes ? ["Cluster total", ...queueNodeLines(live.nodes)].join("\n") : undefined}>
              Queued <b className="queued-count text-slate-800">{formatCount(live?.count ?? 0)}</b> ({formatBytes(live?.bytes ?? 0)})
            </span>
          </div>
          <div className="mt-1 h-1.5 w-full min-w-24 overflow-hidden rounded bg-slate-200" title={`${Math.round(fill * 100)} % of the back pressure threshold`}>
            <div data-testid="fill-bar" className={`h-full ${fillColor(fill)}`} style={{ width: `${Math.min(100, Math.max(fill > 0 ? 2 : 0, fill * 100))}%` }} />
          </div>
        </div>
      </EdgeLabelRenderer>
    </>
  );
}

/** Edge types for React Flow. */
export const edgeTypes = { connection: memo(ConnectionEdgeView) };
