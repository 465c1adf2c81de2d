/**
 * Query semantics shared by every provenance repository, so the volatile and the durable one
 * answer `search` and `lineage` identically.
 */
import type { LineageGraph, ProvenanceEvent, ProvenanceQuery } from "../../core/provenance";

/** `ProvenanceQuery.limit` when none is given. */
export const DEFAULT_SEARCH_LIMIT = 1000;

/** True when `event` satisfies every criterion of `query` (limit is not a criterion). */
export function matchesQuery(event: ProvenanceEvent, query: ProvenanceQuery): boolean {
  if (query.flowFileUuid !== undefined && event.flowFileUuid !== query.flowFileUuid) return false;
  if (query.componentId !== undefined && event.componentId !== query.componentId) return false;
  if (query.type !== undefined && event.type !== query.type) return false;
  if (query.startTime !== undefined && event.timestamp < query.startTime) return false;
  if (query.endTime !== undefined && event.timestamp > query.endTime) return false;
  if (query.attributes !== undefined) {
    for (const key of Object.keys(query.attributes)) {
      if (event.attributes[key] !== query.attributes[key]) return false;
    }
  }
  return true;
}

/** The effective result limit of a query (non-negative integer). */
export function searchLimit(query: ProvenanceQuery): number {
  const limit = query.limit ?? DEFAULT_SEARCH_LIMIT;
  return Number.isFinite(limit) ? Math.max(0, Math.floor(limit)) : DEFAULT_SEARCH_LIMIT;
}

/** FlowFiles an event links to besides its own: its parents and children. */
export function relatedUuids(event: ProvenanceEvent): string[] {
  return event.parentUuids.length === 0 ? event.childUuids : event.childUuids.length === 0 ? event.parentUuids : [...event.parentUuids, ...event.childUuids];
}

/**
 * Builds the lineage graph from every event of the FlowFiles reached (any order).
 *
 * Edges, deduplicated, each labelled with the FlowFile of its target event:
 * - consecutive events of one FlowFile (by event id);
 * - an event that names children (FORK, CLONE, JOIN on the parent) → each child's first event;
 * - a child's event that names parents, when no event of that parent names the child → the
 *   parent's last event before it (or its first event if none came before).
 */
export function buildLineage(flowFiles: Iterable<string>, events: ProvenanceEvent[]): LineageGraph {
  const sorted = [...events].sort((a, b) => a.eventId - b.eventId);
  const byFlowFile = new Map<string, ProvenanceEvent[]>();
  for (const event of sorted) {
    const list = byFlowFile.get(event.flowFileUuid);
    if (list === undefined) byFlowFile.set(event.flowFileUuid, [event]);
    else list.push(event);
  }
  const edges: LineageGraph["edges"] = [];
  const seen = new Set<string>();
  const add = (from: ProvenanceEvent, to: ProvenanceEvent): void => {
    if (from.eventId === to.eventId) return;
    const key = `${from.eventId}>${to.eventId}`;
    if (seen.has(key)) return;
    seen.add(key);
    edges.push({ from: from.eventId, to: to.eventId, flowFileUuid: to.flowFileUuid });
  };
  const namedChildren = new Set<string>();
  for (const list of byFlowFile.values()) {
    for (let i = 1; i < list.length; i++) add(list[i - 1]!, list[i]!);
  }
  for (const event of sorted) {
    for (const child of event.childUuids) {
      namedChildren.add(`${event.flowFileUuid}>${child}`);
      const first = byFlowFile.get(child)?.[0];
      if (first !== undefined) add(event, first);
    }
  }
  for (const event of sorted) {
    for (const parent of event.parentUuids) {
      if (parent === event.flowFileUuid || namedChildren.has(`${parent}>${event.flowFileUuid}`)) continue;
      const parentEvents = byFlowFile.get(parent);
      if (parentEvents === undefined) continue;
      let source = parentEvents[0]!;
      for (const candidate of parentEvents) {
        if (candidate.eventId < event.eventId) source = candidate;
        else break;
      }
      add(source, event);
    }
  }
  return { flowFiles: [...new Set(flowFiles)].sort(), events: sorted, edges };
}
