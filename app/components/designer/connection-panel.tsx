"use client";
/**
 * A connection's panel: its settings (relationships, back pressure thresholds, prioritizers,
 * expiration) with Apply/Cancel, its live queue gauge, the queue listing (first 100 FlowFiles
 * with attributes), a FlowFile viewer (text / JSON / hex, download) and "empty queue".
 * What the user may not do is not offered: without `canViewData` the queue is listed but no
 * FlowFile opens (no content, no download); without `canEmpty` there is no "Empty queue";
 * `readOnly` shows the settings disabled, unvalidated, with Close instead of Apply.
 * Once listed, the queue listing follows the queue: it is listed again whenever the live queued
 * count changes (a status frame about once a second), and `listOnOpen` lists it at once.
 * Load balance (`loadBalance` of the flow format) says whether a cluster shares the queue's
 * FlowFiles; in cluster mode a node-local queue says it is not highly available.
 */
import { DeadLetters } from "./dead-letters";
import { useCallback, useContext, useEffect, useState } from "react";
import type { ConnectionConfig, QueuedFlowFile } from "../../lib/engine-client";
import { api } from "./api-client";
import { LiveContext } from "./canvas-parts";
import { fillColor, formatAge, formatBytes, formatCount } from "./format";
import { useConnectionLive } from "./live-store";
import { decodeBase64, hexDump } from "../../lib/content-preview";

const PRIORITIZERS = [
  { value: "FIFO", label: "First in, first out" },
  { value: "OldestFirst", label: "Oldest FlowFile first" },
  { value: "NewestFirst", label: "Newest FlowFile first" },
  { value: "PriorityAttribute", label: "By priority attribute" },
] as const;
type Prioritizer = (typeof PRIORITIZERS)[number]["value"];

interface Props {
  flowId: string;
  connection: ConnectionConfig;
  sourceName: string;
  destinationName: string;
  /** Relationships the source processor has now. */
  sourceRelationships: string[];
  /** The settings cannot be changed (no `flows:write`). */
  readOnly: boolean;
  /** "Empty queue" is offered (`queues:empty`). */
  canEmpty: boolean;
  /** Queued FlowFiles open with their content (`data:view`). */
  canViewData: boolean;
  /** List the queue as soon as the panel opens ("List queue" from the context menu). */
  listOnOpen?: boolean;
  /** The designer is a cluster coordinator. */
  clusterMode?: boolean;
  onApply: (patch: Partial<ConnectionConfig>) => void;
  onCancel: () => void;
}

type LoadBalance = NonNullable<ConnectionConfig["loadBalance"]>;
const STRATEGIES: ReadonlyArray<{ value: LoadBalance["strategy"]; label: string }> = [
  { value: "none", label: "None (stays on the node that queued it)" },
  { value: "round-robin", label: "Round robin" },
  { value: "partition-by-attribute", label: "Partition by attribute" },
  { value: "single-node", label: "Single node" },
];

/** A queued FlowFile's attributes and content. */
function FlowFileView({ flowId, connectionId, uuid, onClose }: { flowId: string; connectionId: string; uuid: string; onClose: () => void }) {
  const [data, setData] = useState<{ attributes: Record<string, string>; size: number; content: string; truncated: boolean } | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [mode, setMode] = useState<"text" | "json" | "hex">("text");
  const base = `/api/flows/${flowId}/connections/${encodeURIComponent(connectionId)}/flowfiles/${encodeURIComponent(uuid)}`;
  useEffect(() => {
    let live = true;
    void api<{ attributes: Record<string, string>; size: number; content: string; truncated: boolean }>("GET", base).then((r) => {
      if (!live) return;
      if (r.ok) {
        setData(r.data);
        const text = new TextDecoder().decode(decodeBase64(r.data.content));
        try {
          JSON.parse(text);
          setMode("json");
        } catch {
          // not JSON: stay on text
        }
      } else setError(r.error);
    });
    return () => {
      live = false;
    };
  }, [base]);
  const bytes = data ? decodeBase64(data.content) : new Uint8Array();
  let body = "";
  if (data) {
    const text = new TextDecoder("utf-8", { fatal: false }).decode(bytes);
    if (mode === "hex") body = hexDump(bytes);
    else if (mode === "json") {
      try {
        body = JSON.stringify(JSON.parse(text), null, 2);
      } catch (e) {
        body = `Not valid JSON (${(e as Error).message}).\n\n${text}`;
      }
    } else body = text;
  }
  return (
    <div data-testid="flowfile-view" className="mt-3 rounded-md border border-slate-300 bg-slate-50 p-2">
      <div className="mb-2 flex items-center gap-2">
        <span className="text-sm font-semibold">FlowFile</span>
        <code className="truncate text-[11px] text-slate-600">{uuid}</code>
        <a href={`/flows/${flowId}/provenance?uuid=${encodeURIComponent(uuid)}`} className="shrink-0 text-xs text-sky-700 hover:underline">
          Provenance
        </a>
        <button type="button" onClick={onClose} className="ml-auto rounded px-1.5 text-sm text-slate-500 hover:bg-slate-200" aria-label="Close FlowFile">
          ×
        </button>
      </div>
      {error ? <p role="alert" className="text-sm text-red-700">{error}</p> : null}
      {data ? (
        <>
          <table className="mb-2 w-full text-xs" aria-label="Attributes">
            <tbody>
              {Object.entries(data.attributes)
                .sort(([a], [b]) => a.localeCompare(b))
                .map(([k, v]) => (
                  <tr key={k} className="border-b border-slate-200 align-top">
                    <td className="py-0.5 pr-2 font-medium text-slate-700">{k}</td>
                    <td className="break-all py-0.5 font-mono text-slate-900">{v}</td>
                  </tr>
                ))}
            </tbody>
          </table>
          <div className="mb-1 flex items-center gap-1" role="tablist" aria-label="Content view">
            {(["text", "json", "hex"] as const).map((m) => (
              <button key={m} type="button" role="tab" aria-selected={mode === m} onClick={() => setMode(m)} className={`rounded px-2 py-0.5 text-xs ${mode === m ? "bg-slate-800 text-white" : "bg-white text-slate-700 ring-1 ring-slate-300"}`}>
                {m === "json" ? "JSON" : m === "hex" ? "Hex" : "Text"}
              </button>
            ))}
            <span className="ml-2 text-xs text-slate-500">{formatBytes(data.size)}{data.truncated ? " (preview truncated)" : ""}</span>
            <a href={`${base}?download=1`} download className="ml-auto rounded bg-white px-2 py-0.5 text-xs text-sky-700 ring-1 ring-slate-300 hover:bg-sky-50">
              Download
            </a>
          </div>
          <pre data-testid="flowfile-content" className="max-h-64 overflow-auto rounded bg-white p-2 text-xs whitespace-pre-wrap ring-1 ring-slate-200">
            {body || <span className="text-slate-400">(empty content)</span>}
          </pre>
        </>
      ) : !error ? (
        <p className="text-sm text-slate-500">Loading…</p>
      ) : null}
    </div>
  );
}

export function ConnectionPanel({ flowId, connection, sourceName, destinationName, sourceRelationships, readOnly, canEmpty, canViewData, listOnOpen = false, clusterMode = false, onApply, onCancel }: Props) {
  const store = useContext(LiveContext);
  const live = useConnectionLive(store, connection.id);
  const [name, setName] = useState(connection.name ?? "");
  const [relationships, setRelationships] = useState<string[]>(connection.relationships);
  const [objectThreshold, setObjectThreshold] = useState(String(connection.backPressure.objectThreshold));
  const [dataSizeThreshold, setDataSizeThreshold] = useState(connection.backPressure.dataSizeThreshold);
  const [expiration, setExpiration] = useState(connection.expiration);
  const [prioritizers, setPrioritizers] = useState<Prioritizer[]>(connection.prioritizers);
  const [problems, setProblems] = useState<{ key: string; list: Array<{ property: string; message: string }> } | null>(null);
  const [queue, setQueue] = useState<{ flowFiles: QueuedFlowFile[]; queued: { count: number; bytes: number } } | null>(null);
  const [queueError, setQueueError] = useState<string | null>(null);
  const [openUuid, setOpenUuid] = useState<string | null>(null);
  const [message, setMessage] = useState<string | null>(null);
  const [strategy, setStrategy] = useState<LoadBalance["strategy"]>(connection.loadBalance?.strategy ?? "none");
  const [partitionAttribute, setPartitionAttribute] = useState(connection.loadBalance?.partitionAttribute ?? "");
  const key = JSON.stringify([objectThreshold, dataSizeThreshold, expiration]);

  useEffect(() => {
    if (readOnly) return;
    const t = setTimeout(async () => {
      const r = await api<{ problems: Array<{ property: string; message: string }> }>("POST", "/api/connections/validate", { objectThreshold, dataSizeThreshold, expiration });
      setProblems({ key, list: r.ok ? r.data.problems : [{ property: "", message: r.error }] });
    }, 200);
    return () => clearTimeout(t);
  }, [readOnly, key, objectThreshold, dataSizeThreshold, expiration]);

  const list = problems?.list ?? [];
  const of = (p: string) => list.filter((x) => x.property === p);
  const relProblem = relationships.length === 0 ? "Choose at least one relationship" : null;
  const partitionProblem = strategy === "partition-by-attribute" && !partitionAttribute.trim() ? "Name the attribute whose value picks the partition" : null;
  const pending = problems?.key !== key;
  const canApply = !pending && list.length === 0 && !relProblem && !partitionProblem;
  const allRels = [...new Set([...sourceRelationships, ...connection.relationships])];

  const listQueue = useCallback(async () => {
    setQueueError(null);
    const r = await api<{ flowFiles: QueuedFlowFile[]; queued: { count: number; bytes: number } }>("GET", `/api/flows/${flowId}/connections/${encodeURIComponent(connection.id)}/queue`);
    if (r.ok) setQueue(r.data);
    else setQueueError(r.error);
  }, [flowId, connection.id]);
  // Listed once (or asked to list on open): list again whenever the live count moves.
  const [listing, setListing] = useState(listOnOpen);
  const liveCount = live?.count;
  useEffect(() => {
    if (listing) void listQueue();
  }, [listing, liveCount, listQueue]);
  const empty = async () => {
    if (!window.confirm(`Drop every FlowFile queued in this connection?`)) return;
    const r = await api<{ dropped: number }>("DELETE", `/api/flows/${flowId}/connections/${encodeURIComponent(connection.id)}/queue`);
    if (r.ok) {
      setMessage(`Dropped ${formatCount(r.data.dropped)} FlowFile${r.data.dropped === 1 ? "" : "s"}.`);
      setOpenUuid(null);
      await listQueue();
    } else setQueueError(r.error);
  };

  const inputCls = (bad: boolean) => `w-full rounded-md border px-2 py-1 text-sm focus:outline-none ${bad ? "border-red-400 bg-red-50" : "border-slate-300 focus:border-sky-500"}`;
  const fill = live?.fill ?? 0;

  return (
    <div className="flex h-full flex-col" data-testid="connection-panel" aria-label="Connection">
      <div className="border-b border-slate-200 px-4 py-3">
        <div className="text-xs uppercase tracking-wide text-slate-500">Connection</div>
        <div className="font-semibold text-slate-900">
          {sourceName} → {destinationName}
        </div>
        <div className="mt-2 text-sm text-slate-700" data-testid="panel-queued">
          Queued <b>{formatCount(live?.count ?? 0)}</b> ({formatBytes(live?.bytes ?? 0)}) of {formatCount(live?.objectThreshold ?? connection.backPressure.objectThreshold)} / {live ? formatBytes(live.bytesThreshold) : connection.backPressure.dataSizeThreshold}
        </div>
        <div className="mt-1 h-2 overflow-hidden rounded bg-slate-200">
          <div className={`h-full ${fillColor(fill)}`} style={{ width: `${Math.min(100, fill * 100)}%` }} />
        </div>
      </div>
      <div className="min-h-0 flex-1 overflow-y-auto px-4 py-3">
        <section aria-label="Queue">
          <div className="flex items-center gap-2">
            <button
              type="button"
              onClick={() => {
                setListing(true);
                void listQueue();
              }}
              className="rounded-md bg-slate-800 px-3 py-1 text-sm text-white hover:bg-slate-700"
            >
              List queue
            </button>
            {canEmpty ? (
              <button type="button" onClick={empty} className="rounded-md border border-red-300 px-3 py-1 text-sm text-red-700 hover:bg-red-50">
                Empty queue
              </button>
            ) : null}
          </div>
          {message ? <p className="mt-2 text-sm text-emerald-700" role="status">{message}</p> : null}
          {queueError ? <p role="alert" className="mt-2 text-sm text-red-700">{queueError}</p> : null}
          {queue ? (
            <div className="mt-2">
              <p className="mb-1 text-xs text-slate-500">
                Showing {queue.flowFiles.length} of {formatCount(queue.queued.count)} queued ({formatBytes(queue.queued.bytes)}), in the order they will be taken.
              </p>
              {canViewData ? null : (
                <p className="mb-1 text-xs text-slate-500" data-testid="no-content-note">
                  FlowFile content needs the <code>data:view</code> permission (operator role and above).
                </p>
              )}
              <table className="w-full text-xs" data-testid="queue-table">
                <thead>
                  <tr className="border-b border-slate-300 text-left text-slate-500">
                    <th className="py-1">#</th>
                    <th>FlowFile</th>
                    <th>Size</th>
                    <th>Queued</th>
                    <th>Attrs</th>
                  </tr>
                </thead>
                <tbody>
                  {queue.flowFiles.map((f) => (
                    <tr
                      key={f.uuid}
                      data-testid="queue-row"
                      onClick={canViewData ? () => setOpenUuid(f.uuid) : undefined}
                      className={`border-b border-slate-100 ${canViewData ? "cursor-pointer hover:bg-sky-50" : ""} ${openUuid === f.uuid ? "bg-sky-100" : ""}`}
                      title={Object.entries(f.attributes).map(([k, v]) => `${k}=${v}`).join("\n")}
                    >
                      <td className="py-1">{f.position}</td>
                      <td className="font-mono">
                        {f.uuid.slice(0, 8)}…{f.penalized ? <span className="ml-1 text-amber-600">penalized</span> : null}
                      </td>
                      <td>{formatBytes(f.size)}</td>
                      <td>{formatAge(f.entryDate)}</td>
                      <td>{Object.keys(f.attributes).length}</td>
                    </tr>
                  ))}
                  {queue.flowFiles.length === 0 ? (
                    <tr>
                      <td colSpan={5} className="py-2 text-slate-500">
                        The queue is empty.
                      </td>
                    </tr>
                  ) : null}
                </tbody>
              </table>
            </div>
          ) : null}
          {openUuid && canViewData ? <FlowFileView key={openUuid} flowId={flowId} connectionId={connection.id} uuid={openUuid} onClose={() => setOpenUuid(null)} /> : null}
          {/* A distributed connection (as saved) has a dead-letter list in the cluster. */}
          {clusterMode && (connection.loadBalance?.strategy ?? "none") !== "none" ? <DeadLetters flowId={flowId} connectionId={connection.id} canResolve={canEmpty} /> : null}
        </section>

        <form
          aria-label="Connection settings"
          className="mt-5"
          onSubmit={(e) => {
            e.preventDefault();
            if (readOnly || !canApply) return;
            onApply({
              name: name.trim() || undefined,
              relationships,
              backPressure: { objectThreshold: Number(objectThreshold), dataSizeThreshold: dataSizeThreshold.trim() },
              expiration: expiration.trim(),
              prioritizers,
              // "none" is the default: left out, as the flow file format does.
              loadBalance: strategy === "none" ? undefined : { strategy, ...(strategy === "partition-by-attribute" ? { partitionAttribute: partitionAttribute.trim() } : {}) },
            });
          }}
        >
          <h3 className="mb-2 border-b border-slate-100 pb-1 text-xs font-semibold uppercase tracking-wide text-slate-500">Settings{readOnly ? " (read-only)" : ""}</h3>
          <fieldset disabled={readOnly} className="min-w-0">
            <label className="mb-3 block text-sm">
              <span className="font-medium">Name</span>
              <input aria-label="Connection name" value={name} onChange={(e) => setName(e.target.value)} placeholder="(relationships)" className={inputCls(false)} />
            </label>
            <fieldset className="mb-3">
              <legend className="text-sm font-medium">Relationships</legend>
              {allRels.map((r) => (
                <label key={r} className="mr-3 inline-flex items-center gap-1 text-sm">
                  <input type="checkbox" checked={relationships.includes(r)} onChange={(e) => setRelationships(e.target.checked ? [...relationships, r] : relationships.filter((x) => x !== r))} />
                  {r}
                </label>
              ))}
              {relProblem ? <p role="alert" className="text-xs text-red-600">{relProblem}</p> : null}
            </fieldset>
            <div className="grid grid-cols-2 gap-2">
              <label className="block text-sm">
                <span className="font-medium">Back pressure object threshold</span>
                <input aria-label="Back pressure object threshold" value={objectThreshold} onChange={(e) => setObjectThreshold(e.target.value)} className={inputCls(of("objectThreshold").length > 0)} />
                {of("objectThreshold").map((p, i) => (
                  <span key={i} role="alert" className="block text-xs text-red-600">{p.message}</span>
                ))}
              </label>
              <label className="block text-sm">
                <span className="font-medium">Back pressure data size threshold</span>
                <input aria-label="Back pressure data size threshold" value={dataSizeThreshold} onChange={(e) => setDataSizeThreshold(e.target.value)} className={inputCls(of("dataSizeThreshold").length > 0)} />
                <span className="block text-[11px] text-slate-500">e.g. 1 GB, 64 MB</span>
                {of("dataSizeThreshold").map((p, i) => (
                  <span key={i} role="alert" className="block text-xs text-red-600">{p.message}</span>
                ))}
              </label>
            </div>
            <label className="mt-2 block text-sm">
              <span className="font-medium">FlowFile expiration</span>
              <input aria-label="FlowFile expiration" value={expiration} onChange={(e) => setExpiration(e.target.value)} className={inputCls(of("expiration").length > 0)} />
              <span className="block text-[11px] text-slate-500">Older FlowFiles are dropped (EXPIRE event); 0 sec = never. e.g. 5 min</span>
              {of("expiration").map((p, i) => (
                <span key={i} role="alert" className="block text-xs text-red-600">{p.message}</span>
              ))}
            </label>
            <label className="mt-3 block text-sm">
              <span className="font-medium">Load balance</span>
              <select aria-label="Load balance" value={strategy} onChange={(e) => setStrategy(e.target.value as LoadBalance["strategy"])} className={inputCls(false)}>
                {STRATEGIES.map((x) => (
                  <option key={x.value} value={x.value}>
                    {x.label}
                  </option>
                ))}
              </select>
              <span className="block text-[11px] text-slate-500">
                In a cluster: how the queue&apos;s FlowFiles are shared among the nodes.{" "}
                {strategy === "none" && clusterMode ? <b className="text-amber-700">Not highly available: queued FlowFiles wait for their node if it dies.</b> : null}
              </span>
            </label>
            {strategy === "partition-by-attribute" ? (
              <label className="mt-2 block text-sm">
                <span className="font-medium">Partition attribute</span>
                <input aria-label="Partition attribute" value={partitionAttribute} onChange={(e) => setPartitionAttribute(e.target.value)} placeholder="e.g. customer.id" className={inputCls(partitionProblem !== null)} />
                <span className="block text-[11px] text-slate-500">FlowFiles with the same value of this attribute go to the same node.</span>
                {partitionProblem ? <span role="alert" className="block text-xs text-red-600">{partitionProblem}</span> : null}
              </label>
            ) : null}
            <fieldset className="mt-3">
              <legend className="text-sm font-medium">Prioritizers (applied in the order chosen)</legend>
              {PRIORITIZERS.map((p) => {
                const idx = prioritizers.indexOf(p.value);
                return (
                  <label key={p.value} className="flex items-center gap-2 py-0.5 text-sm">
                    <input type="checkbox" checked={idx >= 0} onChange={(e) => setPrioritizers(e.target.checked ? [...prioritizers, p.value] : prioritizers.filter((x) => x !== p.value))} />
                    {p.label}
                    {idx >= 0 ? <span className="rounded bg-slate-200 px-1 text-[10px]">{idx + 1}</span> : null}
                  </label>
                );
              })}
            </fieldset>
          </fieldset>
          <div className="mt-4 flex gap-2">
            {readOnly ? null : (
              <button type="submit" disabled={!canApply} className="rounded-md bg-sky-600 px-4 py-1.5 text-sm font-medium text-white hover:bg-sky-700 disabled:cursor-not-allowed disabled:bg-slate-300">
                Apply
              </button>
            )}
            <button type="button" onClick={onCancel} className="rounded-md border border-slate-300 px-4 py-1.5 text-sm hover:bg-slate-100">
              {readOnly ? "Close" : "Cancel"}
            </button>
          </div>
        </form>
      </div>
    </div>
  );
}
