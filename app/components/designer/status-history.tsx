"use client";
/**
 * Status history of one processor or connection (NiFi's "View status history"): its last hour
 * at 1-minute resolution as kept by the node (GET /api/flows/:id/status-history/:componentId),
 * charted with uPlot — FlowFiles in and out per minute on the left axis, queued on the right —
 * with the last minutes as a table below. Read again every 10 s while open. In cluster mode the
 * figures are the nodes' sums, and nodes that did not answer are named.
 */
import { useEffect, useRef, useState } from "react";
import uPlot from "uplot";
import "uplot/dist/uPlot.min.css";
import type { NodeApi } from "../../lib/engine-client";
import { api } from "./api-client";
import { formatBytes, formatCount } from "./format";

/** The route's answer: the node API's StatusHistory (engine/api/node-api.ts). */
export type HistoryAnswer = Awaited<ReturnType<NodeApi["statusHistory"]>>;
type HistoryPoint = HistoryAnswer["points"][number];

/** How often an open panel reads the history again. */
const REFRESH_MS = 10_000;
/** Minutes listed in the table under the chart. */
const TABLE_MINUTES = 5;
const CHART_WIDTH = 640;
const CHART_HEIGHT = 240;
const HOUR_S = 3600;

const SERIES = [
  { key: "in", label: "In", stroke: "#0284c7" },
  { key: "out", label: "Out", stroke: "#16a34a" },
  { key: "queued", label: "Queued", stroke: "#d97706" },
] as const;

/** A y range from 0 to a little above the largest value, so the top point is not on the frame. */
function upTo(_u: uPlot, _min: number | null, max: number | null): uPlot.Range.MinMax {
  return [0, Math.max(1, Math.ceil((max ?? 0) * 1.15))];
}

function chartData(points: readonly HistoryPoint[]): uPlot.AlignedData {
  return [points.map((p) => p.time / 1000), ...SERIES.map((s) => points.map((p) => p[s.key]))];
}

/** The uPlot chart; rebuilt when the component changes, fed new data in place otherwise. */
function HistoryChart({ points }: { points: readonly HistoryPoint[] }) {
  const host = useRef<HTMLDivElement>(null);
  const plot = useRef<uPlot | null>(null);

  useEffect(() => {
    if (!host.current) return;
    const opts: uPlot.Options = {
      width: CHART_WIDTH,
      height: CHART_HEIGHT,
      // The x axis always spans the last hour up to now, so a few minutes do not fill it.
      scales: { x: { time: true, range: () => [Date.now() / 1000 - HOUR_S, Date.now() / 1000 + 30] }, count: { auto: true, range: upTo }, queued: { auto: true, range: upTo } },
      axes: [
        { stroke: "#475569" },
        { scale: "count", label: "FlowFiles / min", stroke: "#475569", values: (_u, vals) => vals.map((v) => formatCount(v)) },
        { scale: "queued", side: 1, label: "Queued", stroke: "#b45309", grid: { show: false }, values: (_u, vals) => vals.map((v) => formatCount(v)) },
      ],
      series: [{ label: "Minute" }, ...SERIES.map((s) => ({ label: s.label, stroke: s.stroke, width: 2, scale: s.key === "queued" ? "queued" : "count", points: { show: true, size: 6 } }))],
      legend: { live: true },
    };
    const u = new uPlot(opts, chartData([]), host.current);
    plot.current = u;
    return () => {
      u.destroy();
      plot.current = null;
    };
  }, []);

  useEffect(() => {
    const u = plot.current;
    if (!u) return;
    u.setData(chartData(points));
    // The legend shows the newest minute until the pointer picks another.
    if (points.length) u.setLegend({ idx: points.length - 1 });
  }, [points]);

  return <div ref={host} data-testid="status-history-chart" data-points={points.length} />;
}

/** Status history of `componentId` in `flowId` as a dialog; Escape, Close or a click outside closes it. */
export function StatusHistoryPanel({ flowId, componentId, onClose }: { flowId: string; componentId: string; onClose: () => void }) {
  const [data, setData] = useState<HistoryAnswer | null>(null);
  const [error, setError] = useState<string | null>(null);

  useEffect(() => {
    let live = true;
    const url = `/api/flows/${encodeURIComponent(flowId)}/status-history/${encodeURIComponent(componentId)}`;
    const load = async () => {
      const r = await api<HistoryAnswer>("GET", url);
      if (!live) return;
      if (r.ok) {
        setData(r.data);
        setError(null);
      } else setError(r.code === "not-deployed" ? "The flow is not deployed, so there is no history: the node keeps it only for what it runs." : r.error);
    };
    void load();
    const t = setInterval(load, REFRESH_MS);
    return () => {
      live = false;
      clearInterval(t);
    };
  }, [flowId, componentId]);

  const recent = data ? data.points.slice(-TABLE_MINUTES).reverse() : [];
  const title = `Status history${data ? `: ${data.name}` : ""}`;
  return (
    <div className="fixed inset-0 z-50 flex items-center justify-center bg-slate-900/30" onMouseDown={(e) => e.target === e.currentTarget && onClose()}>
      <div role="dialog" aria-modal="true" aria-label="Status history" data-testid="status-history" className="w-[700px] max-w-[95vw] rounded-lg bg-white p-5 text-slate-900 shadow-xl" onKeyDown={(e) => e.key === "Escape" && onClose()}>
        <div className="mb-2 flex items-baseline gap-2">
          <h2 className="text-lg font-semibold">{title}</h2>
          {data ? <span className="text-xs text-slate-500">{data.kind}, last hour per minute</span> : null}
          <button type="button" onClick={onClose} className="ml-auto rounded px-2 py-0.5 text-sm text-slate-600 ring-1 ring-slate-300 hover:bg-slate-100" autoFocus>
            Close
          </button>
        </div>
        {error ? (
          <p role="alert" className="text-sm text-red-700">
            {error}
          </p>
        ) : null}
        {data?.unavailable?.length ? (
          <p role="status" className="mb-2 rounded bg-amber-50 px-2 py-1 text-xs text-amber-900">
            Not in these sums (did not answer): {data.unavailable.map((u) => `${u.node} (${u.message})`).join(", ")}
          </p>
        ) : null}
        {data?.nodes && data.nodes.length > 1 ? <p className="mb-1 text-xs text-slate-500">Summed over nodes {data.nodes.join(", ")}.</p> : null}
        {data && data.points.length === 0 ? <p className="text-sm text-slate-600">No minutes recorded yet.</p> : null}
        <HistoryChart points={data?.points ?? []} />
        {recent.length ? (
          <table className="mt-3 w-full text-xs" aria-label="Last minutes">
            <thead>
              <tr className="border-b border-slate-200 text-left text-slate-500">
                <th className="py-1 font-medium">Minute</th>
                <th className="py-1 text-right font-medium">In</th>
                <th className="py-1 text-right font-medium">Out</th>
                <th className="py-1 text-right font-medium">Queued</th>
                {data?.kind === "processor" ? <th className="py-1 text-right font-medium">Tasks</th> : null}
              </tr>
            </thead>
            <tbody>
              {recent.map((p) => (
                <tr key={p.time} className="border-b border-slate-100">
                  <td className="py-0.5">{new Date(p.time).toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" })}</td>
                  <td className="py-0.5 text-right tabular-nums">
                    {formatCount(p.in)} <span className="text-slate-400">({formatBytes(p.inBytes)})</span>
                  </td>
                  <td className="py-0.5 text-right tabular-nums">
                    {formatCount(p.out)} <span className="text-slate-400">({formatBytes(p.outBytes)})</span>
                  </td>
                  <td className="py-0.5 text-right tabular-nums" data-testid="history-queued">
                    {formatCount(p.queued)} <span className="text-slate-400">({formatBytes(p.queuedBytes)})</span>
                  </td>
                  {data?.kind === "processor" ? <td className="py-0.5 text-right tabular-nums">{formatCount(p.tasks ?? 0)}</td> : null}
                </tr>
              ))}
            </tbody>
          </table>
        ) : null}
      </div>
    </div>
  );
}
