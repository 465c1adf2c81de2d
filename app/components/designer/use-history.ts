"use client";
/**
 * Document history: undo and redo over the autosaved document (history.ts holds the pure stack).
 *
 * Contract:
 * - `commit(next)` is how every edit lands: the current document is recorded for undo, redo is
 *   cleared, and `next` becomes current (saved soon). Committing the current document itself
 *   does nothing. While editing is blocked an edit is refused with a banner and nothing changes.
 * - `undo()` / `redo()` step through the history and save the result. They change the design
 *   only: every processor keeps the run state it has now (starting and stopping is not an edit).
 *   Nothing happens when there is nothing to step to, or while editing is blocked.
 * - `record(before)` adds an undo entry for a change that reached the document another way
 *   (a revert to an older version).
 * - `history` is for rendering (enable or disable the buttons).
 */
import { useCallback, useRef, useState, type RefObject } from "react";
import type { FlowDocument } from "../../lib/engine-client";
import type { Banner } from "./banner";
import { emptyHistory, record as recordHistory, redo as redoHistory, undo as undoHistory, type History } from "./history";
import { keepRunStates } from "./model";

/** What the history needs from the autosave. */
export interface HistoryTarget {
  docRef: RefObject<FlowDocument>;
  blocked: RefObject<boolean>;
  change(next: FlowDocument): void;
}

/** Undo/redo of the document behind `target`. */
export function useDocumentHistory(target: HistoryTarget, onBanner: (b: Banner) => void) {
  const { docRef, blocked, change } = target;
  const [history, setHistoryState] = useState<History>(emptyHistory);
  const historyRef = useRef(history);
  const setHistory = useCallback((h: History) => {
    historyRef.current = h;
    setHistoryState(h);
  }, []);

  const commit = useCallback(
    (next: FlowDocument) => {
      const prev = docRef.current;
      if (next === prev) return;
      if (blocked.current) {
        onBanner({ kind: "error", text: "Editing is paused: this flow changed elsewhere. Reload to continue." });
        return;
      }
      setHistory(recordHistory(historyRef.current, prev));
      change(next);
    },
    [docRef, blocked, change, onBanner, setHistory],
  );

  const step = useCallback(
    (move: typeof undoHistory) => {
      const r = move(historyRef.current, docRef.current);
      if (!r || blocked.current) return;
      const next = keepRunStates(r.doc, docRef.current);
      setHistory(r.history);
      change(next);
    },
    [docRef, blocked, change, setHistory],
  );
  const undo = useCallback(() => step(undoHistory), [step]);
  const redo = useCallback(() => step(redoHistory), [step]);

  const record = useCallback((before: FlowDocument) => setHistory(recordHistory(historyRef.current, before)), [setHistory]);

  return { history, commit, undo, redo, record };
}
