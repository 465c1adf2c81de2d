/**
 * Provenance Event model shared by the session (which emits events), the provenance
 * repositories (which store, index and search them) and the API (which shows them).
 */
import type { ContentClaim } from "./content-claim";

export const PROVENANCE_EVENT_TYPES = [
  "CREATE",
  "RECEIVE",
  "FETCH",
  "SEND",
  "DROP",
  "EXPIRE",
  "FORK",
  "JOIN",
  "CLONE",
  "CONTENT_MODIFIED",
  "ATTRIBUTES_MODIFIED",
  "ROUTE",
  "REPLAY",
] as const;

export type ProvenanceEventType = (typeof PROVENANCE_EVENT_TYPES)[number];

/** Where a content claim points: enough to read the bytes back from the content repository. */
export interface ClaimRef {
  resource: string;
  offset: number;
  length: number;
}

/**
 * What the session hands to the provenance repository. The repository assigns `eventId`.
 *
 * Attributes: `updatedAttributes` holds every attribute whose value changed in this event
 * (new value, or null when removed); `previousAttributes` holds the old values of exactly those
 * keys (null when the key did not exist). For CREATE/RECEIVE/FORK/JOIN/CLONE children
 * `updatedAttributes` holds the full attribute map, so lineage can show a FlowFile's complete
 * state without replaying every event.
 */
export interface ProvenanceEventInput {
  type: ProvenanceEventType;
  /** Epoch millis. */
  timestamp: number;
  flowFileUuid: string;
  /** Size of the FlowFile after the event. */
  fileSize: number;
  lineageStartDate: number;
  componentId: string;
  componentType: string;
  /** Parent uuids (FORK/JOIN/CLONE children point at their parents; empty otherwise). */
  parentUuids: string[];
  /** Child uuids (set on the parent's FORK/CLONE/JOIN event). */
  childUuids: string[];
  previousAttributes: Record<string, string | null>;
  updatedAttributes: Record<string, string | null>;
  /** All attributes after the event (used for the attribute index and for replay). */
  attributes: Record<string, string>;
  previousClaim: ClaimRef | null;
  currentClaim: ClaimRef | null;
  /** Relationship the FlowFile was routed to (ROUTE and the final transfer), if any. */
  relationship: string | null;
  details: string | null;
  transitUri: string | null;
  /** Queue (connection id) the FlowFile sat in before the event; replay re-enqueues there. */
  sourceQueueId: string | null;
}

/** A stored event: the input plus its repository-assigned id (monotonic, starts at 0). */
export interface ProvenanceEvent extends ProvenanceEventInput {
  eventId: number;
}

/** Search criteria; every given field must match (AND). */
export interface ProvenanceQuery {
  flowFileUuid?: string;
  componentId?: string;
  type?: ProvenanceEventType;
  /** Inclusive epoch-millis bounds. */
  startTime?: number;
  endTime?: number;
  /** Attribute equality, e.g. { filename: "a.txt" }. */
  attributes?: Record<string, string>;
  /** Maximum events returned, newest first. @default 1000 */
  limit?: number;
}

/** Lineage graph: FlowFile nodes and event nodes, edges following parents and children. */
export interface LineageGraph {
  flowFiles: string[];
  events: ProvenanceEvent[];
  /** Directed edges between event ids (earlier → later) and FlowFile uuid links. */
  edges: Array<{ from: number; to: number; flowFileUuid: string }>;
}

/**
 * Stores provenance events. Contract:
 * - `register` is cheap and synchronous: events are appended to a buffer and become durable at
 *   the next `flush` (called by the flow controller at group-commit time, after the FlowFile
 *   repository flush). Ids are assigned in call order.
 * - Queries see every registered event once `flush` has returned (implementations that index
 *   asynchronously must wait for the index to catch up before answering).
 * - Implementations never throw from `register` for valid input; a storage failure surfaces
 *   from `flush`.
 */
export interface ProvenanceRepository {
  register(events: ReadonlyArray<ProvenanceEventInput>): void;
  flush(): void;
  getEvent(eventId: number): Promise<ProvenanceEvent | null>;
  search(query: ProvenanceQuery): Promise<ProvenanceEvent[]>;
  /** All events of `flowFileUuid` and, transitively, of its parents and children. */
  lineage(flowFileUuid: string): Promise<LineageGraph>;
  /** Highest assigned event id, or -1. */
  maxEventId(): number;
  close(): Promise<void>;
}

/** Helper for tests and in-memory use: shallow copy of a claim reference. */
export function toClaimRef(claim: ContentClaim | null): ClaimRef | null {
  return claim ? { resource: claim.resource, offset: claim.offset, length: claim.length } : null;
}
