/**
 * Sensitive property values never leave the server. Every document the API sends is masked:
 * a set sensitive value becomes SENSITIVE_PLACEHOLDER. A document coming back with the
 * placeholder keeps the stored secret of that component and property. Pure functions; the
 * sensitive property names come from the engine catalog (sensitiveProperties()).
 */
import type { FlowDocument } from "./engine-client";

/** Stands for "the stored secret, unchanged". Chosen so no real secret plausibly equals it. */
export const SENSITIVE_PLACEHOLDER = "••••••••(sensitive value set)";

/** Sensitive property names by component type. */
export type SensitiveMap = Readonly<Record<string, readonly string[]>>;

function maskProps(props: Record<string, string>, names: readonly string[] | undefined): Record<string, string> {
  if (!names?.length) return props;
  const out = { ...props };
  for (const n of names) if (out[n] !== undefined && out[n] !== "") out[n] = SENSITIVE_PLACEHOLDER;
  return out;
}

/** A copy of `doc` with every set sensitive value replaced by the placeholder. */
export function maskDocument(doc: FlowDocument, sensitive: SensitiveMap): FlowDocument {
  return {
    ...doc,
    processors: doc.processors.map((p) => ({ ...p, properties: maskProps(p.properties, sensitive[p.type]) })),
    services: doc.services.map((s) => ({ ...s, properties: maskProps(s.properties, sensitive[s.type]) })),
  };
}

/** A copy of `doc` without any sensitive value (for export files that leave the server). */
export function stripSecrets(doc: FlowDocument, sensitive: SensitiveMap): FlowDocument {
  const strip = (props: Record<string, string>, names: readonly string[] | undefined) => {
    const out = { ...props };
    for (const n of names ?? []) delete out[n];
    return out;
  };
  return {
    ...doc,
    processors: doc.processors.map((p) => ({ ...p, properties: strip(p.properties, sensitive[p.type]) })),
    services: doc.services.map((s) => ({ ...s, properties: strip(s.properties, sensitive[s.type]) })),
  };
}

/**
 * `incoming` with each placeholder replaced by the stored value of the same component (by id and
 * type) and property; a placeholder with no stored value is dropped. A sensitive value that
 * arrives as the placeholder for a property that is not sensitive is kept as typed.
 */
export function restoreSecrets(incoming: FlowDocument, stored: FlowDocument | null, sensitive: SensitiveMap): FlowDocument {
  const restore = (props: Record<string, string>, type: string, old: { type: string; properties: Record<string, string> } | undefined) => {
    const names = sensitive[type];
    if (!names?.length) return props;
    const out = { ...props };
    for (const n of names) {
      if (out[n] !== SENSITIVE_PLACEHOLDER) continue;
      const prev = old && old.type === type ? old.properties[n] : undefined;
      if (prev !== undefined) out[n] = prev;
      else delete out[n];
    }
    return out;
  };
  const oldProcs = new Map((stored?.processors ?? []).map((p) => [p.id, p]));
  const oldServices = new Map((stored?.services ?? []).map((s) => [s.id, s]));
  return {
    ...incoming,
    processors: incoming.processors.map((p) => ({ ...p, properties: restore(p.properties, p.type, oldProcs.get(p.id)) })),
    services: incoming.services.map((s) => ({ ...s, properties: restore(s.properties, s.type, oldServices.get(s.id)) })),
  };
}
