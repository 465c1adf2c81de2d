"use client";
/** The designer's dialogs: the connection dialog, the modal frame, the group rename bar. */
import { useState, type ReactNode } from "react";
import type { FlowDocument, ProcessorConfig } from "../../lib/engine-client";
import { IN_PORT, OUT_PORT, subtreeGroups } from "./model";
import { SHORTCUTS } from "./shortcuts";

/** The two dragged ends of a new connection (a group or port end stands for a processor to pick). */
export interface ConnectDraft {
  source: string;
  target: string;
}

/** A centred modal dialog; Escape or a click outside closes it. */
export function Modal({ title, onClose, children }: { title: string; onClose: () => void; children: ReactNode }) {
  return (
    <div className="fixed inset-0 z-50 flex items-center justify-center bg-slate-900/30" onMouseDown={(e) => e.target === e.currentTarget && onClose()}>
      <div role="dialog" aria-modal="true" aria-label={title} className="w-[420px] rounded-lg bg-white p-5 shadow-xl" onKeyDown={(e) => e.key === "Escape" && onClose()}>
        <h2 className="mb-3 text-lg font-semibold">{title}</h2>
        {children}
      </div>
    </div>
  );
}

/** The keyboard help (`?`): every shortcut of the canvas, from SHORTCUTS. */
export function KeyboardHelp({ onClose }: { onClose: () => void }) {
  return (
    <Modal title="Keyboard shortcuts" onClose={onClose}>
      <table className="w-full text-sm" data-testid="keyboard-help">
        <tbody>
          {SHORTCUTS.map((s) => (
            <tr key={s.keys} className="border-b border-slate-100 align-top">
              <td className="py-1 pr-3 whitespace-nowrap">
                <kbd className="rounded border border-slate-300 bg-slate-50 px-1.5 py-0.5 font-mono text-xs">{s.keys}</kbd>
              </td>
              <td className="py-1 text-slate-700">{s.does}</td>
            </tr>
          ))}
        </tbody>
      </table>
      <div className="mt-4 flex justify-end">
        <button type="button" autoFocus onClick={onClose} className="rounded-md border border-slate-300 px-3 py-1 text-sm hover:bg-slate-100">
          Close
        </button>
      </div>
    </Modal>
  );
}

/** Small floating editor for the selected group's name. */
export function GroupRename({ name, onRename }: { name: string; onRename: (name: string) => void }) {
  const [value, setValue] = useState(name);
  return (
    <form
      className="fixed bottom-4 left-1/2 z-40 flex -translate-x-1/2 items-center gap-2 rounded-lg border border-slate-200 bg-white px-3 py-2 text-sm shadow-lg"
      onSubmit={(e) => {
        e.preventDefault();
        if (value.trim() && value.trim() !== name) onRename(value.trim());
      }}
    >
      <label htmlFor="group-name">Group name</label>
      <input id="group-name" value={value} onChange={(e) => setValue(e.target.value)} className="rounded border border-slate-300 px-2 py-0.5" />
      <button type="submit" className="rounded bg-slate-800 px-2 py-0.5 text-white">
        Rename
      </button>
    </form>
  );
}

/**
 * Choose what a new connection carries. An end that is a group (or a port of the current
 * group) stands for a processor inside (or outside) it: the dialog asks which one.
 */
export function ConnectDialog({
  draft,
  doc,
  groupId,
  relationshipsOf,
  nameOf,
  acceptsInput,
  onCancel,
  onConnect,
}: {
  draft: ConnectDraft;
  doc: FlowDocument;
  groupId: string | undefined;
  relationshipsOf: (id: string) => string[];
  nameOf: (id: string) => string;
  acceptsInput: (type: string) => boolean;
  onCancel: () => void;
  onConnect: (source: string, destination: string, relationships: string[]) => void;
}) {
  const candidates = (end: string): ProcessorConfig[] | null => {
    if (end.startsWith("group:")) {
      const sub = subtreeGroups(doc, end.slice("group:".length));
      return doc.processors.filter((p) => p.group !== undefined && sub.has(p.group));
    }
    if (end === IN_PORT || end === OUT_PORT) {
      const sub = subtreeGroups(doc, groupId);
      return doc.processors.filter((p) => !(p.group !== undefined && sub.has(p.group)));
    }
    return null;
  };
  const srcChoices = candidates(draft.source);
  const dstChoices = candidates(draft.target)?.filter((p) => acceptsInput(p.type)) ?? null;
  const [source, setSource] = useState(srcChoices ? (srcChoices[0]?.id ?? "") : draft.source);
  const [destination, setDestination] = useState(dstChoices ? (dstChoices[0]?.id ?? "") : draft.target);
  const rels = source ? relationshipsOf(source) : [];
  const taken = new Set(doc.connections.filter((c) => c.source === source).flatMap((c) => c.relationships));
  const [chosen, setChosen] = useState<string[]>(() => {
    const free = rels.filter((r) => !taken.has(r));
    return free.length === 1 || rels.length === 1 ? [free[0] ?? rels[0]!] : [];
  });
  const ok = source && destination && chosen.length > 0;
  return (
    <Modal title="Create connection" onClose={onCancel}>
      <form
        data-testid="connect-dialog"
        onSubmit={(e) => {
          e.preventDefault();
          if (ok) onConnect(source, destination, chosen.filter((r) => rels.includes(r)));
        }}
      >
        <div className="mb-3 text-sm">
          {srcChoices ? (
            <label className="block">
              <span className="font-medium">From processor</span>
              <select aria-label="From processor" value={source} onChange={(e) => setSource(e.target.value)} className="mt-1 w-full rounded-md border border-slate-300 px-2 py-1">
                {srcChoices.map((p) => (
                  <option key={p.id} value={p.id}>
                    {p.name ?? p.type}
                  </option>
                ))}
              </select>
            </label>
          ) : (
            <div>
              From <b>{nameOf(source)}</b>
            </div>
          )}
          {dstChoices ? (
            <label className="mt-2 block">
              <span className="font-medium">To processor</span>
              <select aria-label="To processor" value={destination} onChange={(e) => setDestination(e.target.value)} className="mt-1 w-full rounded-md border border-slate-300 px-2 py-1">
                {dstChoices.map((p) => (
                  <option key={p.id} value={p.id}>
                    {p.name ?? p.type}
                  </option>
                ))}
              </select>
            </label>
          ) : (
            <div>
              To <b>{nameOf(destination)}</b>
            </div>
          )}
        </div>
        <fieldset>
          <legend className="mb-1 text-sm font-medium">Relationships to send through this connection</legend>
          {rels.map((r) => (
            <label key={r} className="flex items-center gap-2 py-0.5 text-sm">
              <input type="checkbox" aria-label={r} checked={chosen.includes(r)} onChange={(e) => setChosen(e.target.checked ? [...chosen, r] : chosen.filter((x) => x !== r))} />
              {r}
              {taken.has(r) ? <span className="text-xs text-slate-500">(already connected)</span> : null}
            </label>
          ))}
          {rels.length === 0 ? <p className="text-sm text-slate-500">This processor has no relationships.</p> : null}
        </fieldset>
        <div className="mt-4 flex justify-end gap-2">
          <button type="button" onClick={onCancel} className="rounded-md border border-slate-300 px-3 py-1 text-sm hover:bg-slate-100">
            Cancel
          </button>
          <button type="submit" disabled={!ok} className="rounded-md bg-sky-600 px-3 py-1 text-sm text-white disabled:bg-slate-300">
            Add connection
          </button>
        </div>
      </form>
    </Modal>
  );
}
