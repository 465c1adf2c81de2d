/**
 * The flow summary's rows (NiFi's Summary page): every processor, connection and process group
 * of a flow with its state and 5-minute figures, built from the flow document and the node's
 * status (cluster totals in cluster mode). Pure: the summary route calls it on the server.
 *
 * What the figures mean:
 * - processor: in/out and tasks are its 5-minute counters; queued is what waits in its incoming
 *   connections; bulletins are its bulletins among the flow's latest (at most 100);
 * - connection: in = FlowFiles queued into it, out = taken from it (5 minutes); queued now;
 * - group (with its subgroups): in = FlowFiles taken in over connections from outside it, out =
 *   FlowFiles put out over connections to outside it; queued = in the connections inside it;
 *   tasks and bulletins of its processors; state counts its processors by state.
 */
import type { FlowDocument, FlowStatus } from "../../lib/engine-client";
import { subtreeGroups } from "../designer/model";

export type SummaryKind = "processor" | "connection" | "group";

export interface SummaryRow {
  kind: SummaryKind;
  id: string;
  name: string;
  /** Processor type, "Connection" or "Process group". */
  type: string;
  /** Name of the group the component is in ("" for the root). */
  group: string;
  /** Run state ("running", ...); a group's is a count per state; a connection's "back pressure" or "". */
  state: string;
  in: number;
  inBytes: number;
  out: number;
  outBytes: number;
  queued: number;
  queuedBytes: number;
  /** Tasks run in 5 minutes (null for connections). */
  tasks: number | null;
  bulletins: number;
}

/** The summary: rows, plus whether the flow is deployed at all. */
export interface FlowSummary {
  flowId: string;
  name: string;
  deployed: boolean;
  /** Cluster mode: the figures are the sum over the nodes that answered. */
  cluster: boolean;
  /** Cluster nodes that did not answer (their figures are missing). */
  unavailable: string[];
  at: number;
  rows: SummaryRow[];
}

const ZERO = { in: 0, inBytes: 0, out: 0, outBytes: 0 };

/** The summary rows of `doc` with the figures of `status` (null: not deployed, all zero). */
export function summaryRows(doc: FlowDocument, status: FlowStatus | null): SummaryRow[] {
  const groupName = new Map(doc.groups.map((g) => [g.id, g.name]));
  const procStatus = new Map((status?.processors ?? []).map((p) => [p.id, p]));
  const connStatus = new Map((status?.connections ?? []).map((c) => [c.id, c]));
  const bulletins = new Map<string, number>();
  for (const b of status?.bulletins ?? []) bulletins.set(b.componentId, (bulletins.get(b.componentId) ?? 0) + 1);
  const procName = new Map(doc.processors.map((p) => [p.id, p.name ?? p.type]));
  const procGroup = new Map(doc.processors.map((p) => [p.id, p.group]));
  const queuedInto = new Map<string, { count: number; bytes: number }>();
  for (const c of doc.connections) {
    const q = connStatus.get(c.id)?.queued ?? { count: 0, bytes: 0 };
    const into = queuedInto.get(c.destination) ?? { count: 0, bytes: 0 };
    queuedInto.set(c.destination, { count: into.count + q.count, bytes: into.bytes + q.bytes });
  }

  const rows: SummaryRow[] = [];
  for (const p of doc.processors) {
    const s = procStatus.get(p.id);
    const q = queuedInto.get(p.id) ?? { count: 0, bytes: 0 };
    const st = s?.stats ?? { ...ZERO, tasks: 0 };
    rows.push({
      kind: "processor",
      id: p.id,
      name: p.name ?? p.type,
      type: p.type,
      group: p.group ? (groupName.get(p.group) ?? "") : "",
      // Not deployed: the state the flow says it should have (it is not running anywhere).
      state: s?.state ?? (p.state === "disabled" ? "disabled" : "stopped"),
      in: st.in,
      inBytes: st.inBytes,
      out: st.out,
      outBytes: st.outBytes,
      queued: q.count,
      queuedBytes: q.bytes,
      tasks: st.tasks,
      bulletins: bulletins.get(p.id) ?? 0,
    });
  }
  for (const c of doc.connections) {
    const s = connStatus.get(c.id);
    const srcGroup = procGroup.get(c.source);
    rows.push({
      kind: "connection",
      id: c.id,
      name: c.name || `${procName.get(c.source) ?? c.source} → ${procName.get(c.destination) ?? c.destination} (${c.relationships.join(", ")})`,
      type: "Connection",
      group: srcGroup !== undefined && srcGroup === procGroup.get(c.destination) ? (groupName.get(srcGroup) ?? "") : "",
      state: s && s.fill >= 1 ? "back pressure" : "",
      ...(s ? { in: s.stats.in, inBytes: s.stats.inBytes, out: s.stats.out, outBytes: s.stats.outBytes } : ZERO),
      queued: s?.queued.count ?? 0,
      queuedBytes: s?.queued.bytes ?? 0,
      tasks: null,
      bulletins: bulletins.get(c.id) ?? 0,
    });
  }
  for (const g of doc.groups) {
    const inside = subtreeGroups(doc, g.id);
    const isIn = (procId: string) => {
      const pg = procGroup.get(procId);
      return pg !== undefined && inside.has(pg);
    };
    const row: SummaryRow = {
      kind: "group",
      id: g.id,
      name: g.name,
      type: "Process group",
      group: g.parent ? (groupName.get(g.parent) ?? "") : "",
      state: "",
      ...ZERO,
      queued: 0,
      queuedBytes: 0,
      tasks: 0,
      bulletins: 0,
    };
    const states = new Map<string, number>();
    for (const r of rows) {
      if (r.kind !== "processor" || !isIn(r.id)) continue;
      states.set(r.state, (states.get(r.state) ?? 0) + 1);
      row.tasks = (row.tasks ?? 0) + (r.tasks ?? 0);
      row.bulletins += r.bulletins;
    }
    for (const c of doc.connections) {
      const s = connStatus.get(c.id);
      if (!s) continue;
      const from = isIn(c.source);
      const to = isIn(c.destination);
      if (from && to) {
        row.queued += s.queued.count;
        row.queuedBytes += s.queued.bytes;
      } else if (to) {
        row.in += s.stats.out;
        row.inBytes += s.stats.outBytes;
      } else if (from) {
        row.out += s.stats.in;
        row.outBytes += s.stats.inBytes;
      }
    }
    row.state = [...states].map(([state, n]) => `${n} ${state}`).join(", ");
    rows.push(row);
  }
  return rows;
}

export type SortKey = "name" | "type" | "group" | "state" | "in" | "out" | "queued" | "tasks" | "bulletins";

/** Rows sorted by `key` (numbers: biggest first when `desc`), ties by name then id. */
export function sortRows(rows: readonly SummaryRow[], key: SortKey, desc: boolean): SummaryRow[] {
  const dir = desc ? -1 : 1;
  return [...rows].sort((a, b) => {
    const x = a[key] ?? -1;
    const y = b[key] ?? -1;
    const c = typeof x === "number" && typeof y === "number" ? x - y : String(x).localeCompare(String(y));
    return c !== 0 ? c * dir : a.name.localeCompare(b.name) || a.id.localeCompare(b.id);
  });
}

/** Rows of `kinds` whose name, type, group or state contains `text` (case-insensitive). */
export function filterRows(rows: readonly SummaryRow[], text: string, kinds: ReadonlySet<SummaryKind>): SummaryRow[] {
  const t = text.trim().toLowerCase();
  return rows.filter((r) => kinds.has(r.kind) && (!t || [r.name, r.type, r.group, r.state, r.id].some((v) => v.toLowerCase().includes(t))));
}
