/**
 * Pure editing operations on a flow document, and the view of one process-group level. No React
 * here: every function takes a document and returns a new one (never mutates), which is what the
 * undo/redo history stores.
 *
 * Process groups: a processor's `group` and a group's `parent` give membership. A connection
 * whose ends are in different groups crosses group boundaries; inside a group such connections
 * appear on the group's input port (coming in) or output port (going out), and at the parent
 * level they attach to the group's node. That is all a port is here: no extra engine component.
 */
import type { ConnectionConfig, FlowDocument, ProcessorConfig, ProcessorTypeInfo } from "../../lib/engine-client";

export type Group = FlowDocument["groups"][number];

/** React Flow node id of a group (groups and processors have separate id spaces). */
export const groupNodeId = (id: string) => `group:${id}`;
/** React Flow node ids of the current group's input and output ports. */
export const IN_PORT = "port:in";
export const OUT_PORT = "port:out";

/** A short random id with a prefix, unique enough within one document. */
export function newId(prefix: string, taken?: ReadonlySet<string>): string {
  for (;;) {
    const id = `${prefix}-${Math.random().toString(36).slice(2, 10)}`;
    if (!taken?.has(id)) return id;
  }
}

function allIds(doc: FlowDocument): Set<string> {
  return new Set([...doc.processors.map((p) => p.id), ...doc.connections.map((c) => c.id), ...doc.groups.map((g) => g.id)]);
}

/** The group and all groups nested in it (by id). `undefined` = the root: every group. */
export function subtreeGroups(doc: FlowDocument, groupId: string | undefined): Set<string> {
  if (groupId === undefined) return new Set(doc.groups.map((g) => g.id));
  const out = new Set([groupId]);
  let grew = true;
  while (grew) {
    grew = false;
    for (const g of doc.groups) {
      if (g.parent !== undefined && out.has(g.parent) && !out.has(g.id)) {
        out.add(g.id);
        grew = true;
      }
    }
  }
  return out;
}

/** True when the processor is in `groupId` or a group nested in it (root: always). */
export function inSubtree(doc: FlowDocument, p: ProcessorConfig, groupId: string | undefined, subtree = subtreeGroups(doc, groupId)): boolean {
  if (groupId === undefined) return true;
  return p.group !== undefined && subtree.has(p.group);
}

/** Root-to-group chain of groups, for breadcrumbs. Unknown ids end the chain. */
export function groupPath(doc: FlowDocument, groupId: string | undefined): Group[] {
  const byId = new Map(doc.groups.map((g) => [g.id, g]));
  const out: Group[] = [];
  const seen = new Set<string>();
  let cur = groupId !== undefined ? byId.get(groupId) : undefined;
  while (cur && !seen.has(cur.id)) {
    seen.add(cur.id);
    out.unshift(cur);
    cur = cur.parent !== undefined ? byId.get(cur.parent) : undefined;
  }
  return out;
}

/** An edge of a level view: a connection drawn between two visible nodes. */
export interface ViewEdge {
  id: string;
  source: string;
  target: string;
  connection: ConnectionConfig;
}

/** What one level shows. */
export interface LevelView {
  processors: ProcessorConfig[];
  groups: Group[];
  edges: ViewEdge[];
  /** Whether the level has connections coming in from / going out to outside the group. */
  inPort: boolean;
  outPort: boolean;
}

/**
 * The nodes and edges of level `groupId` (undefined = root). Processors of nested groups are
 * represented by their top-most nested group at this level; processors outside by the ports.
 */
export function levelView(doc: FlowDocument, groupId: string | undefined): LevelView {
  const groupsById = new Map(doc.groups.map((g) => [g.id, g]));
  const procById = new Map(doc.processors.map((p) => [p.id, p]));
  const cache = new Map<string, string | null>();
  /** Node id representing processor `pid` at this level, or null when it is outside. */
  const rep = (pid: string): string | null => {
    const hit = cache.get(pid);
    if (hit !== undefined) return hit;
    const p = procById.get(pid);
    let out: string | null = null;
    if (p) {
      if (p.group === groupId) out = p.id;
      else {
        let g = p.group !== undefined ? groupsById.get(p.group) : undefined;
        const seen = new Set<string>();
        while (g && !seen.has(g.id)) {
          seen.add(g.id);
          if (g.parent === groupId) {
            out = groupNodeId(g.id);
            break;
          }
          g = g.parent !== undefined ? groupsById.get(g.parent) : undefined;
        }
      }
    }
    cache.set(pid, out);
    return out;
  };
  const edges: ViewEdge[] = [];
  let inPort = false;
  let outPort = false;
  for (const c of doc.connections) {
    const s = rep(c.source);
    const t = rep(c.destination);
    if (s !== null && t !== null) {
      // A processor's own loop (failure → itself, the usual retry) is drawn; connections inside
      // a nested group (both ends on its node) are not.
      if (s !== t || (c.source === c.destination && s === c.source)) edges.push({ id: c.id, source: s, target: t, connection: c });
    } else if (groupId !== undefined && s === null && t !== null) {
      inPort = true;
      edges.push({ id: c.id, source: IN_PORT, target: t, connection: c });
    } else if (groupId !== undefined && s !== null && t === null) {
      outPort = true;
      edges.push({ id: c.id, source: s, target: OUT_PORT, connection: c });
    }
  }
  return {
    processors: doc.processors.filter((p) => p.group === groupId),
    groups: doc.groups.filter((g) => g.parent === groupId),
    edges,
    inPort,
    outPort,
  };
}

/** A new processor of `type` at `position` in `group`, stopped, with the type's default schedule. */
export function addProcessor(doc: FlowDocument, info: ProcessorTypeInfo, position: { x: number; y: number }, group: string | undefined): { doc: FlowDocument; id: string } {
  const taken = allIds(doc);
  const id = newId(info.type.replace(/[^A-Za-z0-9]/g, "").toLowerCase().slice(0, 16) || "p", taken);
  let name = info.type;
  const names = new Set(doc.processors.map((p) => p.name ?? p.type));
  for (let i = 2; names.has(name); i++) name = `${info.type} ${i}`;
  const p: ProcessorConfig = {
    id,
    name,
    type: info.type,
    properties: {},
    scheduling: {
      strategy: "timer",
      runSchedule: info.defaultSchedule?.runSchedule ?? "0 sec",
      concurrentTasks: 1,
      batchSize: info.defaultSchedule?.batchSize ?? 1000,
      penaltyDuration: "30 sec",
      yieldDuration: "1 sec",
    },
    autoTerminate: [],
    state: "stopped",
    position: { x: Math.round(position.x), y: Math.round(position.y) },
    ...(group !== undefined ? { group } : {}),
  };
  return { doc: { ...doc, processors: [...doc.processors, p] }, id };
}

/**
 * `doc` with `relationships` no longer auto-terminated at processor `source`: a relationship
 * that is connected goes to its connection (NiFi un-terminates it when it is connected too).
 */
function unterminate(doc: FlowDocument, source: string, relationships: readonly string[]): FlowDocument {
  const p = doc.processors.find((x) => x.id === source);
  if (!p || !p.autoTerminate.some((r) => relationships.includes(r))) return doc;
  return updateProcessor(doc, source, { autoTerminate: p.autoTerminate.filter((r) => !relationships.includes(r)) });
}

/**
 * Adds a connection carrying `relationships` from `source` to `destination` (default queue
 * settings); those relationships stop being auto-terminated at the source.
 */
export function addConnection(doc: FlowDocument, source: string, destination: string, relationships: string[]): { doc: FlowDocument; id: string } {
  const id = newId("c", allIds(doc));
  const c: ConnectionConfig = {
    id,
    source,
    destination,
    relationships,
    backPressure: { objectThreshold: 10_000, dataSizeThreshold: "1 GB" },
    prioritizers: [],
    expiration: "0 sec",
    swapThreshold: 20_000,
  };
  return { doc: unterminate({ ...doc, connections: [...doc.connections, c] }, source, relationships), id };
}

/** Replaces processor `id` with `patch` applied. */
export function updateProcessor(doc: FlowDocument, id: string, patch: Partial<ProcessorConfig>): FlowDocument {
  return { ...doc, processors: doc.processors.map((p) => (p.id === id ? { ...p, ...patch } : p)) };
}

/** Replaces connection `id` with `patch` applied; relationships it now carries stop being auto-terminated. */
export function updateConnection(doc: FlowDocument, id: string, patch: Partial<ConnectionConfig>): FlowDocument {
  const out = { ...doc, connections: doc.connections.map((c) => (c.id === id ? { ...c, ...patch } : c)) };
  const c = out.connections.find((x) => x.id === id);
  return c && patch.relationships ? unterminate(out, c.source, c.relationships) : out;
}

/** Relationships of processor `id` that some connection carries. */
export function connectedRelationships(doc: FlowDocument, id: string): string[] {
  return [...new Set(doc.connections.filter((c) => c.source === id).flatMap((c) => c.relationships))];
}

/**
 * Deletes processors, connections and groups. A deleted group takes everything inside it; a
 * deleted processor takes its connections.
 */
export function deleteComponents(doc: FlowDocument, sel: { processors?: string[]; connections?: string[]; groups?: string[] }): FlowDocument {
  const groups = new Set<string>();
  for (const g of sel.groups ?? []) for (const x of subtreeGroups(doc, g)) groups.add(x);
  const procs = new Set(sel.processors ?? []);
  for (const p of doc.processors) if (p.group !== undefined && groups.has(p.group)) procs.add(p.id);
  const conns = new Set(sel.connections ?? []);
  const out = {
    ...doc,
    processors: doc.processors.filter((p) => !procs.has(p.id)),
    connections: doc.connections.filter((c) => !conns.has(c.id) && !procs.has(c.source) && !procs.has(c.destination)),
    groups: doc.groups.filter((g) => !groups.has(g.id)),
  };
  return out.processors.length === doc.processors.length && out.connections.length === doc.connections.length && out.groups.length === doc.groups.length ? doc : out;
}

/** Sets positions of processors (by id) and groups (by group node id). */
export function moveComponents(doc: FlowDocument, moves: ReadonlyArray<{ id: string; x: number; y: number }>): FlowDocument {
  const m = new Map(moves.map((x) => [x.id, { x: Math.round(x.x), y: Math.round(x.y) }]));
  return {
    ...doc,
    processors: doc.processors.map((p) => (m.has(p.id) ? { ...p, position: m.get(p.id)! } : p)),
    groups: doc.groups.map((g) => (m.has(groupNodeId(g.id)) ? { ...g, position: m.get(groupNodeId(g.id))! } : g)),
  };
}

/**
 * What copy puts on the clipboard: processors, the process groups copied with everything inside
 * them (nested groups included), and the connections among the copied processors. A connection
 * between two copied processors in different groups is what draws those groups' ports, so the
 * pasted groups have the same ports inside; connections to anything not copied are left out.
 */
export interface Clip {
  processors: ProcessorConfig[];
  connections: ConnectionConfig[];
  /** Absent on clips copied before groups could be copied. */
  groups?: Group[];
}

/**
 * Copies processors and groups (with their whole content) and the connections among the copied
 * processors. Sensitive values are not copied.
 */
export function copyComponents(doc: FlowDocument, sel: { processors: readonly string[]; groups?: readonly string[] }, sensitive: (type: string) => readonly string[]): Clip {
  const groupIds = new Set<string>();
  for (const g of sel.groups ?? []) for (const x of subtreeGroups(doc, g)) groupIds.add(x);
  const set = new Set(sel.processors);
  for (const p of doc.processors) if (p.group !== undefined && groupIds.has(p.group)) set.add(p.id);
  const processors = doc.processors
    .filter((p) => set.has(p.id))
    .map((p) => {
      const properties = { ...p.properties };
      for (const n of sensitive(p.type)) delete properties[n];
      return { ...p, properties };
    });
  return { processors, connections: doc.connections.filter((c) => set.has(c.source) && set.has(c.destination)), groups: doc.groups.filter((g) => groupIds.has(g.id)) };
}

/** Copies processors and the connections between them (sensitive values are not copied). */
export function copyProcessors(doc: FlowDocument, ids: readonly string[], sensitive: (type: string) => readonly string[]): Clip {
  return copyComponents(doc, { processors: ids }, sensitive);
}

/**
 * Pastes a clip into `group` with fresh ids, offset from the originals; new processors are
 * stopped. Copied groups keep their nesting; what was at the top of the clip (a processor whose
 * group, or a group whose parent, was not copied) lands in `group`. `ids` are the React Flow
 * node ids of those top-level components (to select them).
 */
export function pasteClip(doc: FlowDocument, clip: Clip, group: string | undefined, offset: { x: number; y: number }): { doc: FlowDocument; ids: string[] } {
  const taken = allIds(doc);
  const map = new Map<string, string>();
  const groupMap = new Map<string, string>();
  const clipGroups = clip.groups ?? [];
  for (const g of clipGroups) {
    const id = newId("g", taken);
    taken.add(id);
    groupMap.set(g.id, id);
  }
  const shift = (pos: { x: number; y: number } | undefined) => ({ x: (pos?.x ?? 0) + offset.x, y: (pos?.y ?? 0) + offset.y });
  const topIds: string[] = [];
  const groups: Group[] = clipGroups.map((g) => {
    const { parent, ...rest } = g;
    const id = groupMap.get(g.id)!;
    const newParent = parent !== undefined && groupMap.has(parent) ? groupMap.get(parent) : group;
    if (parent === undefined || !groupMap.has(parent)) topIds.push(groupNodeId(id));
    return { ...rest, id, position: shift(g.position), ...(newParent !== undefined ? { parent: newParent } : {}) };
  });
  const names = new Set(doc.processors.map((p) => p.name ?? p.type));
  const processors = clip.processors.map((p) => {
    const id = newId(p.type.replace(/[^A-Za-z0-9]/g, "").toLowerCase().slice(0, 16) || "p", taken);
    taken.add(id);
    map.set(p.id, id);
    let name = p.name ?? p.type;
    if (names.has(name)) {
      const base = `${name} (copy)`;
      name = base;
      for (let i = 2; names.has(name); i++) name = `${base} ${i}`;
    }
    names.add(name);
    const { group: oldGroup, ...rest } = p;
    const inCopiedGroup = oldGroup !== undefined && groupMap.has(oldGroup);
    const newGroup = inCopiedGroup ? groupMap.get(oldGroup) : group;
    if (!inCopiedGroup) topIds.push(id);
    return { ...rest, id, name, state: p.state === "disabled" ? ("disabled" as const) : ("stopped" as const), position: shift(p.position), ...(newGroup !== undefined ? { group: newGroup } : {}) };
  });
  const connections = clip.connections
    .filter((c) => map.has(c.source) && map.has(c.destination))
    .map((c) => {
      const id = newId("c", taken);
      taken.add(id);
      return { ...c, id, source: map.get(c.source)!, destination: map.get(c.destination)! };
    });
  return {
    doc: { ...doc, processors: [...doc.processors, ...processors], connections: [...doc.connections, ...connections], groups: [...doc.groups, ...groups] },
    ids: topIds,
  };
}

/**
 * Moves processors and groups of level `parent` into a new group named `name`, placed where
 * they were. Connections are untouched: those that now cross the boundary become its ports.
 */
export function groupComponents(
  doc: FlowDocument,
  sel: { processors: string[]; groups: string[] },
  name: string,
  parent: string | undefined,
): { doc: FlowDocument; id: string } {
  const id = newId("g", allIds(doc));
  const procs = new Set(sel.processors);
  const groups = new Set(sel.groups);
  const positions = [
    ...doc.processors.filter((p) => procs.has(p.id)).map((p) => p.position ?? { x: 0, y: 0 }),
    ...doc.groups.filter((g) => groups.has(g.id)).map((g) => g.position ?? { x: 0, y: 0 }),
  ];
  const x = positions.length ? Math.min(...positions.map((p) => p.x)) : 0;
  const y = positions.length ? Math.min(...positions.map((p) => p.y)) : 0;
  const group: Group = { id, name, ...(parent !== undefined ? { parent } : {}), position: { x, y } };
  return {
    id,
    doc: {
      ...doc,
      groups: [...doc.groups.map((g) => (groups.has(g.id) ? { ...g, parent: id } : g)), group],
      processors: doc.processors.map((p) => (procs.has(p.id) ? { ...p, group: id } : p)),
    },
  };
}

/** Dissolves a group: its processors and groups move to its parent (positions share one plane). */
export function ungroup(doc: FlowDocument, groupId: string): FlowDocument {
  const g = doc.groups.find((x) => x.id === groupId);
  if (!g) return doc;
  return {
    ...doc,
    groups: doc.groups
      .filter((x) => x.id !== groupId)
      .map((x) => {
        if (x.parent !== groupId) return x;
        const { parent: _parent, ...rest } = x;
        return g.parent !== undefined ? { ...rest, parent: g.parent } : rest;
      }),
    processors: doc.processors.map((p) => {
      if (p.group !== groupId) return p;
      const { group: _group, ...rest } = p;
      return g.parent !== undefined ? { ...rest, group: g.parent } : rest;
    }),
  };
}

/** Renames a group. */
export function renameGroup(doc: FlowDocument, groupId: string, name: string): FlowDocument {
  return { ...doc, groups: doc.groups.map((g) => (g.id === groupId ? { ...g, name } : g)) };
}

/**
 * `doc` with the run states in `states` (by processor id) for the processors it has; the same
 * object when nothing changes. Used to adopt the states a run request returned.
 */
export function withRunStates(doc: FlowDocument, states: ReadonlyMap<string, ProcessorConfig["state"]>): FlowDocument {
  let changed = false;
  const processors = doc.processors.map((p) => {
    const s = states.get(p.id);
    if (s === undefined || s === p.state) return p;
    changed = true;
    return { ...p, state: s };
  });
  return changed ? { ...doc, processors } : doc;
}

/**
 * `target` with the run states of `current` for processors both have. Undo, redo and revert
 * change the design; starting and stopping is done with the run buttons, not by history.
 */
export function keepRunStates(target: FlowDocument, current: FlowDocument): FlowDocument {
  return withRunStates(target, new Map(current.processors.map((p) => [p.id, p.state])));
}

/**
 * The processors a start/stop acts on: the selected processors plus everything inside the
 * selected groups; with nothing selected, every processor of level `groupId` and below, or
 * `undefined` (= the whole flow) at the root.
 */
export function processorsToRun(doc: FlowDocument, sel: { processors: readonly string[]; groups: readonly string[] }, groupId: string | undefined): string[] | undefined {
  if (!sel.processors.length && !sel.groups.length) return groupId === undefined ? undefined : doc.processors.filter((p) => inSubtree(doc, p, groupId)).map((p) => p.id);
  const ids = new Set(sel.processors);
  for (const g of sel.groups) {
    const sub = subtreeGroups(doc, g);
    for (const p of doc.processors) if (p.group !== undefined && sub.has(p.group)) ids.add(p.id);
  }
  return [...ids];
}

/** Connection ids that touch any of the processors. */
export function connectionsOf(doc: FlowDocument, processorIds: ReadonlySet<string>): string[] {
  return doc.connections.filter((c) => processorIds.has(c.source) || processorIds.has(c.destination)).map((c) => c.id);
}
