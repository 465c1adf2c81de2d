"use client";
/**
 * The designer's "History" panel: the audit trail of the open flow (who changed, started,
 * stopped, emptied or replayed what, and when), newest first, with a link to the full, searchable
 * trail. Contract: loads on open and on Refresh only; a refused request shows its message.
 */
import { useCallback, useEffect, useState } from "react";
import { AuditTable } from "../audit/audit-view";
import { fetchAudit, type AuditEvent } from "../audit/audit";

const LIMIT = 50;

export function AuditPanel({ flowId, onClose }: { flowId: string; onClose: () => void }) {
  const [events, setEvents] = useState<AuditEvent[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  const load = useCallback(async () => {
    const r = await fetchAudit({ flowId, user: "", action: "", limit: LIMIT });
    if (r.ok) {
      setEvents(r.data.events);
      setError(null);
    } else setError(r.error);
  }, [flowId]);
  useEffect(() => {
    void load();
  }, [load]);
  return (
    <div className="flex h-full flex-col" data-testid="audit-panel">
      <div className="flex items-center gap-2 border-b border-slate-200 px-4 py-3">
        <div className="font-semibold">History</div>
        <button type="button" onClick={() => void load()} className="rounded border border-slate-300 px-2 py-0.5 text-xs hover:bg-slate-100">
          Refresh
        </button>
        <a href={`/audit?flowId=${encodeURIComponent(flowId)}`} className="text-xs text-sky-700 hover:underline">
          Search the audit trail
        </a>
        <button type="button" onClick={onClose} className="ml-auto rounded px-2 text-slate-500 hover:bg-slate-100" aria-label="Close history">
          ×
        </button>
      </div>
      <div className="min-h-0 flex-1 overflow-y-auto px-4 py-2">
        {error ? (
          <p role="alert" className="text-sm text-red-700">
            {error}
          </p>
        ) : null}
        {events ? <AuditTable events={events} showFlow={false} /> : !error ? <p className="text-sm text-slate-500">Loading…</p> : null}
        {events && events.length === LIMIT ? <p className="mt-2 text-xs text-slate-500">The {LIMIT} newest events; the audit trail has the rest.</p> : null}
      </div>
    </div>
  );
}
