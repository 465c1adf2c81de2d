"use client";
/**
 * The cluster page's live part. Reads GET /api/node every POLL_MS (one request at a time) and
 * shows, in cluster mode, one row per member: id and primary, host and pid, state, heartbeat
 * age, flows with their revisions, queued count and size, CPU and heap; outside cluster mode,
 * the local node the designer runs.
 *
 * A decommissioning node shows how far its move of queued FlowFiles got (moved, left) and, when
 * some cannot move now, why.
 *
 * Actions (`canManage`, i.e. cluster:manage): Remove for a node that is not alive,
 * Decommission for one that is not decommissioning or decommissioned, Recommission for one that
 * is. Each is a
 * POST /api/cluster/nodes/:id/<action>; a refusal shows the server's message (e.g. 409 when the
 * node is connected), and the list is read again at once after any answer.
 */
import Link from "next/link";
import { useCallback, useEffect, useRef, useState } from "react";
import type { NodeInfo } from "../../lib/engine-client";
import { api } from "../designer/api-client";
import { formatAge, formatBytes, formatCount } from "../designer/format";

/** How often the page reads GET /api/node. */
const POLL_MS = 2000;

type Member = NonNullable<NodeInfo["cluster"]>["members"][number];
type Action = "remove" | "decommission" | "recommission";

const STATE_STYLE: Record<Member["state"], string> = {
  connected: "bg-emerald-100 text-emerald-800",
  disconnected: "bg-red-100 text-red-800",
  decommissioning: "bg-amber-100 text-amber-800",
  decommissioned: "bg-slate-200 text-slate-700",
};

const ACTION_LABEL: Record<Action, string> = { remove: "Remove", decommission: "Decommission", recommission: "Recommission" };

/** What asking before an action says; undefined: no question. */
const CONFIRM: Partial<Record<Action, (id: string) => string>> = {
  remove: (id) => `Remove node ${id} from the cluster? It shows again if it sends a heartbeat.`,
  decommission: (id) =>
    `Decommission node ${id}? It stops its flows, moves the FlowFiles queued in them to the other nodes running the same flows, then undeploys them, and takes no deploys until recommissioned.`,
};

function seconds(ms: number): string {
  return ms < 10_000 ? `${(ms / 1000).toFixed(1)} s` : `${Math.round(ms / 1000)} s`;
}

function FlowList({ flows, names }: { flows: Array<{ flowId: string; revision: number; running: boolean }>; names: Record<string, string> }) {
  if (!flows.length) return <span className="text-slate-400">none</span>;
  return (
    <ul>
      {flows.map((f) => (
        <li key={f.flowId} data-testid={`node-flow-${f.flowId}`}>
          <Link href={`/flows/${f.flowId}`} className="text-sky-700 hover:underline">
            {names[f.flowId] ?? f.flowId}
          </Link>{" "}
          <span className="text-slate-500">
            rev {f.revision} · {f.running ? "running" : "stopped"}
          </span>
        </li>
      ))}
    </ul>
  );
}

/** How far a decommissioned node's move of its queued FlowFiles got, and why some wait. */
function OffloadLine({ offload }: { offload: NonNullable<Member["offload"]> }) {
  return (
    <div data-testid="node-offload" data-offload={offload.state} className="mt-1 max-w-64 text-xs text-slate-500">
      {formatCount(offload.moved)} FlowFiles moved, {formatCount(offload.remaining)} left
      {offload.reasons?.map((r) => (
        <div key={r} className="text-amber-800">
          {r}
        </div>
      ))}
    </div>
  );
}

function MemberRow({ m, names, canManage, busy, onAction }: { m: Member; names: Record<string, string>; canManage: boolean; busy: boolean; onAction: (id: string, a: Action) => void }) {
  const leaving = m.state === "decommissioning" || m.state === "decommissioned";
  const actions: Action[] = [...(m.alive ? [] : (["remove"] as const)), leaving ? "recommission" : "decommission"];
  return (
    <tr
      data-testid={`cluster-node-${m.id}`}
      data-state={m.state}
      data-primary={m.primary ? "true" : "false"}
      title={m.alive ? undefined : "No current heartbeat: flows, queue, CPU and heap are from the last one"}
      className={`border-t border-slate-100 align-top ${m.alive ? "" : "text-slate-500"}`}
    >
      <td className="py-2 pr-3 font-medium">
        {m.id}
        {m.primary ? <span className="ml-2 rounded bg-sky-100 px-1.5 py-0.5 text-xs text-sky-800">primary</span> : null}
      </td>
      <td className="py-2 pr-3 text-slate-600">
        {m.host} <span className="text-slate-400">pid {m.pid}</span>
        <div className="max-w-56 truncate text-xs text-slate-400" title={m.dataDir}>
          {m.dataDir}
        </div>
      </td>
      <td className="py-2 pr-3">
        <span data-testid="node-state" className={`rounded-full px-2 py-0.5 text-xs ${STATE_STYLE[m.state]}`}>
          {m.state}
          {leaving && !m.alive ? " (down)" : ""}
        </span>
        {m.offload ? <OffloadLine offload={m.offload} /> : null}
      </td>
      <td className="py-2 pr-3 tabular-nums" data-testid="node-heartbeat">
        {seconds(m.heartbeatAgeMs)} ago
      </td>
      <td className="py-2 pr-3">
        <FlowList flows={m.flows} names={names} />
      </td>
      <td className="py-2 pr-3 tabular-nums" data-testid="node-queued">
        {formatCount(m.queued.count)} ({formatBytes(m.queued.bytes)})
      </td>
      <td className="py-2 pr-3 tabular-nums">{m.cpuPercent.toFixed(1)} %</td>
      <td className="py-2 pr-3 tabular-nums">
        {formatBytes(m.heap.usedBytes)} / {formatBytes(m.heap.totalBytes)}
      </td>
      {canManage ? (
        <td className="py-2">
          <div className="flex flex-wrap gap-1">
            {actions.map((a) => (
              <button
                key={a}
                type="button"
                disabled={busy}
                onClick={() => onAction(m.id, a)}
                aria-label={`${ACTION_LABEL[a]} ${m.id}`}
                className={`rounded border px-2 py-0.5 text-xs disabled:opacity-50 ${a === "remove" ? "border-red-300 text-red-700 hover:bg-red-50" : "border-slate-300 hover:bg-slate-100"}`}
              >
                {ACTION_LABEL[a]}
              </button>
            ))}
          </div>
        </td>
      ) : null}
    </tr>
  );
}

function LocalNode({ info, names }: { info: NodeInfo; names: Record<string, string> }) {
  return (
    <div data-testid="local-node" className="rounded-lg border border-slate-200 bg-white p-4 text-sm">
      <dl className="grid grid-cols-[10rem_1fr] gap-y-1">
        <dt className="text-slate-500">Name</dt>
        <dd>{info.name}</dd>
        <dt className="text-slate-500">Process</dt>
        <dd>pid {info.pid}</dd>
        <dt className="text-slate-500">Data dir</dt>
        <dd className="break-all">{info.dataDir}</dd>
        <dt className="text-slate-500">Started</dt>
        <dd>{formatAge(info.startedAt)}</dd>
        <dt className="text-slate-500">Flows</dt>
        <dd>
          <FlowList flows={info.flows} names={names} />
        </dd>
      </dl>
    </div>
  );
}

/**
 * Props: whether the designer is a cluster coordinator, whether the user holds cluster:manage,
 * and flow names by id (flows are listed by name, their id when unknown).
 */
export function ClusterView({ clustered, canManage, flowNames }: { clustered: boolean; canManage: boolean; flowNames: Record<string, string> }) {
  const [info, setInfo] = useState<NodeInfo | null>(null);
  const [readError, setReadError] = useState<string | null>(null);
  const [message, setMessage] = useState<{ ok: boolean; text: string } | null>(null);
  const [busy, setBusy] = useState(false);
  const reading = useRef(false);

  const load = useCallback(async () => {
    if (reading.current) return;
    reading.current = true;
    const r = await api<NodeInfo>("GET", "/api/node");
    reading.current = false;
    if (r.ok) {
      setInfo(r.data);
      setReadError(null);
    } else setReadError(r.error);
  }, []);

  useEffect(() => {
    void load();
    const t = setInterval(() => void load(), POLL_MS);
    return () => clearInterval(t);
  }, [load]);

  const act = async (id: string, a: Action) => {
    const question = CONFIRM[a]?.(id);
    if (question && !window.confirm(question)) return;
    setBusy(true);
    const r = await api<{ ok: true }>("POST", `/api/cluster/nodes/${encodeURIComponent(id)}/${a}`);
    setBusy(false);
    setMessage(r.ok ? { ok: true, text: `${ACTION_LABEL[a]}: node ${id} done.` } : { ok: false, text: r.error });
    await load();
  };

  const cluster = info?.cluster;
  return (
    <div data-testid="cluster-view">
      {clustered ? (
        <p className="mt-1 mb-4 text-sm text-slate-500">
          {cluster ? (
            <>
              Cluster <b>{cluster.name}</b>: {cluster.members.filter((m) => m.state === "connected").length} of {cluster.members.length} nodes connected, primary{" "}
              <b data-testid="cluster-primary">{cluster.primary ?? "none"}</b>. A node without a heartbeat for 15 s is disconnected. Refreshed every 2 s.
            </>
          ) : (
            "Reading the cluster…"
          )}
        </p>
      ) : (
        <p className="mt-1 mb-4 text-sm text-slate-500" data-testid="single-node">
          Cluster mode is off: this designer runs one local node, shown below. Set <code>SLUICE_REDIS_URL</code> and <code>SLUICE_CLUSTER_SECRET</code> and start{" "}
          <code>sluice node</code> processes to run flows on several nodes (README: &quot;A cluster on one machine&quot;).
        </p>
      )}
      {readError ? (
        <p role="alert" className="mb-3 rounded-md border border-red-200 bg-red-50 px-3 py-2 text-sm text-red-800">
          Could not read the node status: {readError}
        </p>
      ) : null}
      {message ? (
        <p role={message.ok ? "status" : "alert"} data-testid="cluster-message" className={`mb-3 rounded-md border px-3 py-2 text-sm ${message.ok ? "border-emerald-200 bg-emerald-50 text-emerald-900" : "border-red-200 bg-red-50 text-red-800"}`}>
          {message.text}
        </p>
      ) : null}
      {cluster ? (
        <div className="overflow-x-auto rounded-lg border border-slate-200 bg-white px-4 py-2">
          <table className="w-full text-left text-sm" aria-label="Cluster nodes">
            <thead className="text-xs uppercase tracking-wide text-slate-500">
              <tr>
                <th className="py-2 pr-3 font-medium">Node</th>
                <th className="py-2 pr-3 font-medium">Host</th>
                <th className="py-2 pr-3 font-medium">State</th>
                <th className="py-2 pr-3 font-medium">Heartbeat</th>
                <th className="py-2 pr-3 font-medium">Flows</th>
                <th className="py-2 pr-3 font-medium">Queued</th>
                <th className="py-2 pr-3 font-medium">CPU</th>
                <th className="py-2 pr-3 font-medium">Heap</th>
                {canManage ? <th className="py-2 font-medium">Actions</th> : null}
              </tr>
            </thead>
            <tbody>
              {cluster.members.map((m) => (
                <MemberRow key={m.id} m={m} names={flowNames} canManage={canManage} busy={busy} onAction={(id, a) => void act(id, a)} />
              ))}
              {cluster.members.length === 0 ? (
                <tr>
                  <td colSpan={canManage ? 9 : 8} className="py-4 text-center text-slate-500">
                    No node has joined yet: start one with <code>npx sluice node --data-dir &lt;dir&gt; --name &lt;name&gt;</code>.
                  </td>
                </tr>
              ) : null}
            </tbody>
          </table>
        </div>
      ) : info && !clustered ? (
        <LocalNode info={info} names={flowNames} />
      ) : null}
    </div>
  );
}
