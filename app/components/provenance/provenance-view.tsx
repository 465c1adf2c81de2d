"use client";
/**
 * The provenance page's client side: the search form, the results table, the event detail panel
 * and the lineage graph. Everything comes from /api/flows/[id]/provenance/**; a failed request
 * shows its message (and field problems) instead of breaking the page.
 */
import { useCallback, useEffect, useRef, useState, type FormEvent } from "react";
import type { ProvenanceEventSummary, ProvenanceEventType } from "../../lib/provenance-service";
import { api, type ApiFailure } from "../designer/api-client";
import { formatBytes } from "../designer/format";
import { formatEventTime, typeBadge } from "./format";
import { EventDetail } from "./event-detail";
import { LineageGraph } from "./lineage-graph";

/** A processor the component filter offers. */
export interface ProcessorChoice {
  id: string;
  name: string;
  type: string;
}

interface Props {
  flowId: string;
  processors: ProcessorChoice[];
  eventTypes: ProvenanceEventType[];
  /** From `?uuid=`: prefills the FlowFile filter and searches at once. */
  initialUuid: string;
  /** From `?component=` (a processor of the flow): prefills the component filter and searches at once. */
  initialComponent?: string;
  /** Content and replay are offered (`data:view`). */
  canViewData: boolean;
}

interface SearchForm {
  uuid: string;
  component: string;
  type: string;
  from: string;
  to: string;
  attrName: string;
  attrValue: string;
  limit: string;
}

const EMPTY_FORM: SearchForm = { uuid: "", component: "", type: "", from: "", to: "", attrName: "", attrValue: "", limit: "100" };

/** The query string the search API takes; times from the browser's local time zone as epoch millis. */
function queryString(f: SearchForm): string {
  const sp = new URLSearchParams();
  if (f.uuid.trim()) sp.set("uuid", f.uuid.trim());
  if (f.component) sp.set("component", f.component);
  if (f.type) sp.set("type", f.type);
  // An unparseable date is sent as typed, so the server names the field that is wrong.
  const time = (v: string) => (Number.isFinite(new Date(v).getTime()) ? String(new Date(v).getTime()) : v);
  if (f.from) sp.set("from", time(f.from));
  if (f.to) sp.set("to", time(f.to));
  if (f.attrName.trim()) sp.set(`attr.${f.attrName.trim()}`, f.attrValue);
  if (f.limit.trim()) sp.set("limit", f.limit.trim());
  return sp.toString();
}

export function ProvenanceView({ flowId, processors, eventTypes, initialUuid, initialComponent = "", canViewData }: Props) {
  const base = `/api/flows/${flowId}/provenance`;
  const [form, setForm] = useState<SearchForm>({ ...EMPTY_FORM, uuid: initialUuid, component: initialComponent });
  const [events, setEvents] = useState<ProvenanceEventSummary[] | null>(null);
  const [limit, setLimit] = useState(100);
  const [searching, setSearching] = useState(false);
  const [error, setError] = useState<ApiFailure | null>(null);
  const [selected, setSelected] = useState<number | null>(null);
  const [lineageUuid, setLineageUuid] = useState<string | null>(null);
  const [lineageVersion, setLineageVersion] = useState(0);
  const lastQuery = useRef<SearchForm>(form);

  const search = useCallback(
    async (f: SearchForm) => {
      lastQuery.current = f;
      setSearching(true);
      const r = await api<{ events: ProvenanceEventSummary[]; limit: number }>("GET", `${base}?${queryString(f)}`);
      setSearching(false);
      if (r.ok) {
        setError(null);
        setEvents(r.data.events);
        setLimit(r.data.limit);
      } else {
        setError(r);
        setEvents(null);
      }
      // Keep the address a deep link to what is shown (the FlowFile and the component).
      const url = new URL(window.location.href);
      if (f.uuid.trim()) url.searchParams.set("uuid", f.uuid.trim());
      else url.searchParams.delete("uuid");
      if (f.component) url.searchParams.set("component", f.component);
      else url.searchParams.delete("component");
      window.history.replaceState(null, "", url);
    },
    [base],
  );

  useEffect(() => {
    void search(lastQuery.current);
  }, [search]);

  const submit = (e: FormEvent) => {
    e.preventDefault();
    void search(form);
  };
  const searchUuid = (uuid: string) => {
    const f = { ...EMPTY_FORM, uuid, limit: form.limit };
    setForm(f);
    void search(f);
  };
  const set = (k: keyof SearchForm) => (e: { target: { value: string } }) => setForm((f) => ({ ...f, [k]: e.target.value }));

  const input = "rounded-md border border-slate-300 px-2 py-1 text-sm focus:border-sky-500 focus:outline-none";
  const label = "flex flex-col gap-0.5 text-xs font-medium text-slate-600";

  return (
    <div className="flex min-h-0 flex-1" data-testid="provenance">
      <div className="flex min-w-0 flex-1 flex-col">
        <form onSubmit={submit} aria-label="Search provenance" className="flex flex-wrap items-end gap-2 border-b border-slate-200 bg-white px-4 py-2">
          <label className={label}>
            FlowFile uuid
            <input value={form.uuid} onChange={set("uuid")} placeholder="any" aria-label="FlowFile uuid" className={`${input} w-72 font-mono`} />
          </label>
          <label className={label}>
            Component
            <select value={form.component} onChange={set("component")} aria-label="Component" className={`${input} w-48`}>
              <option value="">Any component</option>
              {processors.map((p) => (
                <option key={p.id} value={p.id}>
                  {p.name === p.type ? p.name : `${p.name} (${p.type})`}
                </option>
              ))}
            </select>
          </label>
          <label className={label}>
            Event type
            <select value={form.type} onChange={set("type")} aria-label="Event type" className={`${input} w-48`}>
              <option value="">Any type</option>
              {eventTypes.map((t) => (
                <option key={t} value={t}>
                  {t}
                </option>
              ))}
            </select>
          </label>
          <label className={label}>
            From
            <input type="datetime-local" step="1" value={form.from} onChange={set("from")} aria-label="From" className={input} />
          </label>
          <label className={label}>
            To
            <input type="datetime-local" step="1" value={form.to} onChange={set("to")} aria-label="To" className={input} />
          </label>
          <label className={label}>
            Attribute
            <span className="flex items-center gap-1">
              <input value={form.attrName} onChange={set("attrName")} placeholder="name" aria-label="Attribute name" className={`${input} w-28`} />
              <span className="text-slate-400">=</span>
              <input value={form.attrValue} onChange={set("attrValue")} placeholder="value" aria-label="Attribute value" className={`${input} w-28`} />
            </span>
          </label>
          <label className={label}>
            Limit
            <input value={form.limit} onChange={set("limit")} inputMode="numeric" aria-label="Limit" className={`${input} w-16`} />
          </label>
          <button type="submit" className="rounded-md bg-slate-800 px-3 py-1.5 text-sm text-white hover:bg-slate-700" disabled={searching}>
            {searching ? "Searching…" : "Search"}
          </button>
          <button
            type="button"
            className="rounded-md border border-slate-300 px-3 py-1.5 text-sm hover:bg-slate-100"
            onClick={() => {
              setForm(EMPTY_FORM);
              void search(EMPTY_FORM);
            }}
          >
            Clear
          </button>
        </form>

        {error ? (
          <div role="alert" data-testid="provenance-error" className={`px-4 py-2 text-sm ${error.status === 409 ? "bg-amber-50 text-amber-900" : "bg-red-50 text-red-800"}`}>
            {error.error}
            {error.problems?.length ? (
              <ul className="mt-1 list-disc pl-5 text-xs">
                {error.problems.map((p, i) => (
                  <li key={i}>
                    <code>{p.path}</code>: {p.message}
                  </li>
                ))}
              </ul>
            ) : null}
          </div>
        ) : null}

        <div className={`min-h-0 overflow-auto ${lineageUuid ? "max-h-[40%] shrink-0" : "flex-1"}`}>
          {events ? (
            <>
              <p className="px-4 pt-2 text-xs text-slate-500" data-testid="results-summary">
                {events.length === 0 ? "No events match." : `${events.length} event${events.length === 1 ? "" : "s"}, newest first${events.length >= limit ? ` (limit ${limit} reached: narrow the search to see older ones)` : ""}.`}
              </p>
              <table className="w-full text-xs" data-testid="provenance-results">
                <thead className="sticky top-0 bg-slate-50">
                  <tr className="border-b border-slate-300 text-left text-slate-500">
                    <th className="px-4 py-1">Time</th>
                    <th>Type</th>
                    <th>Component</th>
                    <th>FlowFile</th>
                    <th>Size</th>
                    <th>Relationship</th>
                    <th className="pr-4">Details</th>
                  </tr>
                </thead>
                <tbody>
                  {events.map((ev) => (
                    <tr
                      key={ev.eventId}
                      data-testid="provenance-row"
                      data-event-id={ev.eventId}
                      data-type={ev.type}
                      data-flowfile={ev.flowFileUuid}
                      onClick={() => setSelected(ev.eventId)}
                      className={`cursor-pointer border-b border-slate-100 hover:bg-sky-50 ${selected === ev.eventId ? "bg-sky-100" : ""}`}
                    >
                      <td className="px-4 py-1 font-mono whitespace-nowrap">{formatEventTime(ev.timestamp)}</td>
                      <td>
                        <span className={`rounded px-1.5 py-0.5 text-[10px] font-semibold ${typeBadge(ev.type)}`}>{ev.type}</span>
                      </td>
                      <td title={`${ev.componentType} (${ev.componentId})`}>{ev.componentName}</td>
                      <td className="font-mono" title={ev.flowFileUuid}>
                        {ev.flowFileUuid.slice(0, 8)}…
                      </td>
                      <td className="whitespace-nowrap">{formatBytes(ev.fileSize)}</td>
                      <td>{ev.relationship ?? ""}</td>
                      <td className="max-w-80 truncate pr-4 text-slate-600" title={ev.details ?? ""}>
                        {ev.details ?? ""}
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </>
          ) : !error ? (
            <p className="px-4 py-3 text-sm text-slate-500">{searching ? "Searching…" : ""}</p>
          ) : null}
        </div>

        {lineageUuid ? (
          <section aria-label="Lineage" className="flex min-h-0 flex-1 flex-col border-t border-slate-300 bg-white">
            <div className="flex items-center gap-2 border-b border-slate-200 px-4 py-1.5">
              <h2 className="text-sm font-semibold">Lineage</h2>
              <code className="text-xs text-slate-600">{lineageUuid}</code>
              <button type="button" onClick={() => setLineageUuid(null)} aria-label="Close lineage" className="ml-auto rounded px-1.5 text-lg leading-none text-slate-500 hover:bg-slate-100">
                ×
              </button>
            </div>
            <LineageGraph key={`${lineageUuid}-${lineageVersion}`} flowId={flowId} uuid={lineageUuid} selectedEventId={selected} onSelect={setSelected} onSearchUuid={searchUuid} />
          </section>
        ) : null}
      </div>

      {selected !== null ? (
        <aside className="w-[500px] shrink-0 overflow-y-auto border-l border-slate-200 bg-white" aria-label="Event details">
          <EventDetail
            key={selected}
            flowId={flowId}
            eventId={selected}
            canViewData={canViewData}
            onClose={() => setSelected(null)}
            onShowLineage={(uuid) => {
              setLineageUuid(uuid);
              setLineageVersion((v) => v + 1);
            }}
            onSearchUuid={searchUuid}
            onReplayed={() => {
              void search(lastQuery.current);
              setLineageVersion((v) => v + 1);
            }}
          />
        </aside>
      ) : null}
    </div>
  );
}
