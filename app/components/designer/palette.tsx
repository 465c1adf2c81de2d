"use client";
/**
 * The processor palette: every registered type, searchable by name, summary and tag, filterable
 * by tag. Items are dragged onto the canvas (HTML drag and drop, type in the data transfer);
 * pressing Enter on a focused item adds it at the centre of the view.
 *
 * A restricted type (catalog `restrictions`) carries a lock and says in its tooltip what it
 * reaches and which permissions it needs; the lock is amber when the user lacks one of them.
 * The palette does not refuse anything itself: the designer refuses the drop with a message.
 */
import { useMemo, useState } from "react";
import type { ProcessorTypeInfo } from "../../lib/engine-client";
import { describeRestrictions, missingRestrictions, restrictedPermission, restrictionsOf } from "../auth/permissions";

/** The data transfer type a palette item carries. */
export const PALETTE_MIME = "application/x-sluice-processor-type";

/** The lock of a restricted type and its tooltip text; null for an unrestricted type. */
function restriction(t: ProcessorTypeInfo, permissions: readonly string[]): { text: string; allowed: boolean } | null {
  const kinds = restrictionsOf(t);
  if (!kinds.length) return null;
  const missing = missingRestrictions(permissions, kinds);
  const needs = kinds.map(restrictedPermission).join(", ");
  return {
    allowed: missing.length === 0,
    text: `Restricted: it ${describeRestrictions(kinds)}.${t.restrictionExplanation ? ` ${t.restrictionExplanation}` : ""} Needs ${needs}${missing.length ? " (you do not have it; an admin can grant it)" : " (you have it)"}.`,
  };
}

export function Palette({ types, permissions, onAdd }: { types: ProcessorTypeInfo[]; permissions: readonly string[]; onAdd: (type: string) => void }) {
  const [query, setQuery] = useState("");
  const [tag, setTag] = useState<string | null>(null);
  const tags = useMemo(() => {
    const count = new Map<string, number>();
    for (const t of types) for (const x of t.tags) count.set(x, (count.get(x) ?? 0) + 1);
    return [...count.entries()].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0])).slice(0, 18).map(([t]) => t);
  }, [types]);
  const shown = useMemo(() => {
    const q = query.trim().toLowerCase();
    return types.filter(
      (t) =>
        (!tag || t.tags.includes(tag)) &&
        (!q || t.type.toLowerCase().includes(q) || t.summary.toLowerCase().includes(q) || t.tags.some((x) => x.toLowerCase().includes(q))),
    );
  }, [types, query, tag]);
  return (
    <aside aria-label="Processor palette" className="flex w-60 shrink-0 flex-col border-r border-slate-200 bg-white">
      <div className="border-b border-slate-200 p-2">
        <input
          type="search"
          value={query}
          onChange={(e) => setQuery(e.target.value)}
          placeholder="Search processors…"
          aria-label="Search processors"
          className="w-full rounded-md border border-slate-300 px-2 py-1 text-sm focus:border-sky-500 focus:outline-none"
        />
        <div className="mt-2 flex flex-wrap gap-1" aria-label="Tags">
          {tags.map((t) => (
            <button
              key={t}
              type="button"
              onClick={() => setTag(tag === t ? null : t)}
              aria-pressed={tag === t}
              className={`rounded-full px-2 py-0.5 text-[11px] ${tag === t ? "bg-sky-600 text-white" : "bg-slate-100 text-slate-600 hover:bg-slate-200"}`}
            >
              {t}
            </button>
          ))}
        </div>
      </div>
      <ul className="min-h-0 flex-1 overflow-y-auto p-2" aria-label="Processor types">
        {shown.map((t) => {
          const lock = restriction(t, permissions);
          return (
            <li key={t.type}>
              <div
                role="button"
                tabIndex={0}
                draggable
                data-testid={`palette-${t.type}`}
                data-restricted={lock ? (lock.allowed ? "allowed" : "refused") : undefined}
                onDragStart={(e) => {
                  e.dataTransfer.setData(PALETTE_MIME, t.type);
                  e.dataTransfer.setData("text/plain", t.type);
                  e.dataTransfer.effectAllowed = "copy";
                }}
                onKeyDown={(e) => {
                  if (e.key === "Enter") onAdd(t.type);
                }}
                title={`${t.summary}\n\n${lock ? `${lock.text}\n\n` : ""}Drag onto the canvas (or press Enter) to add.`}
                className="mb-1 cursor-grab rounded-md border border-slate-200 px-2 py-1.5 hover:border-sky-400 hover:bg-sky-50 active:cursor-grabbing"
              >
                <div className="flex items-center gap-1 text-sm font-medium text-slate-800">
                  <span className="min-w-0 flex-1 truncate">{t.type}</span>
                  {lock ? (
                    <svg role="img" aria-label={lock.text} data-testid="restricted-lock" viewBox="0 0 16 16" className={`h-3.5 w-3.5 shrink-0 ${lock.allowed ? "text-slate-500" : "text-amber-600"}`} fill="currentColor">
                      <path d="M8 1a3.5 3.5 0 0 0-3.5 3.5V7H4a1 1 0 0 0-1 1v6a1 1 0 0 0 1 1h8a1 1 0 0 0 1-1V8a1 1 0 0 0-1-1h-.5V4.5A3.5 3.5 0 0 0 8 1Zm-2 6V4.5a2 2 0 1 1 4 0V7H6Z" />
                    </svg>
                  ) : null}
                </div>
                <div className="line-clamp-2 text-[11px] text-slate-500">{t.summary}</div>
              </div>
            </li>
          );
        })}
        {shown.length === 0 ? <li className="p-2 text-sm text-slate-500">No processor matches.</li> : null}
      </ul>
    </aside>
  );
}
