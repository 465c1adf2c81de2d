/**
 * Differences between two flow documents, for the versions view: processors, connections,
 * controller services and process groups added, removed or changed (with the fields that
 * changed). Pure.
 *
 * Secrets never appear in a diff: every sensitive property (secrets.ts: declared by the type or
 * named in `sensitiveDynamicProperties`, on either side) shows as SECRET_SET or
 * SECRET_CHANGED. The documents may be plain (a changed secret is then reported as changed,
 * without its value) or masked (a secret then shows as changed only when set or cleared).
 */
import type { ConnectionConfig, FlowDocument, ProcessorConfig } from "./engine-client";
import { sensitiveNamesOf, type SensitiveMap } from "./secrets";

/** How a set secret shows in a diff. */
export const SECRET_SET = "(sensitive value)";
/** How a secret shows on the `after` side when it differs from the `before` one. */
export const SECRET_CHANGED = "(another sensitive value)";

/** One changed component: which fields differ, with short before/after texts. */
export interface ComponentChange {
  id: string;
  name: string;
  changes: Array<{ field: string; before: string; after: string }>;
}

/** The components of one kind that were added, removed or changed. */
export interface SectionDiff {
  added: Array<{ id: string; name: string }>;
  removed: Array<{ id: string; name: string }>;
  changed: ComponentChange[];
}

/** The difference from `before` to `after`. Components are matched by id. */
export interface FlowDiff {
  processors: SectionDiff;
  connections: SectionDiff;
  /** Controller services (a KafkaConnection pointed at other brokers is a change). */
  services: SectionDiff;
  /** Process groups (name and parent; positions excluded). */
  groups: SectionDiff;
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

/** What diffing needs of a processor or a service. */
interface Configured {
  type: string;
  properties: Record<string, string>;
  sensitiveDynamicProperties?: string[];
}

/**
 * The properties of `a` and `b` with every sensitive value (by either side's names) replaced:
 * a set value by SECRET_SET, and `b`'s by SECRET_CHANGED when it differs from `a`'s.
 * Empty values stay empty (they hold no secret).
 */
function maskPair(a: Configured, b: Configured, sensitive: SensitiveMap): [Record<string, string>, Record<string, string>] {
  const pa = { ...a.properties };
  const pb = { ...b.properties };
  for (const n of new Set([...sensitiveNamesOf(a, sensitive), ...sensitiveNamesOf(b, sensitive)])) {
    const x = pa[n];
    const y = pb[n];
    if (x) pa[n] = SECRET_SET;
    if (y) pb[n] = x === y ? SECRET_SET : SECRET_CHANGED;
  }
  return [pa, pb];
}

function processorLabel(p: ProcessorConfig): string {
  return p.name ?? p.type;
}

function connectionLabel(c: ConnectionConfig, names: Map<string, string>): string {
  return c.name ?? `${names.get(c.source) ?? c.source} → ${names.get(c.destination) ?? c.destination} (${c.relationships.join(", ")})`;
}

/**
 * One section's diff. `fields(old, cur)` gives both sides as plain records to compare (with
 * positions and secrets already taken out).
 */
function diffSection<T extends { id: string }>(
  before: readonly T[],
  after: readonly T[],
  label: (x: T) => string,
  fields: (old: T, cur: T) => [Record<string, unknown>, Record<string, unknown>],
): SectionDiff {
  const b = new Map(before.map((x) => [x.id, x]));
  const a = new Map(after.map((x) => [x.id, x]));
  const changed: ComponentChange[] = [];
  for (const cur of after) {
    const old = b.get(cur.id);
    if (!old) continue;
    const changes = fieldChanges(...fields(old, cur));
    if (changes.length) changed.push({ id: cur.id, name: label(cur), changes });
  }
  return {
    added: after.filter((x) => !b.has(x.id)).map((x) => ({ id: x.id, name: label(x) })),
    removed: before.filter((x) => !a.has(x.id)).map((x) => ({ id: x.id, name: label(x) })),
    changed,
  };
}

function withoutPosition<T extends { position?: unknown }>(x: T): Record<string, unknown> {
  const { position: _position, ...rest } = x;
  return rest;
}

/**
 * Compares two documents; `sensitive` names the sensitive properties by type (the catalog's
 * map). Canvas positions are ignored (moving things is not a change).
 */
export function diffFlows(before: FlowDocument, after: FlowDocument, sensitive: SensitiveMap): FlowDiff {
  const names = new Map([...before.processors, ...after.processors].map((p) => [p.id, processorLabel(p)]));
  const configured = <T extends Configured & { position?: unknown }>(old: T, cur: T): [Record<string, unknown>, Record<string, unknown>] => {
    const [pa, pb] = maskPair(old, cur, sensitive);
    return [
      { ...withoutPosition(old), properties: pa },
      { ...withoutPosition(cur), properties: pb },
    ];
  };
  const diff: FlowDiff = {
    processors: diffSection(before.processors, after.processors, processorLabel, configured),
    connections: diffSection(
      before.connections,
      after.connections,
      (c) => connectionLabel(c, names),
      (old, cur) => [old as unknown as Record<string, unknown>, cur as unknown as Record<string, unknown>],
    ),
    services: diffSection(before.services, after.services, (s) => s.name ?? s.type, configured),
    groups: diffSection(before.groups, after.groups, (g) => g.name, (old, cur) => [withoutPosition(old), withoutPosition(cur)]),
    same: false,
  };
  diff.same = [diff.processors, diff.connections, diff.services, diff.groups].every((s) => s.added.length + s.removed.length + s.changed.length === 0);
  return diff;
}
