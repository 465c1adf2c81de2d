"use client";
/**
 * The designer's toolbar: the flow's name and the level breadcrumbs, run buttons, edit
 * commands, component search, and on the right problems, versions, export, provenance, the save
 * state and the deployment badge.
 *
 * Contract: it holds no state of the flow. It renders what it is given and calls back; the only
 * state it keeps is the text typed into the search box (cleared when a result is chosen).
 * Buttons that would act on nothing are hidden (Copy, Delete, Group, Ungroup, Configure) or
 * disabled (Undo, Redo); the run buttons say what they act on (selection, group or all).
 * Buttons the user's permissions do not allow are not shown at all: Start/Stop without
 * `flows:run`; the edit commands without `flows:write` (a "Read-only" badge says so instead);
 * History without `audit:read`.
 * The toolbar wraps onto a second row when the window is too narrow for it, so no button is
 * ever out of reach (below about 1500 px with a selection it used to scroll off screen).
 */
import Link from "next/link";
import { useMemo, useState } from "react";
import type { FlowDocument } from "../../lib/engine-client";
import type { DesignerPermissions } from "../auth/permissions";
import type { LiveStore } from "./live-store";
import { groupPath } from "./model";
import { DeployBadge } from "./status-bits";
import type { SaveState } from "./use-autosave";

/** The class of the designer's small buttons. */
export const buttonClass = "whitespace-nowrap rounded-md border border-slate-300 bg-white px-2 py-0.5 text-xs text-slate-700 hover:bg-slate-100 disabled:cursor-not-allowed disabled:opacity-40";

const saveLabel: Record<SaveState, string> = {
  saved: "Saved",
  pending: "Unsaved…",
  saving: "Saving…",
  error: "Not saved",
  stale: "Not saved (changed elsewhere)",
};

/** A search hit: a processor or a group, and the level it lives on. */
export interface SearchResult {
  kind: "processor" | "group";
  id: string;
  name: string;
  detail: string;
  group: string | undefined;
}

/** Up to 12 processors (by name, type or exact id) and groups (by name) matching `query`. */
export function searchComponents(doc: FlowDocument, query: string): SearchResult[] {
  const q = query.trim().toLowerCase();
  if (!q) return [];
  const procs = doc.processors
    .filter((p) => (p.name ?? p.type).toLowerCase().includes(q) || p.type.toLowerCase().includes(q) || p.id.toLowerCase() === q)
    .map((p) => ({ kind: "processor" as const, id: p.id, name: p.name ?? p.type, detail: p.type, group: p.group }));
  const groups = doc.groups.filter((g) => g.name.toLowerCase().includes(q)).map((g) => ({ kind: "group" as const, id: g.id, name: g.name, detail: "Process group", group: g.parent }));
  return [...procs, ...groups].slice(0, 12);
}

/** The "Find component" box: Enter takes the first hit, Escape clears. */
function SearchBox({ doc, onGo }: { doc: FlowDocument; onGo: (r: SearchResult) => void }) {
  const [search, setSearch] = useState("");
  const results = useMemo(() => searchComponents(doc, search), [search, doc]);
  const go = (r: SearchResult) => {
    setSearch("");
    onGo(r);
  };
  return (
    <div className="relative">
      <input
        type="search"
        value={search}
        onChange={(e) => setSearch(e.target.value)}
        onKeyDown={(e) => {
          if (e.key === "Enter" && results[0]) go(results[0]);
          if (e.key === "Escape") setSearch("");
        }}
        placeholder="Find component…"
        aria-label="Find component"
        className="w-40 rounded-md border border-slate-300 px-2 py-0.5 text-xs"
      />
      {results.length ? (
        <ul className="absolute top-9 left-0 z-30 w-72 rounded-md border border-slate-200 bg-white py-1 shadow-lg" role="listbox" aria-label="Search results">
          {results.map((r) => (
            <li key={`${r.kind}-${r.id}`}>
              <button type="button" role="option" aria-selected={false} onClick={() => go(r)} className="block w-full px-3 py-1 text-left text-sm hover:bg-sky-50">
                <span className="font-medium">{r.name}</span> <span className="text-xs text-slate-500">{r.detail}</span>
              </button>
            </li>
          ))}
        </ul>
      ) : null}
    </div>
  );
}

/** What the toolbar calls back. */
export interface ToolbarActions {
  showLevel(groupId: string | undefined): void;
  run(action: "start" | "stop"): void;
  undo(): void;
  redo(): void;
  copy(): void;
  paste(): void;
  deleteSelection(): void;
  group(): void;
  ungroup(): void;
  layout(): void;
  configure(): void;
  goTo(r: SearchResult): void;
  toggleProblems(): void;
  toggleVersions(): void;
  toggleHistory(): void;
  exportFlow(): void;
  /** Shows the keyboard help. */
  help(): void;
}

/** What the toolbar shows. */
export interface ToolbarProps {
  flowId: string;
  doc: FlowDocument;
  groupId: string | undefined;
  selection: { processors: string[]; groups: string[]; edges: string[] };
  canUndo: boolean;
  canRedo: boolean;
  problemCount: number;
  showProblems: boolean;
  saveState: SaveState;
  store: LiveStore;
  perms: DesignerPermissions;
  actions: ToolbarActions;
}

export function Toolbar({ flowId, doc, groupId, selection, canUndo, canRedo, problemCount, showProblems, saveState, store, perms, actions }: ToolbarProps) {
  const btn = buttonClass;
  const crumbs = groupPath(doc, groupId);
  const hasSelection = selection.processors.length + selection.groups.length > 0;
  return (
    <div className="flex flex-wrap items-center gap-x-1.5 gap-y-1 border-b border-slate-200 bg-white px-3 py-1.5" data-testid="toolbar">
      <Link href="/" className="text-sm text-sky-700 hover:underline">
        ← Flows
      </Link>
      <h1 className="max-w-56 shrink-0 truncate text-base font-semibold" title={doc.description ?? doc.name}>
        {doc.name}
      </h1>
      <nav aria-label="Process group breadcrumbs" className="flex items-center gap-1 text-sm whitespace-nowrap">
        <button type="button" onClick={() => actions.showLevel(undefined)} className={`rounded px-1.5 ${groupId === undefined ? "font-semibold text-slate-900" : "text-sky-700 hover:underline"}`}>
          Root
        </button>
        {crumbs.map((g) => (
          <span key={g.id} className="flex items-center gap-1">
            <span className="text-slate-400">›</span>
            <button type="button" onClick={() => actions.showLevel(g.id)} className={`rounded px-1.5 ${g.id === groupId ? "font-semibold text-slate-900" : "text-sky-700 hover:underline"}`}>
              {g.name}
            </button>
          </span>
        ))}
      </nav>
      {perms.run ? (
        <>
          <div className="mx-1 h-6 w-px bg-slate-200" />
          <button type="button" className={`${btn} !border-emerald-600 !bg-emerald-600 !text-white hover:!bg-emerald-700`} onClick={() => actions.run("start")} aria-label={hasSelection ? "Start selected" : "Start all"}>
            ▶ {hasSelection ? "Start selected" : groupId ? "Start group" : "Start all"}
          </button>
          <button type="button" className={`${btn} !border-red-600 !text-red-700`} onClick={() => actions.run("stop")} aria-label={hasSelection ? "Stop selected" : "Stop all"}>
            ■ {hasSelection ? "Stop selected" : groupId ? "Stop group" : "Stop all"}
          </button>
        </>
      ) : null}
      {perms.write ? (
        <>
          <div className="mx-1 h-6 w-px bg-slate-200" />
          <button type="button" className={btn} onClick={actions.undo} disabled={!canUndo} title="Undo (Ctrl+Z)" aria-label="Undo">
            ↶
          </button>
          <button type="button" className={btn} onClick={actions.redo} disabled={!canRedo} title="Redo (Ctrl+Shift+Z)" aria-label="Redo">
            ↷
          </button>
          {hasSelection ? (
            <button type="button" className={btn} onClick={actions.copy} title="Copy (Ctrl+C)">
              Copy
            </button>
          ) : null}
          <button type="button" className={btn} onClick={actions.paste} title="Paste (Ctrl+V)">
            Paste
          </button>
          {hasSelection || selection.edges.length ? (
            <button type="button" className={btn} onClick={actions.deleteSelection} title="Delete (Del)">
              Delete
            </button>
          ) : null}
          {hasSelection ? (
            <button type="button" className={btn} onClick={actions.group} title="Group the selection into a process group">
              Group
            </button>
          ) : null}
          {selection.groups.length === 1 ? (
            <button type="button" className={btn} onClick={actions.ungroup} title="Move the group's content up one level">
              Ungroup
            </button>
          ) : null}
          <button type="button" className={btn} onClick={actions.layout} title="Arrange this level automatically">
            Auto-layout
          </button>
        </>
      ) : (
        <span className="rounded bg-slate-100 px-2 py-0.5 text-xs text-slate-600" data-testid="read-only" title="Your role can look at this flow but not change it">
          Read-only
        </span>
      )}
      {selection.processors.length === 1 ? (
        <button type="button" className={btn} onClick={actions.configure}>
          {perms.write ? "Configure" : "Settings"}
        </button>
      ) : null}
      <SearchBox doc={doc} onGo={actions.goTo} />
      <div className="ml-auto flex flex-wrap items-center gap-1.5 pl-2">
        <button type="button" className={`${btn} ${problemCount ? "!border-amber-400 !text-amber-800" : ""}`} onClick={actions.toggleProblems} aria-expanded={showProblems}>
          Problems ({problemCount})
        </button>
        <button type="button" className={btn} onClick={actions.toggleVersions}>
          Versions
        </button>
        {perms.audit ? (
          <button type="button" className={btn} onClick={actions.toggleHistory} title="Who changed, started or stopped this flow, and when">
            History
          </button>
        ) : null}
        <button type="button" className={btn} onClick={actions.exportFlow}>
          Export
        </button>
        <a href={`/flows/${flowId}/provenance`} className={btn}>
          Provenance
        </a>
        <button type="button" className={btn} onClick={actions.help} title="Keyboard shortcuts (?)" aria-label="Keyboard shortcuts">
          ?
        </button>
        <span
          data-testid="save-state"
          data-state={saveState}
          className={`text-xs ${saveState === "saved" ? "text-slate-500" : saveState === "stale" || saveState === "error" ? "text-red-700" : "text-amber-700"}`}
          aria-live="polite"
        >
          {saveLabel[saveState]}
        </span>
        <DeployBadge store={store} />
      </div>
    </div>
  );
}
