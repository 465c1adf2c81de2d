/**
 * Provenance Event model shared by the session (which emits events), the provenance
 * repositories (which store, index and search them) and the API (which shows them).
 */
import { ContentClaim } from "./content-claim";

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

/** One FlowFile of a `ProvenanceEventGroup`: what its event says about it. A `FlowFileRecord` is one. */
export interface ProvenanceGroupMember {
  readonly uuid: string;
  /** Size after the event (the claim's length). */
  readonly size: number;
  readonly lineageStartDate: number;
  readonly attributes: Readonly<Record<string, string>>;
  /** The content after the event; before it too, unless `previousClaims` says otherwise. */
  readonly claim: ClaimRef | null;
}

/**
 * Events of one type, one per FlowFile, that share everything but the FlowFile: the CREATEs of
 * a session, the SENDs of its handover to one distributed connection, the RECEIVEs of one batch
 * taken from it.
 * Registered as a group, they are the events `expandGroup` gives, with consecutive ids in
 * member order. Why groups: a hop records two events per FlowFile, and a durable repository
 * stores a group as one record whose shared fields are written once; building and encoding
 * them one by one cost the engine thread about a sixth of a distributed connection's hop.
 */
export interface ProvenanceEventGroup {
  type: ProvenanceEventType;
  timestamp: number;
  componentId: string;
  componentType: string;
  relationship: string | null;
  details: string | null;
  transitUri: string | null;
  sourceQueueId: string | null;
  /**
   * True when the event brings each FlowFile into being here (a RECEIVE): its
   * `updatedAttributes` is then every attribute, as for a CREATE. False: no attribute changed.
   */
  created: boolean;
  /** At least one. */
  flowFiles: ReadonlyArray<ProvenanceGroupMember>;
  /** Each member's content before the event, by position; null when it is every member's `claim`. */
  previousClaims: ReadonlyArray<ClaimRef | null> | null;
}

/** The events a group stands for, in member order (without ids). */
export function expandGroup(group: ProvenanceEventGroup): ProvenanceEventInput[] {
  const out: ProvenanceEventInput[] = [];
  for (let i = 0; i < group.flowFiles.length; i++) {
    const ff = group.flowFiles[i]!;
    const attributes = ff.attributes as Record<string, string>;
    out.push({
      type: group.type,
      timestamp: group.timestamp,
      flowFileUuid: ff.uuid,
      fileSize: ff.size,
      lineageStartDate: ff.lineageStartDate,
      componentId: group.componentId,
      componentType: group.componentType,
      parentUuids: [],
      childUuids: [],
      previousAttributes: {},
      updatedAttributes: group.created ? attributes : {},
      attributes,
      previousClaim: group.previousClaims === null ? ff.claim : (group.previousClaims[i] ?? null),
      currentClaim: ff.claim,
      relationship: group.relationship,
      details: group.details,
      transitUri: group.transitUri,
      sourceQueueId: group.sourceQueueId,
    });
  }
  return out;
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
 * Stores provenance events. Contract, for every implementation (test/unit/repository/
 * provenance-repository.contract.ts pins it):
 *
 * - Threading: `register`, `flush` and `maxEventId` are synchronous and called from the
 *   engine's one thread. Queries are asynchronous and may run concurrently with each other and
 *   with `register`/`flush`; an implementation may answer them on another thread.
 * - Ids: assigned in `register` call order, consecutive, never reused; they start at 0 for an
 *   empty repository and continue after the highest stored id when a durable one reopens.
 * - Ownership: `register` takes the event objects (a repository may set `eventId` on them and
 *   hand the same objects back from queries); neither side changes an event afterwards. A
 *   claim reference may come back as the `ContentClaim` that was registered (volatile) or as a
 *   plain `{ resource, offset, length }` (durable).
 * - Visibility: a query sees every event registered before the last `flush` that returned
 *   before the query was made (an implementation that indexes asynchronously waits for its
 *   index to catch up). Events registered but not yet flushed may or may not be seen.
 * - Durability: events are durable once `flush` returns (a volatile repository keeps nothing
 *   across a restart, and only its newest events). Retention may drop the oldest events; a
 *   dropped event is gone for `getEvent`, `search` and `lineage` alike.
 * - After `close`, `register` and `flush` throw and queries reject; `maxEventId` still answers.
 */
export interface ProvenanceRepository {
  /**
   * Appends the events of each of `before`, then `events`, assigning each the next id, then the
   * events of each of `groups` (see `ProvenanceEventGroup`). Cheap: no I/O. All or nothing: when
   * it throws, none of the call's events is registered and no id is used. Queries give a group's
   * events as single events; nothing tells them apart from events registered one by one.
   * @throws TypeError for input a durable repository cannot store (e.g. a non-string
   *   attribute value, an empty group; the session never hands such input); Error after `close`.
   */
  register(events: ReadonlyArray<ProvenanceEventInput>, groups?: ReadonlyArray<ProvenanceEventGroup>, before?: ReadonlyArray<ProvenanceEventGroup>): void;
  /**
   * Makes every registered event durable and visible to queries made afterwards. Called by the
   * flow controller at group commit, after the FlowFile repository flush. With nothing
   * registered since the last flush it returns at once.
   * @throws the storage error of a failed write; the events stay pending and the next `flush`
   *   retries them.
   */
  flush(): void;
  /** The event with id `eventId`, or null when there is none (never assigned, dropped by retention, not an integer). */
  getEvent(eventId: number): Promise<ProvenanceEvent | null>;
  /**
   * Events matching every criterion of `query` (see `ProvenanceQuery`), newest (highest id)
   * first, at most `query.limit` (default 1000; 0 gives none).
   */
  search(query: ProvenanceQuery): Promise<ProvenanceEvent[]>;
  /**
   * All events of `flowFileUuid` and, transitively, of its parents and children, in id order;
   * `flowFiles` lists every uuid reached (sorted, the start included even when it has no event),
   * `edges` link consecutive events of a FlowFile and parents to children.
   */
  lineage(flowFileUuid: string): Promise<LineageGraph>;
  /** Highest assigned event id (flushed or not), or -1 when none was ever assigned. */
  maxEventId(): number;
  /** Flushes, then releases files and threads. Idempotent. */
  close(): Promise<void>;
}

/** Helper for tests and in-memory use: shallow copy of a claim reference. */
export function toClaimRef(claim: ContentClaim | null): ClaimRef | null {
  return claim ? { resource: claim.resource, offset: claim.offset, length: claim.length } : null;
}

/**
 * The claim an event's reference stands for, to read its content. A volatile repository's
 * events hold the ContentClaim itself (its bytes live only there), so that one is returned as
 * is; a claim rebuilt from the reference would have no bytes.
 */
export function fromClaimRef(ref: ClaimRef): ContentClaim {
  return ref instanceof ContentClaim ? ref : new ContentClaim(ref.resource, ref.offset, ref.length);
}
