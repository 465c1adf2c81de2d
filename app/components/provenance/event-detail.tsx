"use client";
/**
 * One provenance event: its fields, the attributes before → after (changed ones highlighted),
 * the content before (Input) and after (Output) as text, JSON or hex with a download, Replay
 * (confirmed inline; shows the new FlowFile) and "Show lineage". Without `canViewData`
 * (no `data:view`) neither content nor Replay is offered, only a line saying why.
 */
import { useEffect, useState } from "react";
import type { ProvenanceEventDetail, ReplayResult } from "../../lib/provenance-service";
import { api } from "../designer/api-client";
import { formatBytes } from "../designer/format";
import { decodeBase64, formatEventTime, guessMode, renderContent, typeBadge, type ContentMode } from "./format";

interface Props {
  flowId: string;
  eventId: number;
  /** Content and replay are offered. */
  canViewData: boolean;
  onClose: () => void;
  onShowLineage: (uuid: string) => void;
  onSearchUuid: (uuid: string) => void;
  /** Called after a successful replay (the caller refreshes its results). */
  onReplayed: (r: ReplayResult) => void;
}

type Side = "input" | "output";
interface Preview {
  size: number;
  content: string;
  truncated: boolean;
  mimeType: string | null;
}

function Uuid({ uuid, onSearch }: { uuid: string; onSearch: (uuid: string) => void }) {
  return (
    <button type="button" onClick={() => onSearch(uuid)} title="Search this FlowFile's events" className="font-mono text-[11px] break-all text-sky-700 hover:underline">
      {uuid}
    </button>
  );
}

function ContentPanel({ base, detail }: { base: string; detail: ProvenanceEventDetail }) {
  const [side, setSide] = useState<Side>(detail.output ? "output" : "input");
  const [mode, setMode] = useState<ContentMode | null>(null);
  const [preview, setPreview] = useState<{ side: Side; data: Preview } | { side: Side; error: string } | null>(null);
  const available = { input: detail.input, output: detail.output };
  const url = `${base}/content?side=${side}`;
  const has = available[side] !== null;

  useEffect(() => {
    if (!has) return;
    let live = true;
    void api<Preview>("GET", url).then((r) => {
      if (!live) return;
      if (r.ok) {
        setPreview({ side, data: r.data });
        setMode((m) => m ?? guessMode(decodeBase64(r.data.content)));
      } else setPreview({ side, error: r.error });
    });
    return () => {
      live = false;
    };
  }, [url, side, has]);

  const current = preview?.side === side ? preview : null;
  const bytes = current && "data" in current ? decodeBase64(current.data.content) : null;
  const shownMode = mode ?? "text";
  return (
    <section aria-label="Content" className="mt-4">
      <h3 className="mb-1 text-xs font-semibold tracking-wide text-slate-500 uppercase">Content</h3>
      <div className="mb-1 flex items-center gap-1" role="tablist" aria-label="Content side">
        {(["input", "output"] as const).map((s) => (
          <button
            key={s}
            type="button"
            role="tab"
            aria-selected={side === s}
            disabled={!available[s]}
            onClick={() => setSide(s)}
            title={available[s] ? undefined : s === "input" ? "The FlowFile had no content before this event" : "The FlowFile had no content after this event"}
            className={`rounded px-2 py-0.5 text-xs disabled:cursor-not-allowed disabled:opacity-40 ${side === s ? "bg-slate-800 text-white" : "bg-white text-slate-700 ring-1 ring-slate-300"}`}
          >
            {s === "input" ? "Input" : "Output"}
            {available[s] ? ` (${formatBytes(available[s].size)})` : ""}
          </button>
        ))}
        <span className="mx-1 h-4 w-px bg-slate-300" />
        <div role="tablist" aria-label="Content view" className="flex gap-1">
          {(["text", "json", "hex"] as const).map((m) => (
            <button key={m} type="button" role="tab" aria-selected={shownMode === m} onClick={() => setMode(m)} className={`rounded px-2 py-0.5 text-xs ${shownMode === m ? "bg-sky-700 text-white" : "bg-white text-slate-700 ring-1 ring-slate-300"}`}>
              {m === "json" ? "JSON" : m === "hex" ? "Hex" : "Text"}
            </button>
          ))}
        </div>
        {available[side] ? (
          <a href={`${url}&download=1`} download className="ml-auto rounded bg-white px-2 py-0.5 text-xs text-sky-700 ring-1 ring-slate-300 hover:bg-sky-50">
            Download
          </a>
        ) : null}
      </div>
      {!available[side] ? (
        <p className="text-sm text-slate-500">No {side} content for this event.</p>
      ) : current && "error" in current ? (
        <p role="alert" data-testid="content-error" className="rounded bg-amber-50 p-2 text-sm text-amber-900">
          {current.error}
        </p>
      ) : bytes && current && "data" in current ? (
        <>
          {current.data.truncated ? <p className="text-xs text-slate-500">Showing the first {formatBytes(bytes.length)} of {formatBytes(current.data.size)}; download for all of it.</p> : null}
          <pre data-testid="provenance-content" data-side={side} className="max-h-72 overflow-auto rounded bg-slate-50 p-2 text-xs whitespace-pre-wrap ring-1 ring-slate-200">
            {renderContent(bytes, shownMode) || <span className="text-slate-400">(empty content)</span>}
          </pre>
        </>
      ) : (
        <p className="text-sm text-slate-500">Loading…</p>
      )}
    </section>
  );
}

function ReplayBox({ base, detail, onReplayed, onSearchUuid }: { base: string; detail: ProvenanceEventDetail; onReplayed: Props["onReplayed"]; onSearchUuid: Props["onSearchUuid"] }) {
  const [confirming, setConfirming] = useState(false);
  const [busy, setBusy] = useState(false);
  const [result, setResult] = useState<ReplayResult | null>(null);
  const [error, setError] = useState<string | null>(null);
  const replay = async () => {
    setBusy(true);
    const r = await api<ReplayResult>("POST", `${base}/replay`);
    setBusy(false);
    setConfirming(false);
    if (r.ok) {
      setResult(r.data);
      setError(null);
      onReplayed(r.data);
    } else setError(r.error);
  };
  const can = detail.replay;
  return (
    <div className="mt-3">
      {!confirming ? (
        <button
          type="button"
          onClick={() => setConfirming(true)}
          disabled={!can.possible}
          title={can.possible ? "Put the FlowFile, as it was before this event, back into its queue" : can.reason}
          className="rounded-md border border-violet-400 px-3 py-1 text-sm text-violet-800 hover:bg-violet-50 disabled:cursor-not-allowed disabled:opacity-40"
        >
          Replay…
        </button>
      ) : (
        <div role="dialog" aria-label="Confirm replay" className="rounded-md border border-violet-300 bg-violet-50 p-2 text-sm">
          <p>
            Replay event #{detail.eventId}? A new FlowFile with the content and attributes from before this event goes into <b>{detail.sourceQueue?.name}</b>, and the flow processes it again.
          </p>
          <div className="mt-2 flex gap-2">
            <button type="button" onClick={() => void replay()} disabled={busy} className="rounded-md bg-violet-700 px-3 py-1 text-white hover:bg-violet-800 disabled:opacity-50">
              {busy ? "Replaying…" : "Replay now"}
            </button>
            <button type="button" onClick={() => setConfirming(false)} className="rounded-md border border-slate-300 bg-white px-3 py-1 hover:bg-slate-100">
              Cancel
            </button>
          </div>
        </div>
      )}
      {!can.possible ? <p className="mt-1 text-xs text-slate-500">{can.reason}</p> : null}
      {result ? (
        <p role="status" data-testid="replay-result" className="mt-2 text-sm text-emerald-800">
          Replayed as FlowFile <Uuid uuid={result.uuid} onSearch={onSearchUuid} /> into {result.connection.name}.
        </p>
      ) : null}
      {error ? (
        <p role="alert" className="mt-2 text-sm text-red-700">
          {error}
        </p>
      ) : null}
    </div>
  );
}

export function EventDetail({ flowId, eventId, canViewData, onClose, onShowLineage, onSearchUuid, onReplayed }: Props) {
  const base = `/api/flows/${flowId}/provenance/events/${eventId}`;
  const [detail, setDetail] = useState<ProvenanceEventDetail | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [onlyChanged, setOnlyChanged] = useState(false);

  useEffect(() => {
    let live = true;
    void api<ProvenanceEventDetail>("GET", base).then((r) => {
      if (!live) return;
      if (r.ok) setDetail(r.data);
      else setError(r.error);
    });
    return () => {
      live = false;
    };
  }, [base]);

  const changed = detail?.attributeChanges.filter((a) => a.changed).length ?? 0;
  const rows = detail ? (onlyChanged ? detail.attributeChanges.filter((a) => a.changed) : detail.attributeChanges) : [];
  const value = (v: string | null) => (v === null ? <span className="text-slate-400 italic">not set</span> : v);

  return (
    <div className="px-4 py-3" data-testid="event-detail" data-event-id={eventId}>
      <div className="flex items-center gap-2">
        <h2 className="text-base font-semibold">Event #{eventId}</h2>
        {detail ? <span className={`rounded px-1.5 py-0.5 text-[10px] font-semibold ${typeBadge(detail.type)}`}>{detail.type}</span> : null}
        <button type="button" onClick={onClose} aria-label="Close event" className="ml-auto rounded px-1.5 text-lg leading-none text-slate-500 hover:bg-slate-100">
          ×
        </button>
      </div>
      {error ? (
        <p role="alert" className="mt-2 text-sm text-red-700">
          {error}
        </p>
      ) : null}
      {!detail && !error ? <p className="mt-2 text-sm text-slate-500">Loading…</p> : null}
      {detail ? (
        <>
          <dl className="mt-2 grid grid-cols-[7.5rem_1fr] gap-x-2 gap-y-0.5 text-xs">
            <dt className="text-slate-500">Time</dt>
            <dd className="font-mono">{formatEventTime(detail.timestamp)}</dd>
            <dt className="text-slate-500">Component</dt>
            <dd>
              {detail.componentName} <span className="text-slate-500">({detail.componentType})</span>
            </dd>
            <dt className="text-slate-500">FlowFile</dt>
            <dd>
              <Uuid uuid={detail.flowFileUuid} onSearch={onSearchUuid} />
            </dd>
            <dt className="text-slate-500">Size</dt>
            <dd>{formatBytes(detail.fileSize)}</dd>
            {detail.relationship ? (
              <>
                <dt className="text-slate-500">Relationship</dt>
                <dd>{detail.relationship}</dd>
              </>
            ) : null}
            {detail.details ? (
              <>
                <dt className="text-slate-500">Details</dt>
                <dd className="break-words">{detail.details}</dd>
              </>
            ) : null}
            {detail.transitUri ? (
              <>
                <dt className="text-slate-500">Transit URI</dt>
                <dd className="font-mono break-all">{detail.transitUri}</dd>
              </>
            ) : null}
            {detail.sourceQueue ? (
              <>
                <dt className="text-slate-500">From queue</dt>
                <dd>{detail.sourceQueue.name}</dd>
              </>
            ) : null}
            {detail.parentUuids.length ? (
              <>
                <dt className="text-slate-500">Parents</dt>
                <dd className="flex flex-col">
                  {detail.parentUuids.map((u) => (
                    <Uuid key={u} uuid={u} onSearch={onSearchUuid} />
                  ))}
                </dd>
              </>
            ) : null}
            {detail.childUuids.length ? (
              <>
                <dt className="text-slate-500">Children</dt>
                <dd className="flex flex-col">
                  {detail.childUuids.map((u) => (
                    <Uuid key={u} uuid={u} onSearch={onSearchUuid} />
                  ))}
                </dd>
              </>
            ) : null}
            <dt className="text-slate-500">Lineage start</dt>
            <dd className="font-mono">{formatEventTime(detail.lineageStartDate)}</dd>
          </dl>

          <div className="mt-3 flex gap-2">
            <button type="button" onClick={() => onShowLineage(detail.flowFileUuid)} className="rounded-md bg-slate-800 px-3 py-1 text-sm text-white hover:bg-slate-700">
              Show lineage
            </button>
          </div>
          {canViewData ? (
            <ReplayBox base={base} detail={detail} onReplayed={onReplayed} onSearchUuid={onSearchUuid} />
          ) : (
            <p className="mt-3 text-xs text-slate-500" data-testid="no-data-view">
              Content and replay need the <code>data:view</code> permission (operator role and above).
            </p>
          )}

          <section aria-label="Attributes" className="mt-4">
            <div className="mb-1 flex items-center gap-2">
              <h3 className="text-xs font-semibold tracking-wide text-slate-500 uppercase">Attributes</h3>
              <span className="text-xs text-slate-500">
                {changed} changed of {detail.attributeChanges.length}
              </span>
              <label className="ml-auto flex items-center gap-1 text-xs">
                <input type="checkbox" checked={onlyChanged} onChange={(e) => setOnlyChanged(e.target.checked)} />
                Only changed
              </label>
            </div>
            <table className="w-full table-fixed text-xs" data-testid="attribute-table">
              <thead>
                <tr className="border-b border-slate-300 text-left text-slate-500">
                  <th className="w-1/3 py-0.5">Name</th>
                  <th className="w-1/3">Previous</th>
                  <th className="w-1/3">Current</th>
                </tr>
              </thead>
              <tbody>
                {rows.map((a) => (
                  <tr key={a.name} data-testid="attribute-row" data-name={a.name} data-changed={a.changed} className={`border-b border-slate-100 align-top ${a.changed ? "bg-amber-50" : ""}`}>
                    <td className={`py-0.5 pr-2 break-all ${a.changed ? "font-semibold text-amber-900" : "text-slate-700"}`}>{a.name}</td>
                    <td className={`pr-2 font-mono break-all ${a.changed && a.previous !== null ? "text-slate-500 line-through decoration-slate-400" : ""}`} data-testid="attribute-previous">
                      {value(a.previous)}
                    </td>
                    <td className="font-mono break-all" data-testid="attribute-current">
                      {a.changed ? <span aria-hidden className="mr-1 text-amber-600">→</span> : null}
                      {value(a.current)}
                    </td>
                  </tr>
                ))}
                {rows.length === 0 ? (
                  <tr>
                    <td colSpan={3} className="py-1 text-slate-500">
                      No attributes.
                    </td>
                  </tr>
                ) : null}
              </tbody>
            </table>
          </section>

          {canViewData ? <ContentPanel base={base} detail={detail} /> : null}
        </>
      ) : null}
    </div>
  );
}
