"use client";
/**
 * The Parameter Contexts page's live part: the contexts on the left; the selected one on the
 * right, with its parameters and what binds it. With `canWrite` (flows:write) it creates, edits
 * and deletes contexts; a save applies the new values to every running flow that binds the
 * context (the answer says which), and a delete of a bound context shows the server's refusal,
 * which names the flows and groups.
 *
 * Sensitive values are write-only: the page never receives them. A sensitive parameter's field
 * is empty with "value set" as placeholder; typing replaces the value, leaving it empty keeps it.
 */
import Link from "next/link";
import { useCallback, useState } from "react";
import type { ContextChange, ContextView, ParameterInput } from "../../lib/parameters";
import { api } from "../designer/api-client";

interface Row {
  key: number;
  name: string;
  /** What the field shows: a plain value, or what was typed for a sensitive one. */
  value: string;
  sensitive: boolean;
  description: string;
  /** Stored as sensitive: cannot be made plain. */
  storedSensitive: boolean;
  /** A stored value exists (for a sensitive one, not shown). */
  hasValue: boolean;
  /** The value field was changed (a sensitive value is sent only then). */
  typed: boolean;
}

interface Draft {
  /** null: a new context. */
  id: string | null;
  name: string;
  description: string;
  rows: Row[];
}

let nextKey = 1;

function draftOf(c: ContextView | null): Draft {
  if (!c) return { id: null, name: "", description: "", rows: [] };
  return {
    id: c.id,
    name: c.name,
    description: c.description ?? "",
    rows: c.parameters.map((p) => ({ key: nextKey++, name: p.name, value: p.value ?? "", sensitive: p.sensitive, description: p.description ?? "", storedSensitive: p.sensitive, hasValue: p.hasValue, typed: false })),
  };
}

/** The request body for `d`: every parameter; a sensitive value only when typed. */
function bodyOf(d: Draft): { name: string; description: string | null; parameters: ParameterInput[] } {
  return {
    name: d.name.trim(),
    description: d.description.trim() ? d.description : null,
    parameters: d.rows.map((r) => ({
      name: r.name.trim(),
      sensitive: r.sensitive,
      description: r.description.trim() ? r.description : null,
      ...(r.sensitive ? (r.typed ? { value: r.value } : {}) : { value: r.value }),
    })),
  };
}

const btn = "rounded-md border border-slate-300 px-3 py-1 text-sm hover:bg-slate-100 disabled:opacity-50";
const primary = "rounded-md bg-sky-600 px-3 py-1 text-sm font-medium text-white hover:bg-sky-700 disabled:bg-slate-300";
const field = "w-full rounded-md border border-slate-300 px-2 py-1 text-sm focus:border-sky-500 focus:outline-none";

function Bindings({ c }: { c: ContextView }) {
  if (!c.boundBy.length) return <p className="text-sm text-slate-500">Not bound to any flow or group.</p>;
  return (
    <ul className="list-disc pl-5 text-sm" data-testid="context-bindings">
      {c.boundBy.map((b, i) => (
        <li key={i}>
          <Link href={`/flows/${b.flowId}`} className="text-sky-700 hover:underline">
            {b.flowName}
          </Link>
          {b.group ? <span className="text-slate-600"> · group {b.group.name}</span> : <span className="text-slate-600"> (the flow)</span>}
        </li>
      ))}
    </ul>
  );
}

export function ParameterContextsView({ initial, canWrite }: { initial: ContextView[]; canWrite: boolean }) {
  const [contexts, setContexts] = useState(initial);
  const [selected, setSelected] = useState<string | null>(initial[0]?.id ?? null);
  const [draft, setDraft] = useState<Draft | null>(initial[0] ? draftOf(initial[0]) : null);
  const [message, setMessage] = useState<{ kind: "ok" | "error"; text: string } | null>(null);
  const [busy, setBusy] = useState(false);

  const reload = useCallback(async (select?: string | null) => {
    const r = await api<{ contexts: ContextView[] }>("GET", "/api/parameter-contexts");
    if (!r.ok) return;
    setContexts(r.data.contexts);
    const id = select === undefined ? selected : select;
    const c = r.data.contexts.find((x) => x.id === id) ?? null;
    setSelected(c?.id ?? null);
    setDraft(c ? draftOf(c) : null);
  }, [selected]);

  const open = (c: ContextView | null) => {
    setSelected(c?.id ?? null);
    setDraft(draftOf(c));
    setMessage(null);
  };
  const current = contexts.find((c) => c.id === selected) ?? null;
  const setRow = (key: number, patch: Partial<Row>) => setDraft((d) => (d ? { ...d, rows: d.rows.map((r) => (r.key === key ? { ...r, ...patch } : r)) } : d));

  const save = async () => {
    if (!draft) return;
    setBusy(true);
    const body = bodyOf(draft);
    const r = draft.id ? await api<ContextChange>("PUT", `/api/parameter-contexts/${draft.id}`, body) : await api<ContextView>("POST", "/api/parameter-contexts", body);
    setBusy(false);
    if (!r.ok) {
      setMessage({ kind: "error", text: r.error });
      return;
    }
    if (draft.id) {
      const change = r.data as ContextChange;
      const failed = change.failures.map((f) => f.message).join("; ");
      setMessage({
        kind: failed ? "error" : "ok",
        text: `Saved. ${change.redeployed.length ? `Applied to ${change.redeployed.length} running flow${change.redeployed.length === 1 ? "" : "s"} (only the components that use a changed parameter were reconfigured).` : "No running flow uses it."}${failed ? ` Not applied: ${failed}` : ""}`,
      });
      await reload(draft.id);
    } else {
      const created = r.data as ContextView;
      setMessage({ kind: "ok", text: `Created parameter context ${created.name}.` });
      await reload(created.id);
    }
  };

  const remove = async () => {
    if (!current || !window.confirm(`Delete parameter context ${current.name}?`)) return;
    setBusy(true);
    const r = await api<{ deleted: string }>("DELETE", `/api/parameter-contexts/${current.id}`);
    setBusy(false);
    if (!r.ok) {
      setMessage({ kind: "error", text: r.error });
      return;
    }
    setMessage({ kind: "ok", text: `Deleted parameter context ${current.name}.` });
    const rest = contexts.filter((c) => c.id !== current.id);
    await reload(rest[0]?.id ?? null);
  };

  return (
    <div className="mt-6 flex gap-6" data-testid="parameter-contexts">
      <aside className="w-64 shrink-0">
        <ul className="rounded-lg border border-slate-200 bg-white" aria-label="Parameter contexts">
          {contexts.map((c) => (
            <li key={c.id}>
              <button
                type="button"
                onClick={() => open(c)}
                aria-current={c.id === selected}
                className={`block w-full border-b border-slate-100 px-3 py-2 text-left text-sm last:border-b-0 ${c.id === selected ? "bg-sky-50 font-semibold" : "hover:bg-slate-50"}`}
              >
                {c.name}
                <span className="block text-xs font-normal text-slate-500">
                  {c.parameters.length} parameter{c.parameters.length === 1 ? "" : "s"} · {c.boundBy.length ? `bound ${c.boundBy.length}×` : "not bound"}
                </span>
              </button>
            </li>
          ))}
          {contexts.length === 0 ? <li className="px-3 py-2 text-sm text-slate-500">No parameter contexts yet.</li> : null}
        </ul>
        {canWrite ? (
          <button type="button" className={`${btn} mt-3 w-full`} onClick={() => open(null)}>
            + New parameter context
          </button>
        ) : null}
      </aside>

      <section className="min-w-0 flex-1" aria-label="Parameter context">
        {message ? (
          <p role={message.kind === "error" ? "alert" : "status"} data-testid="context-message" className={`mb-3 rounded-md px-3 py-2 text-sm ${message.kind === "error" ? "bg-red-50 text-red-800" : "bg-emerald-50 text-emerald-900"}`}>
            {message.text}
          </p>
        ) : null}
        {draft ? (
          <form
            onSubmit={(e) => {
              e.preventDefault();
              void save();
            }}
            className="rounded-lg border border-slate-200 bg-white p-4"
          >
            <fieldset disabled={!canWrite || busy} className="min-w-0">
              <div className="grid grid-cols-2 gap-3">
                <label className="text-sm">
                  <span className="font-medium">Name</span>
                  <input aria-label="Context name" value={draft.name} onChange={(e) => setDraft({ ...draft, name: e.target.value })} className={`${field} mt-0.5`} />
                </label>
                <label className="text-sm">
                  <span className="font-medium">Description</span>
                  <input aria-label="Context description" value={draft.description} onChange={(e) => setDraft({ ...draft, description: e.target.value })} className={`${field} mt-0.5`} />
                </label>
              </div>
              <h2 className="mt-5 mb-2 text-xs font-semibold uppercase tracking-wide text-slate-500">Parameters</h2>
              <p className="mb-2 text-xs text-slate-500">
                Properties reference a parameter as <code>#{"{name}"}</code> (<code>##{"{"}</code> for a literal <code>#{"{"}</code>). A sensitive parameter is encrypted at rest, never shown again, and can only be used in sensitive properties.
              </p>
              <table className="w-full text-sm" aria-label="Parameters">
                <thead>
                  <tr className="text-left text-xs text-slate-500">
                    <th className="py-1 pr-2 font-medium">Name</th>
                    <th className="py-1 pr-2 font-medium">Value</th>
                    <th className="py-1 pr-2 font-medium">Sensitive</th>
                    <th className="py-1 pr-2 font-medium">Description</th>
                    <th />
                  </tr>
                </thead>
                <tbody>
                  {draft.rows.map((r, i) => (
                    <tr key={r.key} className="align-top" data-testid={`parameter-row-${r.name || i}`}>
                      <td className="py-1 pr-2">
                        <input aria-label={`Parameter ${i + 1} name`} value={r.name} onChange={(e) => setRow(r.key, { name: e.target.value })} className={`${field} font-mono text-xs`} spellCheck={false} />
                      </td>
                      <td className="py-1 pr-2">
                        {r.sensitive ? (
                          <input
                            aria-label={`Parameter ${i + 1} value`}
                            type="password"
                            autoComplete="new-password"
                            value={r.typed ? r.value : ""}
                            placeholder={r.hasValue ? "Sensitive value set (type to replace)" : "No value: enter one"}
                            onChange={(e) => setRow(r.key, { value: e.target.value, typed: true })}
                            className={`${field} ${!r.hasValue && !r.typed ? "border-amber-400 bg-amber-50" : ""}`}
                          />
                        ) : (
                          <input aria-label={`Parameter ${i + 1} value`} value={r.value} onChange={(e) => setRow(r.key, { value: e.target.value, typed: true })} className={`${field} font-mono text-xs`} spellCheck={false} />
                        )}
                        {r.sensitive && !r.hasValue && !r.typed ? <span className="text-[11px] text-amber-700">needs a value</span> : null}
                      </td>
                      <td className="py-1 pr-2 text-center">
                        <input
                          type="checkbox"
                          aria-label={`Parameter ${i + 1} sensitive`}
                          checked={r.sensitive}
                          disabled={r.storedSensitive}
                          title={r.storedSensitive ? "A sensitive parameter cannot be made plain: remove it and add it again" : "Encrypt at rest and never show the value"}
                          onChange={(e) => setRow(r.key, { sensitive: e.target.checked, value: e.target.checked ? "" : r.value, typed: e.target.checked ? false : r.typed })}
                          className="mt-2"
                        />
                      </td>
                      <td className="py-1 pr-2">
                        <input aria-label={`Parameter ${i + 1} description`} value={r.description} onChange={(e) => setRow(r.key, { description: e.target.value })} className={field} />
                      </td>
                      <td className="py-1">
                        <button type="button" aria-label={`Remove parameter ${r.name || i + 1}`} onClick={() => setDraft({ ...draft, rows: draft.rows.filter((x) => x.key !== r.key) })} className="rounded border border-slate-300 px-2 py-1 text-slate-600 hover:bg-red-50 hover:text-red-700">
                          ×
                        </button>
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
              {draft.rows.length === 0 ? <p className="py-2 text-sm text-slate-500">No parameters.</p> : null}
              {canWrite ? (
                <button
                  type="button"
                  className="mt-2 rounded border border-dashed border-slate-400 px-2 py-0.5 text-xs text-slate-700 hover:bg-slate-50"
                  onClick={() => setDraft({ ...draft, rows: [...draft.rows, { key: nextKey++, name: "", value: "", sensitive: false, description: "", storedSensitive: false, hasValue: false, typed: true }] })}
                >
                  + Add parameter
                </button>
              ) : null}
            </fieldset>
            {canWrite ? (
              <div className="mt-4 flex items-center gap-2 border-t border-slate-100 pt-3">
                <button type="submit" className={primary} disabled={busy || !draft.name.trim()}>
                  {draft.id ? "Save" : "Create"}
                </button>
                {draft.id ? (
                  <button type="button" className={btn} disabled={busy} onClick={() => current && setDraft(draftOf(current))}>
                    Discard changes
                  </button>
                ) : null}
                {draft.id ? (
                  <button type="button" className={`${btn} ml-auto text-red-700`} disabled={busy} onClick={() => void remove()}>
                    Delete
                  </button>
                ) : null}
              </div>
            ) : null}
            {current && draft.id ? (
              <div className="mt-4 border-t border-slate-100 pt-3">
                <h2 className="mb-1 text-xs font-semibold uppercase tracking-wide text-slate-500">Bound to</h2>
                <Bindings c={current} />
              </div>
            ) : null}
          </form>
        ) : (
          <p className="text-sm text-slate-500">{canWrite ? "Create a parameter context to get started." : "There are no parameter contexts."}</p>
        )}
      </section>
    </div>
  );
}
