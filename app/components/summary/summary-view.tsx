"use client";
/**
 * The Summary page's table: every processor, connection and group of a flow (rows from
 * GET /api/flows/:id/summary, read again every 2 s), sortable by each column (click its header;
 * again to reverse), filtered by text and by kind. Each name links to the component on the
 * canvas (`/flows/:id?select=<id>`); processors and connections open their status history.
 */
import Link from "next/link";
import { useEffect, useMemo, useState } from "react";
import { api } from "../designer/api-client";
import { formatBytes, formatCount } from "../designer/format";
import { StatusHistoryPanel } from "../designer/status-history";
import { filterRows, sortRows, type FlowSummary, type SortKey, type SummaryKind, type SummaryRow } from "./rows";

const REFRESH_MS = 2000;

const COLUMNS: Array<{ key: SortKey; label: string; numeric?: boolean }> = [
  { key: "name", label: "Name" },
  { key: "type", label: "Type" },
  { key: "group", label: "Group" },
  { key: "state", label: "State" },
  { key: "in", label: "In (5 min)", numeric: true },
  { key: "out", label: "Out (5 min)", numeric: true },
  { key: "queued", label: "Queued", numeric: true },
  { key: "tasks", label: "Tasks (5 min)", numeric: true },
  { key: "bulletins", label: "Bulletins", numeric: true },
];

const KINDS: Array<{ kind: SummaryKind; label: string }> = [
  { kind: "processor", label: "Processors" },
  { kind: "connection", label: "Connections" },
  { kind: "group", label: "Groups" },
];

const STATE_COLOUR: Record<string, string> = {
  running: "text-green-700",
  invalid: "text-amber-700",
  disabled: "text-slate-400",
  "back pressure": "text-red-700",
};

function isSortKey(v: string): v is SortKey {
  return COLUMNS.some((c) => c.key === v);
}

function Figure({ count, bytes }: { count: number; bytes?: number }) {
  return (
    <>
      {formatCount(count)}
      {bytes !== undefined ? <span className="text-slate-400"> ({formatBytes(bytes)})</span> : null}
    </>
  );
}

interface Props {
  flowId: string;
  /** A column key from the page's `?sort=`; anything else sorts by name. */
  initialSort: string;
  initialDesc: boolean;
  initialFilter: string;
}

export function SummaryView({ flowId, initialSort, initialDesc, initialFilter }: Props) {
  const [summary, setSummary] = useState<FlowSummary | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [sort, setSort] = useState<SortKey>(isSortKey(initialSort) ? initialSort : "name");
  const [desc, setDesc] = useState(isSortKey(initialSort) ? initialDesc : false);
  const [filter, setFilter] = useState(initialFilter);
  const [kinds, setKinds] = useState<Set<SummaryKind>>(() => new Set(KINDS.map((k) => k.kind)));
  const [history, setHistory] = useState<string | null>(null);

  useEffect(() => {
    let live = true;
    const load = async () => {
      const r = await api<FlowSummary>("GET", `/api/flows/${encodeURIComponent(flowId)}/summary`);
      if (!live) return;
      if (r.ok) {
        setSummary(r.data);
        setError(null);
      } else setError(r.error);
    };
    void load();
    const t = setInterval(load, REFRESH_MS);
    return () => {
      live = false;
      clearInterval(t);
    };
  }, [flowId]);

  const rows: SummaryRow[] = useMemo(() => (summary ? sortRows(filterRows(summary.rows, filter, kinds), sort, desc) : []), [summary, filter, kinds, sort, desc]);

  const sortBy = (key: SortKey, numeric: boolean) => {
    if (key === sort) setDesc(!desc);
    else {
      setSort(key);
      // Numbers read best biggest first; text A to Z.
      setDesc(numeric);
    }
  };

  return (
    <section aria-label="Flow summary" data-testid="flow-summary">
      <div className="mb-3 flex flex-wrap items-center gap-3 text-sm">
        <label className="flex items-center gap-1">
          <span className="text-slate-600">Filter</span>
          <input type="search" value={filter} onChange={(e) => setFilter(e.target.value)} placeholder="name, type, group or state" className="w-64 rounded border border-slate-300 px-2 py-1" aria-label="Filter components" />
        </label>
        {KINDS.map(({ kind, label }) => (
          <label key={kind} className="flex items-center gap-1">
            <input
              type="checkbox"
              checked={kinds.has(kind)}
              onChange={(e) => {
                const next = new Set(kinds);
                if (e.target.checked) next.add(kind);
                else next.delete(kind);
                setKinds(next);
              }}
            />
            {label}
          </label>
        ))}
        <span className="ml-auto text-xs text-slate-500" data-testid="summary-meta">
          {summary ? `${rows.length} of ${summary.rows.length} components${summary.cluster ? " · cluster totals" : ""}${summary.deployed ? "" : " · not deployed"}` : "Loading…"}
        </span>
      </div>
      {error ? (
        <p role="alert" className="mb-2 text-sm text-red-700">
          {error}
        </p>
      ) : null}
      {summary?.unavailable.length ? (
        <p role="status" className="mb-2 rounded bg-amber-50 px-2 py-1 text-xs text-amber-900">
          Not in these totals (did not answer): {summary.unavailable.join(", ")}
        </p>
      ) : null}
      <table className="w-full border-collapse text-sm" aria-label="Components">
        <thead>
          <tr className="border-b border-slate-300 text-left">
            {COLUMNS.map((c) => (
              <th key={c.key} aria-sort={sort === c.key ? (desc ? "descending" : "ascending") : "none"} className={`py-1.5 pr-3 font-medium ${c.numeric ? "text-right" : ""}`}>
                <button type="button" onClick={() => sortBy(c.key, !!c.numeric)} className="hover:underline">
                  {c.label}
                  {sort === c.key ? (desc ? " ▼" : " ▲") : ""}
                </button>
              </th>
            ))}
            <th className="py-1.5 font-medium">
              <span className="sr-only">Actions</span>
            </th>
          </tr>
        </thead>
        <tbody>
          {rows.map((r) => (
            <tr key={`${r.kind}:${r.id}`} data-testid={`summary-row-${r.id}`} data-kind={r.kind} className="border-b border-slate-100 align-top hover:bg-slate-50">
              <td className="py-1 pr-3">
                <Link href={`/flows/${flowId}?select=${encodeURIComponent(r.id)}`} className="text-sky-700 hover:underline" title="Show on the canvas">
                  {r.name}
                </Link>
              </td>
              <td className="py-1 pr-3 text-slate-600">{r.type}</td>
              <td className="py-1 pr-3 text-slate-600">{r.group}</td>
              <td className={`py-1 pr-3 ${STATE_COLOUR[r.state] ?? "text-slate-700"}`}>{r.state}</td>
              <td className="py-1 pr-3 text-right tabular-nums">
                <Figure count={r.in} bytes={r.inBytes} />
              </td>
              <td className="py-1 pr-3 text-right tabular-nums">
                <Figure count={r.out} bytes={r.outBytes} />
              </td>
              <td className="py-1 pr-3 text-right tabular-nums" data-testid="summary-queued">
                <Figure count={r.queued} bytes={r.queuedBytes} />
              </td>
              <td className="py-1 pr-3 text-right tabular-nums">{r.tasks === null ? "—" : formatCount(r.tasks)}</td>
              <td className={`py-1 pr-3 text-right tabular-nums ${r.bulletins ? "font-semibold text-red-700" : ""}`}>{formatCount(r.bulletins)}</td>
              <td className="py-1 text-right">
                {r.kind !== "group" ? (
                  <button type="button" onClick={() => setHistory(r.id)} className="rounded px-1.5 text-xs text-sky-700 ring-1 ring-slate-300 hover:bg-slate-100" aria-label={`Status history of ${r.name}`}>
                    History
                  </button>
                ) : null}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      {summary && rows.length === 0 ? <p className="mt-3 text-sm text-slate-500">No component matches.</p> : null}
      {history ? <StatusHistoryPanel flowId={flowId} componentId={history} onClose={() => setHistory(null)} /> : null}
    </section>
  );
}
