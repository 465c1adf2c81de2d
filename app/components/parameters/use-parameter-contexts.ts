"use client";
/**
 * The designer's view of the parameter contexts: read from GET /api/parameter-contexts
 * (sensitive values never included) at first, on `reload()` and when the window gets the focus
 * back, and the scope that applies to a
 * processor (the binding of its group, else its parent's, up to the flow's).
 */
import { useCallback, useEffect, useState } from "react";
import { boundContextId } from "../../../engine/api/parameters";
import type { FlowDocument } from "../../lib/engine-client";
import type { ContextView } from "../../lib/parameters";
import { api } from "../designer/api-client";

/** What the config panel knows of the parameters a processor may reference. */
export interface PanelParameters {
  /** The bound context's name; null when nothing is bound (or the binding names no context). */
  contextName: string | null;
  parameters: ContextView["parameters"];
}

/** Every context (null until read); `reload` reads them again. */
export function useParameterContexts(): { contexts: ContextView[] | null; reload: () => void } {
  const [contexts, setContexts] = useState<ContextView[] | null>(null);
  const [tick, setTick] = useState(0);
  useEffect(() => {
    let live = true;
    void api<{ contexts: ContextView[] }>("GET", "/api/parameter-contexts").then((r) => {
      if (live) setContexts(r.ok ? r.data.contexts : []);
    });
    return () => {
      live = false;
    };
  }, [tick]);
  const reload = useCallback(() => setTick((t) => t + 1), []);
  // A context made or changed in another tab (the Parameter Contexts page) shows on coming back.
  useEffect(() => {
    window.addEventListener("focus", reload);
    return () => window.removeEventListener("focus", reload);
  }, [reload]);
  return { contexts, reload };
}

// One PanelParameters object per (contexts read, context id): the config panel's validation
// depends on it, and a new object on every render would validate again each time.
const scopes = new WeakMap<ContextView[], Map<string, PanelParameters>>();
const UNBOUND: PanelParameters = { contextName: null, parameters: [] };

/**
 * The parameters a processor in `group` (undefined = the root) may reference, or null while
 * unknown. The same object for the same binding until the contexts are read again.
 */
export function scopeFor(contexts: ContextView[] | null, doc: FlowDocument, group: string | undefined): PanelParameters | null {
  if (!contexts) return null;
  const id = boundContextId(doc, group);
  const c = id === undefined ? undefined : contexts.find((x) => x.id === id);
  if (!c) return UNBOUND;
  let byId = scopes.get(contexts);
  if (!byId) scopes.set(contexts, (byId = new Map()));
  let scope = byId.get(c.id);
  if (!scope) byId.set(c.id, (scope = { contextName: c.name, parameters: c.parameters }));
  return scope;
}
