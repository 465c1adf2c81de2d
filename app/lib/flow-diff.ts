/**
 * Differences between two flow documents, for the versions view: processors and connections
 * added, removed or changed (with the fields that changed). Pure; runs on masked documents, so
 * a sensitive value shows as changed only when it was set or cleared.
 */
import type { ConnectionConfig, FlowDocument, ProcessorConfig } from "./engine-client";

/** One changed component: which fields differ, with short before/after texts. */
export interface ComponentChange {
  id: string;
  name: string;
  changes: Array<{ field: string; before: string; after: string }>;
}

/** The difference from `before` to `after`. Components are matched by id. */
export interface FlowDiff {
  processors: { added: Array<{ id: string; name: string }>; removed: Array<{ id: string; name: string }>; changed: ComponentChange[] };
  connections: { added: Array<{ id: string; name: string }>; removed: Array<{ id: string; name: string }>; changed: ComponentChange[] };
  /** True when nothing differs (positions excluded). */
  same: boolean;
}

function text(v: unknown): string {
  if (v === undefined) return "(none)";
  return typeof v === "string" ? v : JSON.stringify(v);
}

function fieldChanges(a: Record<string, unknown>, b: Record<string, unknown>, prefix = ""): ComponentChange["changes"] {
  const out: ComponentChange["changes"] = [];
  const keys = new Set([...Object.keys(a), ...Object.keys(b)]);
  for (const k of [...keys].sort()) {
    const x = a[k];
    const y = b[k];
    if (JSON.stringify(x) === JSON.stringify(y)) continue;
    const isObj = (v: unknown) => v !== null && typeof v === "object" && !Array.isArray(v);
    if (isObj(x) && isObj(y)) out.push(...fieldChanges(x as Record<string, unknown>, y as Record<string, unknown>, `${prefix}${k}.`));
    else out.push({ field: `${prefix}${k}`, before: text(x), after: text(y) });
  }
  return out;
}

function processorLabel(p: ProcessorConfig): string {
  return p.name ?? p.type;
}

function connectionLabel(c: ConnectionConfig, names: Map<string, string>): string {
  return c.name ?? `${names.get(c.source) ?? c.source} → ${names.get(c.destination) ?? c.destination} (${c.relationships.join(", ")})`;
}

/** Compares two documents. Canvas positions are ignored (moving things is not a change). */
export function diffFlows(before: FlowDocument, after: FlowDocument): FlowDiff {
  const names = new Map([...before.processors, ...after.processors].map((p) => [p.id, processorLabel(p)]));
  const bp = new Map(before.processors.map((p) => [p.id, p]));
  const ap = new Map(after.processors.map((p) => [p.id, p]));
  const bc = new Map(before.connections.map((c) => [c.id, c]));
  const ac = new Map(after.connections.map((c) => [c.id, c]));
  const strip = (p: ProcessorConfig) => {
    const { position: _position, ...rest } = p;
    return rest as Record<string, unknown>;
  };
  const diff: FlowDiff = {
    processors: {
      added: after.processors.filter((p) => !bp.has(p.id)).map((p) => ({ id: p.id, name: processorLabel(p) })),
      removed: before.processors.filter((p) => !ap.has(p.id)).map((p) => ({ id: p.id, name: processorLabel(p) })),
      changed: [],
    },
    connections: {
      added: after.connections.filter((c) => !bc.has(c.id)).map((c) => ({ id: c.id, name: connectionLabel(c, names) })),
      removed: before.connections.filter((c) => !ac.has(c.id)).map((c) => ({ id: c.id, name: connectionLabel(c, names) })),
      changed: [],
    },
    same: false,
  };
  for (const p of after.processors) {
    const old = bp.get(p.id);
    if (!old) continue;
    const changes = fieldChanges(strip(old), strip(p));
    if (changes.length) diff.processors.changed.push({ id: p.id, name: processorLabel(p), changes });
  }
  for (const c of after.connections) {
    const old = bc.get(c.id);
    if (!old) continue;
    const changes = fieldChanges(old as unknown as Record<string, unknown>, c as unknown as Record<string, unknown>);
    if (changes.length) diff.connections.changed.push({ id: c.id, name: connectionLabel(c, names), changes });
  }
  const d = diff;
  d.same =
    d.processors.added.length + d.processors.removed.length + d.processors.changed.length + d.connections.added.length + d.connections.removed.length + d.connections.changed.length === 0;
  return diff;
}
