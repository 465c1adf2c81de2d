"use client";
/**
 * The /audit page's client side: a search by flow, user and action, and the events, newest
 * first. Contract: the first search runs at once with the filters from the address; each search
 * puts its filters back into the address (a deep link to what is shown); a refused search shows
 * the server's message instead of a table.
 */
import Link from "next/link";
import { useCallback, useEffect, useRef, useState } from "react";
import { AUDIT_ACTIONS, auditQueryString, describeDetails, fetchAudit, formatAuditTime, type AuditEvent, type AuditQuery } from "./audit";

/** A flow the filter offers. */
export interface FlowChoice {
  id: string;
  name: string;
}

/** The events of one search as a table; `showFlow` adds the flow column. */
export function AuditTable({ events, showFlow }: { events: AuditEvent[]; showFlow: boolean }) {
  return (
    <table className="w-full text-sm" data-testid="audit-table">
      <thead>
        <tr className="border-b border-slate-200 text-left text-xs text-slate-500">
          <th className="py-1.5 pr-2">When</th>
          <th className="pr-2">User</th>
          <th className="pr-2">Action</th>
          {showFlow ? <th className="pr-2">Flow</th> : null}
          <th>Details</th>
        </tr>
      </thead>
      <tbody>
        {events.map((e) => (
          <tr key={e.id} data-testid="audit-row" data-action={e.action} data-user={e.user ?? ""} className="border-b border-slate-100 align-top">
            <td className="py-1 pr-2 text-xs whitespace-nowrap text-slate-600">
              <time dateTime={e.at}>{formatAuditTime(e.at)}</time>
            </td>
            <td className="pr-2 font-medium">{e.user ?? <span className="text-slate-400">(system)</span>}</td>
            <td className="pr-2">
              <code className="rounded bg-slate-100 px-1 text-xs">{e.action}</code>
            </td>
            {showFlow ? (
              <td className="pr-2">
                {e.flowId ? (
                  <Link href={`/flows/${encodeURIComponent(e.flowId)}`} className="text-sky-700 hover:underline">
                    {e.flowName ?? e.flowId}
                  </Link>
                ) : null}
              </td>
            ) : null}
            <td className="text-xs break-words text-slate-700">
              {e.componentId ? <code className="mr-1 text-slate-500">{e.componentId}</code> : null}
              {describeDetails(e.details)}
            </td>
          </tr>
        ))}
        {events.length === 0 ? (
          <tr>
            <td colSpan={showFlow ? 5 : 4} className="py-3 text-slate-500">
              No events match.
            </td>
          </tr>
        ) : null}
      </tbody>
    </table>
  );
}

export function AuditView({ flows, initial }: { flows: FlowChoice[]; initial: AuditQuery }) {
  const [form, setForm] = useState<AuditQuery>(initial);
  const [events, setEvents] = useState<AuditEvent[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const first = useRef(initial);

  const search = useCallback(async (q: AuditQuery) => {
    setBusy(true);
    const r = await fetchAudit(q);
    setBusy(false);
    if (r.ok) {
      setEvents(r.data.events);
      setError(null);
    } else {
      setEvents(null);
      setError(r.error);
    }
    window.history.replaceState(null, "", `/audit?${auditQueryString(q)}`);
  }, []);
  useEffect(() => {
    void search(first.current);
  }, [search]);

  const input = "rounded-md border border-slate-300 px-2 py-1 text-sm focus:border-sky-500 focus:outline-none";
  const label = "flex flex-col gap-0.5 text-xs font-medium text-slate-600";
  return (
    <div>
      <form
        aria-label="Search the audit trail"
        className="mb-4 flex flex-wrap items-end gap-3 rounded-lg border border-slate-200 bg-white p-3 shadow-sm"
        onSubmit={(e) => {
          e.preventDefault();
          void search(form);
        }}
      >
        <label className={label}>
          Flow
          <select aria-label="Flow" value={form.flowId} onChange={(e) => setForm({ ...form, flowId: e.target.value })} className={`${input} w-56`}>
            <option value="">Any flow</option>
            {form.flowId && !flows.some((f) => f.id === form.flowId) ? <option value={form.flowId}>{form.flowId} (deleted)</option> : null}
            {flows.map((f) => (
              <option key={f.id} value={f.id}>
                {f.name}
              </option>
            ))}
          </select>
        </label>
        <label className={label}>
          User
          <input aria-label="User" placeholder="any" value={form.user} onChange={(e) => setForm({ ...form, user: e.target.value })} className={`${input} w-40`} />
        </label>
        <label className={label}>
          Action
          <select aria-label="Action" value={form.action} onChange={(e) => setForm({ ...form, action: e.target.value })} className={`${input} w-44`}>
            <option value="">Any action</option>
            {AUDIT_ACTIONS.map((a) => (
              <option key={a} value={a}>
                {a}
              </option>
            ))}
          </select>
        </label>
        <label className={label}>
          Show
          <select aria-label="Limit" value={form.limit} onChange={(e) => setForm({ ...form, limit: Number(e.target.value) })} className={input}>
            {[50, 100, 500].map((n) => (
              <option key={n} value={n}>
                {n} newest
              </option>
            ))}
          </select>
        </label>
        <button type="submit" disabled={busy} className="rounded-md bg-slate-800 px-3 py-1.5 text-sm text-white hover:bg-slate-700 disabled:opacity-50">
          {busy ? "Searching…" : "Search"}
        </button>
      </form>
      {error ? (
        <p role="alert" className="rounded-md border border-red-200 bg-red-50 px-4 py-2 text-sm text-red-800">
          {error}
        </p>
      ) : null}
      {events ? (
        <div className="rounded-lg border border-slate-200 bg-white px-4 py-2 shadow-sm">
          <AuditTable events={events} showFlow />
        </div>
      ) : !error ? (
        <p className="text-sm text-slate-500">Loading…</p>
      ) : null}
    </div>
  );
}
