/**
 * How the coordinator merges what nodes answer into one answer (pure functions).
 *
 * Status of a flow:
 * - processor and connection counters (in, out, bytes, tasks...), queued count and bytes, swap
 *   files and active tasks are summed over the nodes that answered;
 * - a connection's `fill` is the fullest node's: back pressure applies per node queue;
 * - a processor's state is the nodes' common state; when they differ it is "running" if it runs
 *   on some node (a primary-only processor runs on one; the per-node breakdown says where),
 *   else "starting" or "stopping" if some node is in that transition, else "invalid" if it is
 *   invalid on some node, else "stopped" (disabled only when disabled everywhere);
 * - a problem found on some nodes only says on which: "... (on node-c)";
 * - `revision` is the oldest revision a node runs (so a node lagging behind shows);
 * - bulletins carry their node, newest 100 of all nodes.
 *
 * Cluster-wide ids: provenance event ids and bulletin ids are per node, so the coordinator
 * returns `index × EVENT_ID_BASE + local id`, where `index` (≥ 1) is the node's small number in
 * `<c>:cluster:event-index`. Why encode rather than keep a map: the id alone routes a later
 * provenanceEvent / provenanceContent / replay call to the node holding the event, after a
 * coordinator restart too, with nothing to store. Ids stay below 2^53 for 9,007 nodes with up to
 * 10^12 events each.
 */
import type { ProcessorStatus } from "../api/engine";
import type { Bulletin, DeployResult, FlowStatus, LineageGraph, NodeFailure, ProvenanceEvent, StatusHistory, StatusHistoryPoint } from "../api/node-api";

export const EVENT_ID_BASE = 1_000_000_000_000;

/** A cluster-wide id for node `index`'s local id. */
export function encodeId(index: number, local: number): number {
  return index * EVENT_ID_BASE + local;
}

/** The node index and local id of a cluster-wide id, or null when it is not one. */
export function decodeId(id: number): { index: number; local: number } | null {
  if (!Number.isSafeInteger(id) || id < EVENT_ID_BASE) return null;
  return { index: Math.floor(id / EVENT_ID_BASE), local: id % EVENT_ID_BASE };
}

/** One node's answer, with the node's index for ids. */
export interface NodePart<T> {
  node: string;
  index: number;
  value: T;
}

type State = ProcessorStatus["state"];

/** A processor's cluster state from its state on each node (see the module comment). */
export function mergeState(states: readonly State[]): State {
  if (states.length === 0) return "stopped";
  if (states.every((s) => s === states[0])) return states[0]!;
  for (const s of ["running", "starting", "stopping", "invalid", "stopped"] as const) if (states.includes(s)) return s;
  return "disabled";
}

/** Adds every numeric field of `from` to the same field of `into`. */
function addInto<T extends object>(into: T, from: T): void {
  const a = into as Record<string, unknown>;
  for (const [k, v] of Object.entries(from)) if (typeof v === "number" && typeof a[k] === "number") a[k] = (a[k] as number) + v;
}

/** Problems found on some nodes only get " (on a, b)". */
function mergeProblems<P extends { message: string }>(perNode: Array<{ node: string; problems: readonly P[] }>, keyOf: (p: P) => string): P[] {
  const seen = new Map<string, { p: P; nodes: string[] }>();
  for (const { node, problems } of perNode) {
    for (const p of problems) {
      const k = keyOf(p);
      const e = seen.get(k);
      if (e) e.nodes.push(node);
      else seen.set(k, { p, nodes: [node] });
    }
  }
  return [...seen.values()].map(({ p, nodes }) => (nodes.length === perNode.length ? p : { ...p, message: `${p.message} (on ${nodes.join(", ")})` }));
}

/** Merges flow statuses; `parts` must not be empty. */
export function mergeStatus(parts: ReadonlyArray<NodePart<FlowStatus>>, unavailable: NodeFailure[]): FlowStatus {
  const first = parts[0]!.value;
  const procs = new Map<string, { s: ProcessorStatus; states: State[]; problems: Array<{ node: string; problems: ProcessorStatus["problems"] }> }>();
  const conns = new Map<string, FlowStatus["connections"][number]>();
  for (const { node, value } of parts) {
    for (const p of value.processors) {
      const e = procs.get(p.id);
      if (!e) {
        procs.set(p.id, { s: { ...p, stats: { ...p.stats } }, states: [p.state], problems: [{ node, problems: p.problems }] });
        continue;
      }
      addInto(e.s.stats, p.stats);
      e.s.activeTasks += p.activeTasks;
      e.states.push(p.state);
      e.problems.push({ node, problems: p.problems });
    }
    for (const c of value.connections) {
      const e = conns.get(c.id);
      if (!e) {
        conns.set(c.id, { ...c, queued: { ...c.queued }, stats: { ...c.stats } });
        continue;
      }
      addInto(e.queued, c.queued);
      addInto(e.stats, c.stats);
      e.swapFiles += c.swapFiles;
      e.fill = Math.max(e.fill, c.fill);
      // Every node reads the same cluster-wide count: the freshest (largest) one, not a sum.
      if (c.distributed && e.distributed && c.distributed.clusterQueued.count > e.distributed.clusterQueued.count) e.distributed = c.distributed;
      else if (c.distributed && !e.distributed) e.distributed = c.distributed;
    }
  }
  for (const e of conns.values()) {
    if (!e.distributed) continue;
    // Cluster totals: every node's local part plus what the cluster holds.
    addInto(e.queued, e.distributed.clusterQueued);
    e.fill = Math.max(e.queued.count / e.objectThreshold, e.queued.bytes / e.bytesThreshold);
  }
  const bulletins = parts
    .flatMap(({ node, index, value }) => value.bulletins.map((b): Bulletin & { node: string } => ({ ...b, id: encodeId(index, b.id), node })))
    .sort((a, b) => a.timestamp - b.timestamp || a.id - b.id)
    .slice(-100);
  return {
    flowId: first.flowId,
    mode: first.mode,
    running: parts.some((p) => p.value.running),
    windowMs: first.windowMs,
    processors: [...procs.values()].map(({ s, states, problems }) => ({
      ...s,
      state: mergeState(states),
      problems: mergeProblems(problems, (p) => `${p.property}\n${p.message}`),
    })),
    connections: [...conns.values()],
    bulletins,
    revision: Math.min(...parts.map((p) => p.value.revision)),
    pending: mergeProblems(
      parts.map((p) => ({ node: p.node, problems: p.value.pending })),
      (p) => `${p.path}\n${p.message}`,
    ),
    nodes: parts.map((p) => ({ node: p.node, status: p.value })),
    ...(unavailable.length ? { unavailable } : {}),
  };
}

/** An event with its cluster-wide id and node. */
export function clusterEvent(node: string, index: number, e: ProvenanceEvent): ProvenanceEvent {
  return { ...e, eventId: encodeId(index, e.eventId), node };
}

/** Events of every node, newest first, at most `limit` (default 1000, as one node's search). */
export function mergeEvents(parts: ReadonlyArray<NodePart<ProvenanceEvent[]>>, limit = 1000): ProvenanceEvent[] {
  return parts
    .flatMap(({ node, index, value }) => value.map((e) => clusterEvent(node, index, e)))
    .sort((a, b) => b.timestamp - a.timestamp || b.eventId - a.eventId)
    .slice(0, limit);
}

/** The union of each node's lineage of one FlowFile, with cluster-wide event ids. */
export function mergeLineage(parts: ReadonlyArray<NodePart<LineageGraph>>, unavailable: NodeFailure[]): LineageGraph {
  const flowFiles = new Set<string>();
  const events: ProvenanceEvent[] = [];
  const edges: LineageGraph["edges"] = [];
  for (const { node, index, value } of parts) {
    for (const f of value.flowFiles) flowFiles.add(f);
    for (const e of value.events) events.push(clusterEvent(node, index, e));
    for (const e of value.edges) edges.push({ ...e, from: encodeId(index, e.from), to: encodeId(index, e.to) });
  }
  events.sort((a, b) => a.timestamp - b.timestamp || a.eventId - b.eventId);
  return { flowFiles: [...flowFiles], events, edges, ...(unavailable.length ? { unavailable } : {}) };
}

/** One result for a deploy applied on several nodes. */
export function mergeDeployResults(parts: ReadonlyArray<{ node: string; result: DeployResult }>): DeployResult {
  const results = parts.map((p) => p.result);
  const outcome: DeployResult["outcome"] = results.some((r) => r.outcome === "pending") ? "pending" : results.every((r) => r.outcome === "opened") ? "opened" : "applied";
  return {
    flowId: results[0]!.flowId,
    revision: Math.min(...results.map((r) => r.revision)),
    running: results.some((r) => r.running),
    pending: mergeProblems(
      parts.map((p) => ({ node: p.node, problems: p.result.pending })),
      (p) => `${p.path}\n${p.message}`,
    ),
    outcome,
    changes: results.find((r) => r.changes)?.changes ?? null,
    failures: mergeProblems(
      parts.map((p) => ({ node: p.node, problems: p.result.failures })),
      (f) => `${f.id}\n${f.message}`,
    ),
    nodes: parts.map((p) => ({ node: p.node, result: p.result })),
  };
}

/** The fields of a history point summed over nodes (every one but `time`). */
const HISTORY_SUMS = ["in", "inBytes", "out", "outBytes", "queued", "queuedBytes", "tasks"] as const satisfies ReadonlyArray<Exclude<keyof StatusHistoryPoint, "time">>;

/**
 * A component's status history over the cluster: each minute summed over the nodes that have
 * it, counters and queued alike (every node has its own queues, as in mergeStatus). Minutes are
 * aligned by their start, so a node that started later simply adds nothing to earlier minutes.
 */
export function mergeHistory(parts: ReadonlyArray<NodePart<StatusHistory>>, unavailable: NodeFailure[]): StatusHistory {
  const first = parts[0]!.value;
  const byTime = new Map<number, StatusHistoryPoint>();
  for (const p of parts) {
    for (const point of p.value.points) {
      const into = byTime.get(point.time);
      if (!into) {
        byTime.set(point.time, { ...point });
        continue;
      }
      for (const k of HISTORY_SUMS) {
        const v = point[k];
        if (v !== undefined) into[k] = (into[k] ?? 0) + v;
      }
    }
  }
  return {
    ...first,
    points: [...byTime.values()].sort((a, b) => a.time - b.time),
    nodes: parts.map((p) => p.node),
    unavailable,
  };
}
