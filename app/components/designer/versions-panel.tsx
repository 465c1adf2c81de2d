"use client";
/**
 * Versions: commit the saved flow with a message, list committed versions, compare two versions
 * (or a version with the working flow), and revert the working flow to a version.
 * Without `canWrite` (no `flows:write`) the panel lists and compares only: no commit, no revert.
 * A comparison shown is computed again whenever the flow's revision changes (a revert, a commit,
 * an edit), so it never shows a comparison of a working flow that is gone.
 */
import { useCallback, useEffect, useState } from "react";
import type { FlowDiff } from "../../lib/flow-diff";
import type { SaveResult, VersionSummary } from "../../lib/flow-service";
import { api } from "./api-client";

type Ref = number | "current";

function DiffView({ diff }: { diff: FlowDiff }) {
  if (diff.same) return <p className="text-sm text-slate-600">No differences (positions are not compared).</p>;
  const section = (title: string, d: FlowDiff["processors"]) => (
    <div className="mb-2">
      <h4 className="text-xs font-semibold uppercase tracking-wide text-slate-500">{title}</h4>
      <ul className="text-sm">
        {d.added.map((x) => (
          <li key={`a-${x.id}`} className="text-emerald-700">
            + added {x.name}
          </li>
        ))}
        {d.removed.map((x) => (
          <li key={`r-${x.id}`} className="text-red-700">
            − removed {x.name}
          </li>
        ))}
        {d.changed.map((x) => (
          <li key={`c-${x.id}`} className="text-amber-800">
            ~ changed {x.name}
            <ul className="ml-4 text-xs text-slate-700">
              {x.changes.map((c, i) => (
                <li key={i}>
                  <code>{c.field}</code>: <span className="line-through">{c.before}</span> → {c.after}
                </li>
              ))}
            </ul>
          </li>
        ))}
        {d.added.length + d.removed.length + d.changed.length === 0 ? <li className="text-slate-500">no change</li> : null}
      </ul>
    </div>
  );
  return (
    <div data-testid="diff-view">
      {section("Processors", diff.processors)}
      {section("Connections", diff.connections)}
      {section("Controller services", diff.services)}
      {section("Process groups", diff.groups)}
    </div>
  );
}

export function VersionsPanel({
  flowId,
  revision,
  flushSave,
  canWrite,
  onReverted,
  onClose,
}: {
  flowId: string;
  revision: number;
  /** Commit and revert are offered. */
  canWrite: boolean;
  /** Saves pending edits; false when they could not be saved. */
  flushSave: () => Promise<boolean>;
  onReverted: (r: SaveResult) => void;
  onClose: () => void;
}) {
  const [versions, setVersions] = useState<VersionSummary[] | null>(null);
  const [message, setMessage] = useState("");
  const [error, setError] = useState<string | null>(null);
  const [info, setInfo] = useState<string | null>(null);
  const [from, setFrom] = useState<Ref | null>(null);
  const [to, setTo] = useState<Ref>("current");
  const [diff, setDiff] = useState<FlowDiff | null>(null);

  const load = useCallback(async () => {
    const r = await api<{ versions: VersionSummary[] }>("GET", `/api/flows/${flowId}/versions`);
    if (r.ok) {
      setVersions(r.data.versions);
      setFrom((f) => f ?? r.data.versions[0]?.version ?? null);
    } else setError(r.error);
  }, [flowId]);
  useEffect(() => {
    void load();
  }, [load]);

  const commit = async () => {
    setError(null);
    if (!(await flushSave())) {
      setError("Your latest edits are not saved; fix that first.");
      return;
    }
    const r = await api<VersionSummary>("POST", `/api/flows/${flowId}/versions`, { message });
    if (!r.ok) {
      setError(r.error);
      return;
    }
    setMessage("");
    setInfo(`Committed version ${r.data.version}.`);
    await load();
  };
  /** The pair the diff shown compares (null: none shown). */
  const [compared, setCompared] = useState<{ from: Ref; to: Ref } | null>(null);
  const compare = () => {
    if (from !== null) setCompared({ from, to });
  };
  useEffect(() => {
    if (!compared) return;
    let live = true;
    setError(null);
    void api<FlowDiff>("GET", `/api/flows/${flowId}/versions/diff?from=${compared.from}&to=${compared.to}`).then((r) => {
      if (!live) return;
      if (r.ok) setDiff(r.data);
      else setError(r.error);
    });
    return () => {
      live = false;
    };
  }, [compared, flowId, revision]);
  const revert = async (v: number) => {
    if (!window.confirm(`Replace the working flow with version ${v}? (Commit first if you want to keep the current design.)`)) return;
    if (!(await flushSave())) {
      setError("Your latest edits are not saved; fix that first.");
      return;
    }
    const r = await api<SaveResult>("POST", `/api/flows/${flowId}/versions/${v}/revert`, { revision });
    if (!r.ok) {
      setError(r.error);
      return;
    }
    setInfo(`Reverted to version ${v}.`);
    onReverted(r.data);
  };

  const refOptions = (
    <>
      <option value="current">Working flow</option>
      {(versions ?? []).map((v) => (
        <option key={v.version} value={v.version}>
          Version {v.version}
        </option>
      ))}
    </>
  );

  return (
    <div className="flex h-full flex-col" data-testid="versions-panel">
      <div className="flex items-center border-b border-slate-200 px-4 py-3">
        <div className="font-semibold">Versions</div>
        <button type="button" onClick={onClose} className="ml-auto rounded px-2 text-slate-500 hover:bg-slate-100" aria-label="Close versions">
          ×
        </button>
      </div>
      <div className="min-h-0 flex-1 overflow-y-auto px-4 py-3">
        {canWrite ? (
          <form
            onSubmit={(e) => {
              e.preventDefault();
              void commit();
            }}
            className="flex gap-2"
          >
            <input value={message} onChange={(e) => setMessage(e.target.value)} placeholder="What changed?" aria-label="Commit message" className="min-w-0 flex-1 rounded-md border border-slate-300 px-2 py-1 text-sm" />
            <button type="submit" disabled={!message.trim()} className="rounded-md bg-sky-600 px-3 py-1 text-sm text-white disabled:bg-slate-300">
              Commit
            </button>
          </form>
        ) : null}
        {error ? <p role="alert" className="mt-2 text-sm text-red-700">{error}</p> : null}
        {info ? <p role="status" className="mt-2 text-sm text-emerald-700">{info}</p> : null}
        <ul className="mt-3 divide-y divide-slate-100" aria-label="Version history">
          {(versions ?? []).map((v) => (
            <li key={v.version} className="flex items-start gap-2 py-2 text-sm" data-testid="version-row">
              <span className="rounded bg-slate-100 px-1.5 font-mono text-xs">v{v.version}</span>
              <span className="min-w-0 flex-1">
                <span className="block font-medium">{v.message}</span>
                <span className="text-xs text-slate-500">
                  {new Date(v.createdAt).toLocaleString()} · {v.processors} processors · {v.connections} connections
                </span>
              </span>
              {canWrite ? (
                <button type="button" onClick={() => void revert(v.version)} className="rounded border border-slate-300 px-2 py-0.5 text-xs hover:bg-slate-100">
                  Revert
                </button>
              ) : null}
            </li>
          ))}
          {versions && versions.length === 0 ? <li className="py-2 text-sm text-slate-500">No versions yet.</li> : null}
        </ul>
        <div className="mt-4 rounded-md border border-slate-200 p-2">
          <div className="mb-2 text-sm font-medium">Compare</div>
          <div className="flex items-center gap-1 text-sm">
            <select aria-label="Compare from" value={from ?? ""} onChange={(e) => setFrom(e.target.value === "current" ? "current" : Number(e.target.value))} className="rounded border border-slate-300 px-1 py-0.5">
              {refOptions}
            </select>
            →
            <select aria-label="Compare to" value={to} onChange={(e) => setTo(e.target.value === "current" ? "current" : Number(e.target.value))} className="rounded border border-slate-300 px-1 py-0.5">
              {refOptions}
            </select>
            <button type="button" onClick={() => void compare()} disabled={from === null} className="ml-auto rounded bg-slate-800 px-2 py-0.5 text-xs text-white disabled:bg-slate-300">
              Diff
            </button>
          </div>
          {diff ? (
            <div className="mt-2">
              <DiffView diff={diff} />
            </div>
          ) : null}
        </div>
      </div>
    </div>
  );
}
