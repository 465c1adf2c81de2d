/**
 * The live status frame the events route pushes (about once a second) and the canvas reads.
 * Only what the canvas shows: states, problems, 5-minute counts, queue sizes, bulletins.
 * From a cluster the figures are cluster totals (engine/cluster/merge.ts) and each processor and
 * connection also carries `nodes`, its figures on each node that answered, in the order of
 * `status.nodes`; bulletins carry the node that raised them. Outside a cluster there is no
 * `nodes` and no bulletin `node`.
 */
import type { FlowProblem } from "./engine-client";
import type { LiveStatus } from "./flow-service";

/** One processor's live state. Counts are the engine's rolling 5-minute window. */
export interface ProcessorLive {
  id: string;
  state: "stopped" | "starting" | "running" | "stopping" | "disabled" | "invalid";
  problems: Array<{ property: string; message: string }>;
  activeTasks: number;
  in: number;
  inBytes: number;
  out: number;
  outBytes: number;
  /** Cluster only: this processor's state and counts on each node. */
  nodes?: Array<{ node: string; state: ProcessorLive["state"]; activeTasks: number; in: number; inBytes: number; out: number; outBytes: number }>;
}

/** One connection's queue. `fill` = max(count/objectThreshold, bytes/bytesThreshold). */
export interface ConnectionLive {
  id: string;
  count: number;
  bytes: number;
  objectThreshold: number;
  bytesThreshold: number;
  fill: number;
  /** Cluster only: this queue on each node (back pressure applies per node). */
  nodes?: Array<{ node: string; count: number; bytes: number; fill: number }>;
}

/** A bulletin (engine warning or error) as shown in the bulletin list. */
export interface BulletinLive {
  id: number;
  timestamp: number;
  level: string;
  componentId: string;
  componentName: string;
  message: string;
  /** Cluster only: the node that raised it. */
  node?: string;
}

/** The data of one `status` server-sent event. */
export interface StatusFrame {
  revision: number;
  deployed: boolean;
  running: boolean;
  pending: FlowProblem[];
  at: number;
  processors: ProcessorLive[];
  connections: ConnectionLive[];
  bulletins: BulletinLive[];
}

/** Builds the frame from a service status (server side). */
export function statusFrame(s: LiveStatus): StatusFrame {
  const st = s.status;
  // Each node's processors and connections by id, so the breakdown is one lookup per node.
  const perNode = st?.nodes?.map(({ node, status }) => ({
    node,
    processors: new Map(status.processors.map((p) => [p.id, p])),
    connections: new Map(status.connections.map((c) => [c.id, c])),
  }));
  return {
    revision: s.revision,
    deployed: s.deployed,
    running: st?.running ?? false,
    pending: s.pending,
    at: s.at,
    processors: (st?.processors ?? []).map((p) => ({
      id: p.id,
      state: p.state,
      problems: p.problems,
      activeTasks: p.activeTasks,
      in: p.stats.in,
      inBytes: p.stats.inBytes,
      out: p.stats.out,
      outBytes: p.stats.outBytes,
      ...(perNode
        ? {
            nodes: perNode.flatMap(({ node, processors }) => {
              const x = processors.get(p.id);
              return x ? [{ node, state: x.state, activeTasks: x.activeTasks, in: x.stats.in, inBytes: x.stats.inBytes, out: x.stats.out, outBytes: x.stats.outBytes }] : [];
            }),
          }
        : {}),
    })),
    connections: (st?.connections ?? []).map((c) => ({
      id: c.id,
      count: c.queued.count,
      bytes: c.queued.bytes,
      objectThreshold: c.objectThreshold,
      bytesThreshold: c.bytesThreshold,
      fill: c.fill,
      ...(perNode
        ? {
            nodes: perNode.flatMap(({ node, connections }) => {
              const x = connections.get(c.id);
              return x ? [{ node, count: x.queued.count, bytes: x.queued.bytes, fill: x.fill }] : [];
            }),
          }
        : {}),
    })),
    bulletins: (st?.bulletins ?? []).slice(-20).map((b) => {
      const node = (b as { node?: unknown }).node;
      return { id: b.id, timestamp: b.timestamp, level: b.level, componentId: b.componentId, componentName: b.componentName, message: b.message, ...(typeof node === "string" ? { node } : {}) };
    }),
  };
}
