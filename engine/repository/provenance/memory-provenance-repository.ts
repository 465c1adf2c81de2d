import {
  expandGroup,
  type LineageGraph,
  type ProvenanceEvent,
  type ProvenanceEventGroup,
  type ProvenanceEventInput,
  type ProvenanceQuery,
  type ProvenanceRepository,
} from "../../core/provenance";
import { buildLineage, matchesQuery, relatedUuids, searchLimit } from "./query";

export interface MemoryProvenanceRepositoryOptions {
  /** Events kept; the oldest are dropped first. @default 100_000 */
  maxEvents?: number;
}

/**
 * Volatile provenance repository: the newest `maxEvents` events in a ring, nothing on disk.
 *
 * Contract (on top of `ProvenanceRepository`): events are visible to queries as soon as
 * `register` returns (`flush` does nothing); an event pushed out of the ring is gone for
 * `getEvent`, `search` and `lineage` alike. Queries scan the ring (O(maxEvents) per search,
 * O(maxEvents x depth) per lineage), which is fine for the sizes a volatile repository holds.
 * The repository takes ownership of registered event objects (it sets `eventId` on them rather
 * than copying: copying 18 fields per event was a sixth of the volatile engine's CPU); callers
 * must not change an event after registering it, and the session never does. `register` does
 * not check its input (the session hands only valid events), so it never throws before `close`.
 */
export class MemoryProvenanceRepository implements ProvenanceRepository {
  private readonly ring: Array<ProvenanceEvent | undefined>;
  private readonly capacity: number;
  private nextId = 0;
  private closed = false;

  constructor(options: MemoryProvenanceRepositoryOptions = {}) {
    this.capacity = Math.max(1, Math.floor(options.maxEvents ?? 100_000));
    this.ring = new Array<ProvenanceEvent | undefined>(this.capacity);
  }

  register(events: ReadonlyArray<ProvenanceEventInput>, groups?: ReadonlyArray<ProvenanceEventGroup>, before?: ReadonlyArray<ProvenanceEventGroup>): void {
    if (this.closed) throw closedError();
    if (before !== undefined) for (const group of before) this.keep(expandGroup(group));
    this.keep(events);
    // A ring of events: a group is kept as its events.
    if (groups !== undefined) for (const group of groups) this.keep(expandGroup(group));
  }

  private keep(events: ReadonlyArray<ProvenanceEventInput>): void {
    for (const input of events) {
      const eventId = this.nextId++;
      const event = input as ProvenanceEvent;
      event.eventId = eventId;
      this.ring[eventId % this.capacity] = event;
    }
  }

  flush(): void {
    if (this.closed) throw closedError();
  }

  async getEvent(eventId: number): Promise<ProvenanceEvent | null> {
    if (this.closed) throw closedError();
    if (!Number.isInteger(eventId) || eventId < this.oldestId() || eventId >= this.nextId) return null;
    return this.ring[eventId % this.capacity] ?? null;
  }

  async search(query: ProvenanceQuery): Promise<ProvenanceEvent[]> {
    if (this.closed) throw closedError();
    const limit = searchLimit(query);
    const out: ProvenanceEvent[] = [];
    for (let id = this.nextId - 1; id >= this.oldestId() && out.length < limit; id--) {
      const event = this.ring[id % this.capacity]!;
      if (matchesQuery(event, query)) out.push(event);
    }
    return out;
  }

  async lineage(flowFileUuid: string): Promise<LineageGraph> {
    if (this.closed) throw closedError();
    const reached = new Set<string>([flowFileUuid]);
    const events = new Map<number, ProvenanceEvent>();
    let frontier = new Set<string>([flowFileUuid]);
    // Breadth first over FlowFiles: each round scans the ring once for events of the frontier.
    while (frontier.size > 0) {
      const next = new Set<string>();
      for (let id = this.oldestId(); id < this.nextId; id++) {
        const event = this.ring[id % this.capacity]!;
        if (!frontier.has(event.flowFileUuid) && !relatedUuids(event).some((u) => frontier.has(u))) continue;
        if (!reached.has(event.flowFileUuid)) {
          reached.add(event.flowFileUuid);
          next.add(event.flowFileUuid);
        }
        if (frontier.has(event.flowFileUuid)) events.set(event.eventId, event);
        for (const uuid of relatedUuids(event)) {
          if (!reached.has(uuid)) {
            reached.add(uuid);
            next.add(uuid);
          }
        }
      }
      frontier = next;
    }
    return buildLineage(reached, [...events.values()]);
  }

  maxEventId(): number {
    return this.nextId - 1;
  }

  async close(): Promise<void> {
    this.closed = true;
  }

  private oldestId(): number {
    return Math.max(0, this.nextId - this.capacity);
  }
}

function closedError(): Error {
  return new Error("provenance repository closed");
}
