"use client";
/**
 * The dead-letter list of a distributed connection (cluster mode): batches of FlowFiles whose
 * processing kept failing, or that kept killing the node processing them, taken out of the
 * queue so the rest can flow. Each shows where it came from, why it failed, how many tries it
 * had and its first FlowFiles; "Retry" puts it back in the queue (tries counted anew), "Drop"
 * removes it for good (a DROP provenance event per FlowFile). Without `canResolve`
 * (`queues:empty`) the list is shown without the two actions.
 */
import { useCallback, useEffect, useState } from "react";
import type { DeadLetter } from "../../lib/engine-client";
import { api } from "./api-client";

/** One dead-lettered batch, as GET …/dead-letters answers (the node API's type). */
type DeadLetterBatch = DeadLetter;

interface Props {
  flowId: string;
  connectionId: string;
  canResolve: boolean;
}

export function DeadLetters({ flowId, connectionId, canResolve }: Props) {
  const [batches, setBatches] = useState<DeadLetterBatch[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState<string | null>(null);
  const base = `/api/flows/${flowId}/connections/${encodeURIComponent(connectionId)}/dead-letters`;

  const load = useCallback(async () => {
    const r = await api<{ batches: DeadLetterBatch[] }>("GET", base);
    if (r.ok) {
      setBatches(r.data.batches);
      setError(null);
    } else setError(r.error);
  }, [base]);

  useEffect(() => {
    void load();
    // Batches land here while the flow runs: look again every few seconds while shown.
    const t = setInterval(() => void load(), 5000);
    return () => clearInterval(t);
  }, [load]);

  const resolve = async (id: string, action: "retry" | "drop") => {
    if (action === "drop" && !window.confirm("Drop this batch for good? Its FlowFiles are gone (provenance records the drop).")) return;
    setBusy(id);
    const r = await api<{ ok: true }>("POST", `${base}/${encodeURIComponent(id)}`, { action });
    setBusy(null);
    if (!r.ok) setError(r.error);
    await load();
  };

  return (
    <section className="mt-3" data-testid="dead-letters" aria-label="Dead-letter list">
      <h4 className="text-sm font-semibold text-slate-800">
        Dead-letter list {batches ? <span className="font-normal text-slate-500">({batches.length} batch{batches.length === 1 ? "" : "es"})</span> : null}
      </h4>
      {error ? (
        <p role="alert" className="mt-1 text-sm text-red-700">
          {error}
        </p>
      ) : null}
      {batches && batches.length === 0 ? <p className="mt-1 text-sm text-slate-500">No batch has failed here.</p> : null}
      <ul className="mt-1 space-y-2">
        {(batches ?? []).map((b) => (
          <li key={b.id} className="rounded border border-red-200 bg-red-50 p-2 text-xs text-slate-800" data-testid="dead-letter">
            <div className="flex items-center justify-between gap-2">
              <span className="font-mono" title={b.id}>
                {b.count} FlowFile{b.count === 1 ? "" : "s"} from {b.from}
              </span>
              <span className="text-slate-500">
                {b.attempts} tr{b.attempts === 1 ? "y" : "ies"} · {new Date(b.failedAt).toLocaleTimeString()}
              </span>
            </div>
            <p className="mt-1 break-words text-red-800">{b.reason || "failed"}</p>
            {b.sample.length > 0 ? (
              <p className="mt-1 truncate text-slate-600" title={b.sample.map((s) => s.filename ?? s.uuid).join(", ")}>
                {b.sample.map((s) => s.filename ?? s.uuid).join(", ")}
                {b.count > b.sample.length ? ", …" : ""}
              </p>
            ) : null}
            {canResolve ? (
              <div className="mt-2 flex gap-2">
                <button type="button" className="rounded border border-slate-300 bg-white px-2 py-0.5 hover:bg-slate-100" disabled={busy === b.id} onClick={() => void resolve(b.id, "retry")}>
                  Retry
                </button>
                <button type="button" className="rounded border border-red-300 bg-white px-2 py-0.5 text-red-700 hover:bg-red-100" disabled={busy === b.id} onClick={() => void resolve(b.id, "drop")}>
                  Drop
                </button>
              </div>
            ) : null}
          </li>
        ))}
      </ul>
    </section>
  );
}
