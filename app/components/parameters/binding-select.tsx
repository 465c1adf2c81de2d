"use client";
/**
 * The designer's parameter context binding for the level on screen: at the root, the flow's
 * (`parameterContext`); inside a process group, that group's (its own, or "inherit" to use its
 * parent's, up to the flow's). A change is an ordinary edit of the document (saved, undoable);
 * a running flow then picks up the new values as a live edit.
 */
import Link from "next/link";
import { boundContextId } from "../../../engine/api/parameters";
import type { FlowDocument } from "../../lib/engine-client";
import type { ContextView } from "../../lib/parameters";

/** `doc` with the binding of `groupId` (undefined = the flow) set to `contextId` (undefined = none / inherit). */
export function bindContext(doc: FlowDocument, groupId: string | undefined, contextId: string | undefined): FlowDocument {
  if (groupId === undefined) {
    const { parameterContext: _old, ...rest } = doc;
    return contextId === undefined ? rest : { ...rest, parameterContext: contextId };
  }
  return {
    ...doc,
    groups: doc.groups.map((g) => {
      if (g.id !== groupId) return g;
      const { parameterContext: _old, ...rest } = g;
      return contextId === undefined ? rest : { ...rest, parameterContext: contextId };
    }),
  };
}

export function ParameterBinding({
  doc,
  groupId,
  contexts,
  readOnly,
  onChange,
}: {
  doc: FlowDocument;
  /** The process group on screen; undefined at the root. */
  groupId: string | undefined;
  /** Every context; null while they are read. */
  contexts: ContextView[] | null;
  readOnly: boolean;
  onChange: (next: FlowDocument) => void;
}) {
  const group = groupId === undefined ? undefined : doc.groups.find((g) => g.id === groupId);
  const own = groupId === undefined ? doc.parameterContext : group?.parameterContext;
  const parent = group ? boundContextId(doc, group.parent) : undefined;
  const nameOf = (id: string | undefined) => (id === undefined ? undefined : (contexts?.find((c) => c.id === id)?.name ?? id));
  const label = group ? `Parameter context of group ${group.name}` : "Parameter context of the flow";
  return (
    // At most 14.5rem wide: the designer keeps the canvas's top right 15rem free of banners for
    // it (a wider select, from a long context name, covered a banner's Dismiss button).
    <div className="absolute top-2 right-2 z-20 flex max-w-[14.5rem] items-center gap-1.5 rounded-md border border-slate-200 bg-white/95 px-2 py-1 text-xs shadow-sm" data-testid="parameter-binding">
      <label htmlFor="parameter-binding" className="min-w-0 truncate text-slate-600">
        <Link href="/parameter-contexts" className="hover:underline" title="Parameter contexts">
          Parameters
        </Link>
        {group ? ` (${group.name})` : ""}
      </label>
      <select
        id="parameter-binding"
        aria-label={label}
        disabled={readOnly || contexts === null}
        value={own ?? ""}
        onChange={(e) => onChange(bindContext(doc, groupId, e.target.value || undefined))}
        className="min-w-0 max-w-32 rounded border border-slate-300 bg-white px-1 py-0.5"
      >
        <option value="">{group ? `Inherit${parent ? ` (${nameOf(parent)})` : " (none)"}` : "None"}</option>
        {(contexts ?? []).map((c) => (
          <option key={c.id} value={c.id}>
            {c.name}
          </option>
        ))}
        {own !== undefined && contexts && !contexts.some((c) => c.id === own) ? <option value={own}>{`missing context ${own}`}</option> : null}
      </select>
    </div>
  );
}
