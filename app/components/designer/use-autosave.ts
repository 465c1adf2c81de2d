"use client";
/**
 * Autosave: the flow document as the designer edits it, saved to the server with the revision
 * it was based on.
 *
 * Contract:
 * - Two documents: the current one (what the canvas shows, `doc` / `docRef`) and the last one
 *   the server stored. `change(next)` makes `next` current and saves it SAVE_DELAY_MS later;
 *   more changes in that time make one save. `flush()` saves now and resolves true once the
 *   server holds the current document (false when it refused it).
 * - One save is in flight at a time; a change made during a save is saved right after it.
 * - Every save sends the revision it is based on. A stale revision (409 "stale") blocks editing
 *   until reload: `blocked` turns true, the state is "stale", nothing more is sent.
 * - 409 "queue-not-empty": nothing was saved, so the current document goes back to the saved one.
 * - Any other refusal: state "error" with the server's problems; the next change tries again.
 * - Each refusal is reported through `onBanner`.
 * - `busy` counts our requests in flight (saves, and whatever runs through `whileBusy`), so a
 *   newer revision in the live stream can be told apart from a change made elsewhere.
 * - Leaving the page with unsaved changes asks first (beforeunload), unless editing is blocked.
 */
import { useCallback, useEffect, useRef, useState, type RefObject } from "react";
import type { FlowAnalysis, FlowDocument, FlowProblem, ProcessorConfig } from "../../lib/engine-client";
import type { SaveResult } from "../../lib/flow-service";
import { api } from "./api-client";
import type { Banner } from "./banner";
import { withRunStates } from "./model";

/** How long edits are collected before they are saved. */
export const SAVE_DELAY_MS = 400;

/** What the save indicator shows. */
export type SaveState = "saved" | "pending" | "saving" | "error" | "stale";

/** What the server says about the stored flow after a request. */
export interface ServerState {
  revision: number;
  analysis: FlowAnalysis;
  pending: FlowProblem[];
}

/** The autosaved document and what can be done with it. */
export interface Autosave extends ServerState {
  /** The current document, for rendering. */
  doc: FlowDocument;
  /** The current document, for callbacks (always the latest, even before a re-render). */
  docRef: RefObject<FlowDocument>;
  saveState: SaveState;
  /** Our requests in flight. */
  busy: RefObject<number>;
  /** True once editing is blocked (stale revision, or the flow is gone). */
  blocked: RefObject<boolean>;
  /** Makes `next` the current document and saves it soon (no-op for saving while blocked). */
  change(next: FlowDocument): void;
  /** Saves the current document now; true when the server holds it. */
  flush(): Promise<boolean>;
  /** Runs `request` counted in `busy`. */
  whileBusy<T>(request: () => Promise<T>): Promise<T>;
  /**
   * Adopts the answer to a run request: its server state, and the processors' run states in
   * both the saved and the current document (an unsaved edit stays and is saved after).
   */
  adoptRunStates(r: ServerState, states: ReadonlyMap<string, ProcessorConfig["state"]>): void;
  /** Adopts a document the server stored by itself (a revert): current and saved at once. */
  adoptStored(r: ServerState, doc: FlowDocument): void;
  /** Blocks editing for good (the flow was deleted). */
  block(): void;
}

/** The autosave of flow `flowId`, starting from what the page loaded. */
export function useAutosave(flowId: string, initial: ServerState & { document: FlowDocument }, onBanner: (b: Banner) => void): Autosave {
  const [doc, setDoc] = useState<FlowDocument>(initial.document);
  const docRef = useRef(doc);
  const savedRef = useRef(initial.document);
  const revisionRef = useRef(initial.revision);
  const [revision, setRevision] = useState(initial.revision);
  const [analysis, setAnalysis] = useState<FlowAnalysis>(initial.analysis);
  const [pending, setPending] = useState<FlowProblem[]>([]);
  const [saveState, setSaveState] = useState<SaveState>("saved");
  const busy = useRef(0);
  const blocked = useRef(false);
  const saveTimer = useRef<ReturnType<typeof setTimeout> | undefined>(undefined);
  const inFlight = useRef<Promise<boolean> | null>(null);

  const adoptServer = useCallback((r: ServerState) => {
    revisionRef.current = r.revision;
    setRevision(r.revision);
    setAnalysis(r.analysis);
    setPending(r.pending);
  }, []);

  const show = useCallback((next: FlowDocument) => {
    docRef.current = next;
    setDoc(next);
  }, []);

  const flush = useCallback(async (): Promise<boolean> => {
    clearTimeout(saveTimer.current);
    while (inFlight.current) await inFlight.current;
    if (blocked.current) return false;
    const toSave = docRef.current;
    if (toSave === savedRef.current) {
      setSaveState("saved");
      return true;
    }
    const attempt = (async () => {
      busy.current++;
      setSaveState("saving");
      try {
        const r = await api<SaveResult>("PUT", `/api/flows/${flowId}`, { revision: revisionRef.current, document: toSave });
        if (r.ok) {
          adoptServer(r.data);
          savedRef.current = toSave;
          setSaveState(docRef.current === toSave ? "saved" : "pending");
          return true;
        }
        if (r.code === "stale") {
          blocked.current = true;
          setSaveState("stale");
          onBanner({ kind: "error", text: r.error });
          return false;
        }
        if (r.code === "queue-not-empty") {
          // Nothing was saved: go back to the saved document so the canvas shows the truth.
          show(savedRef.current);
          setSaveState("saved");
          onBanner({ kind: "error", text: r.error });
          return false;
        }
        setSaveState("error");
        onBanner({ kind: "error", text: `Not saved: ${r.error}`, problems: r.problems });
        return false;
      } finally {
        busy.current--;
      }
    })();
    inFlight.current = attempt;
    const ok = await attempt;
    inFlight.current = null;
    if (ok && docRef.current !== savedRef.current && !blocked.current) return flush();
    return ok;
  }, [flowId, onBanner, adoptServer, show]);

  const scheduleSave = useCallback(() => {
    if (blocked.current) return;
    setSaveState("pending");
    clearTimeout(saveTimer.current);
    saveTimer.current = setTimeout(() => void flush(), SAVE_DELAY_MS);
  }, [flush]);

  useEffect(() => {
    const warn = (e: BeforeUnloadEvent) => {
      if (docRef.current !== savedRef.current && !blocked.current) e.preventDefault();
    };
    window.addEventListener("beforeunload", warn);
    return () => window.removeEventListener("beforeunload", warn);
  }, []);

  const change = useCallback(
    (next: FlowDocument) => {
      show(next);
      scheduleSave();
    },
    [show, scheduleSave],
  );

  const whileBusy = useCallback(async <T>(request: () => Promise<T>): Promise<T> => {
    busy.current++;
    try {
      return await request();
    } finally {
      busy.current--;
    }
  }, []);

  const adoptRunStates = useCallback(
    (r: ServerState, states: ReadonlyMap<string, ProcessorConfig["state"]>) => {
      adoptServer(r);
      const wasSaved = docRef.current === savedRef.current;
      savedRef.current = withRunStates(savedRef.current, states);
      show(wasSaved ? savedRef.current : withRunStates(docRef.current, states));
      if (docRef.current !== savedRef.current) scheduleSave();
    },
    [adoptServer, show, scheduleSave],
  );

  const adoptStored = useCallback(
    (r: ServerState, stored: FlowDocument) => {
      adoptServer(r);
      savedRef.current = stored;
      show(stored);
      setSaveState("saved");
    },
    [adoptServer, show],
  );

  const block = useCallback(() => {
    blocked.current = true;
  }, []);

  return { doc, docRef, revision, analysis, pending, saveState, busy, blocked, change, flush, whileBusy, adoptRunStates, adoptStored, block };
}
