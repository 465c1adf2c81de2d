/**
 * Undo/redo for the designer: a bounded stack of whole flow documents. Documents are immutable
 * (model.ts never mutates), so storing them is cheap structural sharing, not deep copies.
 */
import type { FlowDocument } from "../../lib/engine-client";

const LIMIT = 200;

/** Past and future documents around the current one. */
export interface History {
  past: FlowDocument[];
  future: FlowDocument[];
}

export function emptyHistory(): History {
  return { past: [], future: [] };
}

/** Records `before` as the state an edit left; clears redo. */
export function record(h: History, before: FlowDocument): History {
  const past = [...h.past, before];
  return { past: past.length > LIMIT ? past.slice(past.length - LIMIT) : past, future: [] };
}

/** Steps back: the document to show and the new history, or null when there is nothing to undo. */
export function undo(h: History, current: FlowDocument): { doc: FlowDocument; history: History } | null {
  const doc = h.past.at(-1);
  if (!doc) return null;
  return { doc, history: { past: h.past.slice(0, -1), future: [current, ...h.future] } };
}

/** Steps forward again after undo. */
export function redo(h: History, current: FlowDocument): { doc: FlowDocument; history: History } | null {
  const doc = h.future[0];
  if (!doc) return null;
  return { doc, history: { past: [...h.past, current], future: h.future.slice(1) } };
}
