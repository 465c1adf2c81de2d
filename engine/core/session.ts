/**
 * StandardProcessSession: NiFi's session semantics. Everything a trigger does is staged in
 * per-FlowFile records; `commit` lands it in one step (WAL frame, queue transfers, content
 * reference counts, provenance events, statistics); `rollback` puts taken FlowFiles back.
 *
 * Hot path: one session handles a batch of FlowFiles, so per-FlowFile work here is kept to a
 * few object allocations and map operations.
 */
import { createHash } from "node:crypto";
import { newUuid } from "./uuid";
import type { FlowFile, ProcessSession, ProvenanceReporter } from "../sdk/types";
import { FlowFileAccountingError, FlowFileHandlingError } from "../sdk/errors";
import type { ConnectionQueue } from "../queue/connection-queue";
import { HandoverError, batchUnitOf, isDistributed, type BatchUnit, type DistributedQueue } from "../queue/distributed-queue";
import type { ContentClaim, ContentRepository } from "./content-claim";
import { FlowFileRecord, nextSequence } from "./flowfile";
import type { AttributeDelta, FlowFileRepository } from "./flowfile-repository";
import type { ProvenanceEventGroup, ProvenanceEventInput, ProvenanceEventType, ProvenanceRepository } from "./provenance";
import type { ConnectionField, ProcessorField, RollingStats } from "./stats";

/** Where a relationship leads: zero or more queues, or auto-termination. */
export interface RouteTarget {
  readonly queues: readonly ConnectionQueue[];
  readonly autoTerminate: boolean;
}

/** What the session needs from the processor node that owns it. */
export interface SessionHost {
  readonly componentId: string;
  readonly componentType: string;
  readonly incoming: readonly ConnectionQueue[];
  readonly penaltyMs: number;
  readonly batchSize: number;
  readonly content: ContentRepository;
  readonly flowFiles: FlowFileRepository;
  readonly provenance: ProvenanceRepository;
  readonly stats: RollingStats<ProcessorField>;
  /**
   * True when some outgoing connection is distributed: commits may then hand FlowFiles over to
   * the cluster (`commitAsync`). False keeps the commit synchronous with no extra check.
   */
  readonly distributedOut?: boolean;
  /**
   * The batch-id key of a handover by a session that took no FlowFiles (a source); undefined
   * gives a fresh one. `handover` is what the session hands over, per distributed connection,
   * in order; `onCommitted` adds a callback for when the session's commit is durable (after the
   * processor's own). Contract: two sessions get the same key only when the second one's
   * FlowFiles are a repeat of the first one's (the cluster adds their batches once), never for
   * different work, which would be lost. @default fresh keys
   */
  sourceHandoverKey?(handover: ReadonlyMap<DistributedQueue, readonly FlowFileRecord[]>, onCommitted: (callback: () => void) => void): string | undefined;
  /**
   * Told before a processor commits inside onTrigger (`commit()`); throws when that cannot be
   * done now (an earlier commit of the processor is still in flight and must land first).
   */
  explicitCommit?(): void;
  /** Relationship → target, or undefined when the processor has no such relationship. */
  route(relationship: string): RouteTarget | undefined;
  connectionStats(queueId: string): RollingStats<ConnectionField> | undefined;
  /** Group commit: run these after the next durable flush (or report a failure). */
  afterDurable(onCommitted: ReadonlyArray<() => void | Promise<void>>, onFailure: ReadonlyArray<(e: Error) => void>): void;
  now(): number;
}

/** Why a session rolls back after an earlier one of its processor did (see commitAsync's `after`). */
const EARLIER_ROLLED_BACK = "an earlier session of this processor rolled back; this one follows it";

type CreationType = "CREATE" | "FORK" | "JOIN" | "CLONE" | null;

interface ExplicitEvent {
  type: ProvenanceEventType;
  transitUri: string | null;
  details: string | null;
  relationship: string | null;
}

/** The SEND events of FlowFiles handed over to one distributed connection, built as staged. */
interface SendGroup extends ProvenanceEventGroup {
  readonly queue: DistributedQueue;
  readonly flowFiles: FlowFileRecord[];
}

/** A commit being staged (see `StandardProcessSession.stage`). */
interface Staged {
  readonly events: ProvenanceEventInput[];
  /** SEND events, registered after `events` (see ProvenanceEventGroup). */
  readonly sends: SendGroup[];
  /**
   * FlowFiles made here from nothing (a plain CREATE: no parents, no explicit event), whose
   * CREATEs are registered as one group before `events` (see registerEvents).
   */
  readonly created: FlowFileRecord[];
  readonly putQueues: ConnectionQueue[];
  readonly putFlowFiles: FlowFileRecord[];
  readonly acks: Map<ConnectionQueue, [number, number]>;
  /** Content reference changes, applied once the commit is staged whole. */
  readonly increments: ContentClaim[];
  readonly decrements: ContentClaim[];
  /** FlowFiles leaving this node for distributed connections (handed over before the commit lands). */
  readonly handover: Map<DistributedQueue, FlowFileRecord[]>;
  /** FlowFiles taken from distributed connections' batches (settled once the commit is durable). */
  readonly unitAcks: Map<DistributedQueue, FlowFileRecord[]>;
  inCount: number;
  inBytes: number;
  outCount: number;
  outBytes: number;
}

/** Staged state of one FlowFile in this session. */
interface Rec {
  session: StandardProcessSession;
  original: FlowFileRecord | null;
  current: FlowFileRecord;
  source: ConnectionQueue | null;
  /** Relationship name, SELF (back to source), or null (not yet accounted for). */
  dest: string | null;
  removed: boolean;
  attrsChanged: boolean;
  contentChanged: boolean;
  creation: CreationType;
  parents: string[] | null;
  children: Rec[] | null;
  explicit: ExplicitEvent[] | null;
}

const SELF = "\u0000self";

export class StandardProcessSession implements ProcessSession<string> {
  /** Every FlowFile staged in this session (each version points back at its record via `owner`). */
  private records: Rec[] = [];
  private expired: Array<{ ff: FlowFileRecord; source: ConnectionQueue }> = [];
  private committed: Array<() => void | Promise<void>> = [];
  private failures: Array<(e: Error) => void> = [];
  private pollIndex = 0;
  /** FlowFiles taken from incoming queues in this session (not created ones). */
  private takenCount = 0;
  /** Holds a suspect batch's FlowFiles (BatchUnit.suspect): takes nothing more. */
  private isolated = false;
  private readBytes = 0;
  private writtenBytes = 0;
  readonly provenance: ProvenanceReporter;
  /** FlowFiles committed by this session so far (idle detection reads it). */
  committedCount = 0;
  private pipelinableHandover = false;

  constructor(private readonly host: SessionHost) {
    const explicit = (type: ProvenanceEventType) => (ff: FlowFile, arg: string, details?: string) => {
      const rec = this.recordOf(ff);
      if (typeof arg !== "string") throw new FlowFileHandlingError(`provenance ${type}: expected a string, got ${typeof arg}`);
      if (details !== undefined && typeof details !== "string") throw new FlowFileHandlingError(`provenance ${type}: details must be a string, got ${typeof details}`);
      (rec.explicit ??= []).push({
        type,
        transitUri: type === "ROUTE" ? null : arg,
        relationship: type === "ROUTE" ? arg : null,
        details: details ?? null,
      });
    };
    this.provenance = {
      receive: explicit("RECEIVE"),
      fetch: explicit("FETCH"),
      send: explicit("SEND"),
      route: explicit("ROUTE"),
      create: (ff, details) => explicit("CREATE")(ff, "", details),
    };
  }

  /** FlowFiles taken or created and not yet committed (for checkpoints: originals per queue). */
  takenOriginals(): Array<{ queue: ConnectionQueue; ff: FlowFileRecord }> {
    const out: Array<{ queue: ConnectionQueue; ff: FlowFileRecord }> = [];
    for (const r of this.records) if (r.original && r.source) out.push({ queue: r.source, ff: r.original });
    for (const e of this.expired) out.push({ queue: e.source, ff: e.ff });
    return out;
  }

  get(): FlowFile | null;
  get(max: number): FlowFile[];
  get(max?: number): FlowFile | null | FlowFile[] {
    if (max === undefined) {
      const one = this.take(1);
      return one[0] ?? null;
    }
    return this.take(max);
  }

  getBatch(): FlowFile[] {
    return this.take(this.host.batchSize);
  }

  private take(max: number): FlowFileRecord[] {
    const incoming = this.host.incoming;
    const out: FlowFileRecord[] = [];
    if (incoming.length === 0 || max <= 0 || this.isolated) return out;
    const now = this.host.now();
    const expired: FlowFileRecord[] = [];
    for (let i = 0; i < incoming.length && out.length < max && !this.isolated; i++) {
      const q = incoming[(this.pollIndex + i) % incoming.length] as ConnectionQueue;
      if (!q.hasAvailable(now)) continue;
      const got = isDistributed(q) ? q.poll(max - out.length, now, expired, this.takenCount + out.length === 0) : q.poll(max - out.length, now, expired);
      if (got.length > 0 && batchUnitOf(got[0]!)?.suspect === true) this.isolated = true;
      for (const ff of got) {
        const rec: Rec = {
          session: this,
          original: ff,
          current: ff,
          source: q,
          dest: null,
          removed: false,
          attrsChanged: false,
          contentChanged: false,
          creation: null,
          parents: null,
          children: null,
          explicit: null,
        };
        ff.owner = rec;
        this.records.push(rec);
        out.push(ff);
      }
      for (const ff of expired) this.expired.push({ ff, source: q });
      expired.length = 0;
    }
    this.takenCount += out.length;
    this.pollIndex = (this.pollIndex + 1) % incoming.length;
    return out;
  }

  create(parents?: FlowFile | ReadonlyArray<FlowFile>): FlowFile {
    const now = this.host.now();
    const list = parents === undefined ? [] : Array.isArray(parents) ? (parents as FlowFile[]) : [parents as FlowFile];
    if (list.length === 0) {
      const ff = FlowFileRecord.create({}, now);
      this.newRec(ff, "CREATE", null);
      return ff;
    }
    const parentRecs = list.map((p) => this.recordOf(p));
    const lineage = Math.min(...parentRecs.map((r) => r.current.lineageStartDate));
    // One parent: inherit its attributes (NiFi). Several: keep only attributes they all share.
    let attrs: Record<string, string>;
    if (parentRecs.length === 1) attrs = { ...(parentRecs[0] as Rec).current.attributes };
    else {
      attrs = { ...(parentRecs[0] as Rec).current.attributes };
      for (const r of parentRecs.slice(1)) for (const k of Object.keys(attrs)) if (r.current.attributes[k] !== attrs[k]) delete attrs[k];
    }
    const ff = FlowFileRecord.create(attrs, now, lineage);
    const type: CreationType = parentRecs.length === 1 ? "FORK" : "JOIN";
    const child = this.newRec(ff, type, parentRecs.map((r) => r.current.uuid));
    for (const r of parentRecs) (r.children ??= []).push(child);
    return ff;
  }

  clone(flowFile: FlowFile, offset?: number, length?: number): FlowFile {
    const rec = this.recordOf(flowFile);
    const src = rec.current;
    let claim = src.claim;
    if (claim && (offset !== undefined || length !== undefined)) {
      const o = offset ?? 0;
      const l = Math.min(length ?? claim.length - o, claim.length - o);
      if (o < 0 || o > claim.length || l < 0) throw new FlowFileHandlingError(`clone range ${o}+${l} outside content of ${claim.length} bytes`);
      // The slice's bytes come from the whole claim's (a slice never carries `text`).
      const whole = claim.data ?? (claim.text !== undefined ? this.host.content.read(claim) : undefined);
      claim = claim.slice(o, l, whole?.subarray(o, o + l));
    }
    const uuid = newUuid();
    const ff = new FlowFileRecord(uuid, { ...src.attributes, uuid }, claim, this.host.now(), src.lineageStartDate, 0, nextSequence());
    (rec.children ??= []).push(this.newRec(ff, "CLONE", [src.uuid]));
    return ff;
  }

  putAttribute(flowFile: FlowFile, key: string, value: string): FlowFile {
    if (key === "uuid") return this.recordOf(flowFile).current;
    const rec = this.recordOf(flowFile);
    if (typeof value !== "string") throw attributeTypeError(key, value);
    const attrs = { ...rec.current.attributes };
    attrs[key] = value;
    return this.setAttrs(rec, attrs);
  }

  putAllAttributes(flowFile: FlowFile, attributes: Readonly<Record<string, string>>): FlowFile {
    const rec = this.recordOf(flowFile);
    const attrs: Record<string, string> = { ...rec.current.attributes };
    for (const k in attributes) {
      if (k === "uuid") continue;
      const v = attributes[k];
      if (typeof v !== "string") throw attributeTypeError(k, v);
      attrs[k] = v;
    }
    return this.setAttrs(rec, attrs);
  }

  removeAttribute(flowFile: FlowFile, key: string): FlowFile {
    const rec = this.recordOf(flowFile);
    if (key === "uuid" || !(key in rec.current.attributes)) return rec.current;
    const attrs = { ...rec.current.attributes };
    delete attrs[key];
    return this.setAttrs(rec, attrs);
  }

  removeAllAttributes(flowFile: FlowFile, keys: ReadonlyArray<string> | RegExp): FlowFile {
    const rec = this.recordOf(flowFile);
    const attrs = { ...rec.current.attributes };
    for (const k of Object.keys(attrs)) {
      if (k === "uuid") continue;
      if (keys instanceof RegExp ? keys.test(k) : keys.includes(k)) delete attrs[k];
    }
    return this.setAttrs(rec, attrs);
  }

  read(flowFile: FlowFile): Buffer {
    const rec = this.recordOf(flowFile);
    const claim = rec.current.claim;
    if (claim === null) return EMPTY;
    const data = this.host.content.read(claim);
    this.readBytes += data.length;
    return data;
  }

  readText(flowFile: FlowFile): string {
    const claim = this.recordOf(flowFile).current.claim;
    // Written as text (ContentClaim.text): no decoding.
    if (claim !== null && claim.text !== undefined) {
      this.readBytes += claim.length;
      return claim.text;
    }
    return this.read(flowFile).toString("utf8");
  }

  write(flowFile: FlowFile, content: Buffer | string): FlowFile {
    const rec = this.recordOf(flowFile);
    let claim: ContentClaim | null;
    if (content.length === 0) claim = null;
    else if (typeof content === "string") claim = this.host.content.writeText(content);
    else claim = this.host.content.write(content);
    this.writtenBytes += claim === null ? 0 : claim.length;
    rec.contentChanged = true;
    return this.advance(rec, rec.current.withClaim(claim));
  }

  append(flowFile: FlowFile, content: Buffer | string): FlowFile {
    const rec = this.recordOf(flowFile);
    const extra = typeof content === "string" ? Buffer.from(content, "utf8") : content;
    const existing = rec.current.claim ? this.host.content.read(rec.current.claim) : EMPTY;
    return this.write(rec.current, Buffer.concat([existing, extra]));
  }

  transfer(flowFile: FlowFile, relationship: string): void {
    const rec = this.recordOf(flowFile);
    if (this.host.route(relationship) === undefined) {
      throw new FlowFileHandlingError(`${this.host.componentType} has no relationship "${relationship}"`);
    }
    rec.dest = relationship;
  }

  transferDynamic(flowFile: FlowFile, relationship: string): void {
    this.transfer(flowFile, relationship);
  }

  transferBack(flowFile: FlowFile): void {
    const rec = this.recordOf(flowFile);
    if (rec.source === null) throw new FlowFileHandlingError("only a FlowFile taken from a queue can be transferred back");
    rec.dest = SELF;
  }

  remove(flowFile: FlowFile): void {
    const rec = this.recordOf(flowFile);
    rec.removed = true;
    rec.dest = null;
  }

  penalize(flowFile: FlowFile): FlowFile {
    const rec = this.recordOf(flowFile);
    return this.advance(rec, rec.current.withPenalty(this.host.now() + this.host.penaltyMs));
  }

  onCommitted(callback: () => void | Promise<void>): void {
    this.committed.push(callback);
  }

  onFailure(callback: (error: Error) => void): void {
    this.failures.push(callback);
  }

  /** Number of FlowFiles staged (taken or created). */
  get size(): number {
    return this.records.length + this.expired.length;
  }

  /**
   * The SDK's commit, for a processor that commits inside onTrigger. A commit that would hand
   * FlowFiles over to a distributed connection cannot complete synchronously: it is refused
   * here (nothing changes) and must be left to the framework (`commitAsync`).
   */
  commit(): void {
    this.host.explicitCommit?.();
    if (this.host.distributedOut && this.handsOver()) {
      throw new FlowFileHandlingError(
        `${this.host.componentType} ${this.host.componentId}: session.commit() inside onTrigger cannot hand FlowFiles over to a distributed connection; return from onTrigger and the framework commits`,
      );
    }
    this.commitLocal();
  }

  /**
   * The framework's commit. Without a transfer to a distributed connection it is `commit()`,
   * synchronous. With one, the FlowFiles for the cluster are handed over first, durably, and
   * only then does the local commit land (the session's inputs are acknowledged): a crash in
   * between sends them again (at-least-once; the batch ids make a retry within the dedupe window
   * a no-op), never loses them. A failed handover rejects and changes nothing here; the caller
   * rolls back. `after`: an earlier commit of the same processor still in flight (true once it
   * committed, false once it rolled back); this commit lands after it, and rejects with a
   * HandoverError, changing nothing here, when it rolled back.
   */
  commitAsync(after?: Promise<boolean>): void | Promise<void> {
    if (!this.host.distributedOut || !this.handsOver()) {
      if (!after) {
        this.commitLocal();
        return;
      }
      return after.then((ok) => {
        if (!ok) throw new HandoverError(EARLIER_ROLLED_BACK);
        this.commitLocal();
      });
    }
    return this.commitWithHandover(after);
  }

  /**
   * True when this session's commit hands FlowFiles over to distributed connections of
   * unordered strategies only (not partition by attribute): its batches may reach the cluster
   * in any order relative to the next session's (see ProcessorNode's pipelined handovers).
   * Meaningful once `commitAsync` has started.
   */
  get pipelinable(): boolean {
    return this.pipelinableHandover;
  }

  /** True when some FlowFile is transferred to a relationship that leads to a distributed connection. */
  private handsOver(): boolean {
    for (const rec of this.records) {
      if (rec.removed || rec.dest === null) continue;
      if (rec.dest === SELF) {
        if (rec.source && isDistributed(rec.source)) return true;
        continue;
      }
      const t = this.host.route(rec.dest);
      if (t && !t.autoTerminate && t.queues.some(isDistributed)) return true;
    }
    return false;
  }

  private async commitWithHandover(after?: Promise<boolean>): Promise<void> {
    const host = this.host;
    this.checkAccounted();
    const now = host.now();
    const staged = newStaged();
    // Staged against a recorder: the WAL frame cannot stay open across the handover (other
    // sessions commit meanwhile), so its records are written once the handover is durable.
    const recorder = new RecordingRepository();
    this.stage(now, staged, recorder);
    this.pipelinableHandover = true;
    for (const q of staged.handover.keys()) if (q.ref.strategy === "partition-by-attribute") this.pipelinableHandover = false;
    const key = handoverKey(host.componentId, this.records) ?? host.sourceHandoverKey?.(staged.handover, (cb) => this.committed.push(cb)) ?? newUuid();
    for (const [q, ffs] of staged.handover) await q.handover(ffs, key, (claim) => host.content.read(claim));
    // Commits land in trigger order: an earlier session of this processor still committing is
    // waited for, and one that rolled back rolls this one back too (what this one handed over
    // stays in the cluster; the retry hands it over again: at least once).
    if (after && !(await after)) throw new HandoverError(EARLIER_ROLLED_BACK);
    const wal = host.flowFiles;
    wal.beginCommit();
    try {
      recorder.replay(wal);
      this.registerEvents(staged, now);
    } catch (error) {
      wal.abortCommit();
      throw error;
    }
    wal.endCommit();
    this.apply(now, staged);
  }

  /**
   * Registers the staged events and groups in one all-or-nothing call: the CREATE group first,
   * then the single events, then the SEND groups. Why the CREATEs first: nothing in the session
   * comes before a FlowFile it made from nothing, so their ids may lead; and as a group they
   * cost a durable repository about half as much as one by one, and a SEND group of the same
   * FlowFiles (a source handing its output to a distributed connection) is written as a
   * reference to it (see FileProvenanceRepository.register).
   */
  private registerEvents(staged: Staged, now: number): void {
    const { events, sends, created } = staged;
    if (events.length === 0 && sends.length === 0 && created.length === 0) return;
    let creations: ProvenanceEventGroup[] | undefined;
    if (created.length > 0) {
      creations = [
        {
          type: "CREATE",
          timestamp: now,
          componentId: this.host.componentId,
          componentType: this.host.componentType,
          relationship: null,
          details: null,
          transitUri: null,
          sourceQueueId: null,
          created: true,
          flowFiles: created,
          previousClaims: new Array<null>(created.length).fill(null),
        },
      ];
    }
    this.host.provenance.register(events, sends, creations);
  }

  /** Throws FlowFileAccountingError when a FlowFile was neither transferred nor removed. */
  private checkAccounted(): void {
    const host = this.host;
    const unaccounted: string[] = [];
    for (const rec of this.records) if (!rec.removed && rec.dest === null) unaccounted.push(rec.current.uuid);
    if (unaccounted.length > 0) {
      throw new FlowFileAccountingError(
        `${host.componentType} ${host.componentId}: ${unaccounted.length} FlowFile(s) neither transferred nor removed (first: ${unaccounted[0]})`,
      );
    }
  }

  private commitLocal(): void {
    const host = this.host;
    // Check everything first: a failed commit must change nothing.
    this.checkAccounted();
    if (this.records.length === 0 && this.expired.length === 0) {
      this.finishCallbacks();
      return;
    }

    const now = host.now();
    const wal = host.flowFiles;
    const staged = newStaged();

    wal.beginCommit();
    try {
      this.stage(now, staged, wal);
      // Inside the frame: an event the repository refuses (it checks its input) aborts the
      // whole commit, before anything is applied in memory.
      this.registerEvents(staged, now);
    } catch (error) {
      // Left open, the frame would fail every later flush; nothing of it may be written.
      wal.abortCommit();
      throw error;
    }
    wal.endCommit();
    this.apply(now, staged);
  }

  /** Applies a staged commit whose WAL frame and provenance events are written. */
  private apply(now: number, staged: Staged): void {
    const host = this.host;
    const content = host.content;
    const { putQueues, putFlowFiles, acks } = staged;
    this.committedCount += this.records.length + this.expired.length;

    // Everything is staged; now the in-memory effects. Increments first, so that content that is
    // both released and taken again in this commit never drops to zero references.
    for (const claim of staged.increments) content.incrementRef(claim);
    for (const claim of staged.decrements) content.decrementRef(claim);
    for (const [q, [count, bytes]] of acks) {
      q.acknowledge(count, bytes);
      const cs = host.connectionStats(q.id);
      if (cs) cs.addMany({ out: count, outBytes: bytes }, now);
    }
    for (const [q, ffs] of staged.unitAcks) {
      q.acknowledgeUnits(ffs);
      let bytes = 0;
      for (const ff of ffs) bytes += ff.size;
      host.connectionStats(q.id)?.addMany({ out: ffs.length, outBytes: bytes }, now);
      // The batch is done in the cluster only once this commit is durable here.
      this.committed.push(() => q.settleCommitted(ffs));
    }
    for (const [q, ffs] of staged.handover) {
      let bytes = 0;
      for (const ff of ffs) bytes += ff.size;
      host.connectionStats(q.id)?.addMany({ in: ffs.length, inBytes: bytes }, now);
    }
    // Statistics are added once per destination queue, not once per FlowFile.
    let statQueue: ConnectionQueue | null = null;
    let statCount = 0;
    let statBytes = 0;
    for (let i = 0; i < putQueues.length; i++) {
      const q = putQueues[i] as ConnectionQueue;
      const ff = putFlowFiles[i] as FlowFileRecord;
      q.put(ff, now);
      if (q !== statQueue) {
        if (statQueue) host.connectionStats(statQueue.id)?.addMany({ in: statCount, inBytes: statBytes }, now);
        statQueue = q;
        statCount = 0;
        statBytes = 0;
      }
      statCount++;
      statBytes += ff.size;
    }
    if (statQueue) host.connectionStats(statQueue.id)?.addMany({ in: statCount, inBytes: statBytes }, now);
    host.stats.addMany(
      { in: staged.inCount, inBytes: staged.inBytes, out: staged.outCount, outBytes: staged.outBytes, read: this.readBytes, written: this.writtenBytes },
      now,
    );
    this.reset();
    this.finishCallbacks();
  }

  /**
   * Stages the commit: the WAL frame's records, provenance events, queue puts, acknowledgements
   * and content reference changes, in collections the caller applies once everything is staged.
   * Changes nothing in memory, so an error here leaves the session as it was.
   */
  private stage(now: number, staged: Staged, wal: Pick<FlowFileRepository, "upsert" | "delete">): void {
    const host = this.host;
    const { events, putQueues, putFlowFiles, acks, increments, decrements } = staged;
    for (const { ff, source } of this.expired) {
      this.ack(acks, source, ff);
      wal.delete(ff.uuid);
      if (ff.claim) decrements.push(ff.claim);
      events.push(this.event("EXPIRE", ff, now, null, null, "Expiration threshold exceeded", source.id));
    }

    for (const rec of this.records) {
      const orig = rec.original;
      const cur = rec.current;
      // Taken from a distributed connection's batch: never in this node's WAL.
      let fromUnit = false;
      if (orig && rec.source) {
        if (isDistributed(rec.source) && rec.source.isUnitFlowFile(orig)) {
          fromUnit = true;
          pushTo(staged.unitAcks, rec.source, orig);
        } else this.ack(acks, rec.source, orig);
        staged.inCount++;
        staged.inBytes += orig.size;
      }
      const delta = rec.attrsChanged && orig ? diffAttributes(orig.attributes, cur.attributes) : null;
      const sourceId = rec.source ? rec.source.id : null;

      // Provenance: creation, explicit, then content/attribute changes.
      if (rec.creation === "CREATE" && rec.parents === null && rec.explicit === null) staged.created.push(cur);
      else if (rec.creation) {
        const e = this.event(rec.creation, cur, now, null, orig, null, sourceId);
        e.parentUuids = rec.parents ?? EMPTY_LIST;
        events.push(e);
      }
      if (rec.children && rec.children.length) {
        const type = this.parentEventType(rec.children);
        const e = this.event(type, cur, now, null, orig, null, sourceId);
        e.childUuids = rec.children.map((c) => c.current.uuid);
        events.push(e);
      }
      let hasEvent = rec.creation !== null;
      if (rec.explicit) {
        for (const x of rec.explicit) {
          if (x.type === "CREATE" && rec.creation === "CREATE") {
            const first = events.find((e) => e.flowFileUuid === cur.uuid && e.type === "CREATE");
            if (first) first.details = x.details;
            continue;
          }
          const e = this.event(x.type, cur, now, x.relationship, orig, x.details, sourceId);
          e.transitUri = x.transitUri;
          if (delta) this.fillDelta(e, orig, delta);
          events.push(e);
          hasEvent = true;
        }
      }
      if (rec.contentChanged && orig) {
        const e = this.event("CONTENT_MODIFIED", cur, now, null, orig, null, sourceId);
        if (delta) this.fillDelta(e, orig, delta);
        events.push(e);
        hasEvent = true;
      }
      if (delta && orig && !hasEvent) {
        const e = this.event("ATTRIBUTES_MODIFIED", cur, now, null, orig, null, sourceId);
        this.fillDelta(e, orig, delta);
        events.push(e);
      }

      const origClaim = orig ? orig.claim : null;
      if (rec.removed) {
        if (orig) {
          wal.delete(cur.uuid);
          if (origClaim) decrements.push(origClaim);
          events.push(this.event("DROP", cur, now, null, orig, null, sourceId));
        }
        continue;
      }
      // Transferred somewhere.
      let queues: readonly ConnectionQueue[];
      if (rec.dest === SELF) queues = [rec.source as ConnectionQueue];
      else {
        const target = host.route(rec.dest as string) as RouteTarget;
        if (target.autoTerminate || target.queues.length === 0) {
          if (orig) {
            wal.delete(cur.uuid);
            if (origClaim) decrements.push(origClaim);
          }
          events.push(this.event("DROP", cur, now, rec.dest, orig, `Auto-terminated by ${rec.dest} relationship`, sourceId));
          continue;
        }
        queues = target.queues;
        staged.outCount++;
        staged.outBytes += cur.size;
      }
      if (cur.claim !== origClaim) {
        if (cur.claim) increments.push(cur.claim);
        if (origClaim) decrements.push(origClaim);
      }
      const q0 = queues[0] as ConnectionQueue;
      if (isDistributed(q0)) {
        // Leaves this node: no WAL record, no queue reference; the cluster holds it now.
        if (orig && !fromUnit) wal.delete(cur.uuid);
        // Undo the reference a queue would hold: a new claim gets none, the original's goes.
        if (cur.claim !== origClaim) {
          if (cur.claim) increments.pop();
        } else if (origClaim) decrements.push(origClaim);
        pushTo(staged.handover, q0, cur);
        this.stageSend(staged, cur, now, q0, rec.dest === SELF ? null : rec.dest, sourceId);
      } else {
        // A FlowFile from a batch is new to this node's WAL: a whole record, not a delta.
        wal.upsert(q0.id, cur, orig && !fromUnit ? delta : undefined);
        putQueues.push(q0);
        putFlowFiles.push(cur);
      }
      // One relationship, several connections: every extra connection gets a clone (NiFi).
      for (let i = 1; i < queues.length; i++) {
        const q = queues[i] as ConnectionQueue;
        const uuid = newUuid();
        const copy = new FlowFileRecord(uuid, { ...cur.attributes, uuid }, cur.claim, cur.entryDate, cur.lineageStartDate, cur.penaltyExpiration, nextSequence());
        const e = this.event("CLONE", copy, now, rec.dest, null, null, sourceId);
        e.parentUuids = [cur.uuid];
        events.push(e);
        if (isDistributed(q)) {
          pushTo(staged.handover, q, copy);
          this.stageSend(staged, copy, now, q, rec.dest, sourceId);
        } else {
          if (copy.claim) increments.push(copy.claim);
          wal.upsert(q.id, copy, undefined);
          putQueues.push(q);
          putFlowFiles.push(copy);
        }
        staged.outCount++;
        staged.outBytes += copy.size;
      }
      if (rec.dest !== SELF && !isDistributed(q0)) {
        // The final routing of an existing FlowFile is part of its last event, for lineage views
        // (a FlowFile handed over has its SEND last, which names it).
        const last = events[events.length - 1];
        if (last !== undefined && last.flowFileUuid === cur.uuid && last.relationship === null) last.relationship = rec.dest;
      }
    }
  }

  /**
   * Puts every FlowFile taken back where it came from (penalized when asked). `failure` says
   * the processor failed on them. When every FlowFile taken came from one batch of a
   * distributed connection, that batch fails as a whole (the cluster retries it, then
   * dead-letters it) instead of returning. When they came from several batches, or from a batch
   * and a local queue, nothing says which one failed: the batches return uncounted, marked
   * suspect, and each is tried next in a session of its own (DistributedQueue.poll), where a
   * failure is its own.
   */
  rollback(penalize = false, failure?: Error): void {
    const now = this.host.now();
    let blame: "one" | "many" = "one";
    if (failure) {
      let unit: BatchUnit | undefined;
      for (const rec of this.records) {
        if (!rec.original || !rec.source) continue;
        const u = isDistributed(rec.source) && rec.source.isUnitFlowFile(rec.original) ? batchUnitOf(rec.original) : undefined;
        if (u === undefined || (unit !== undefined && u !== unit)) {
          blame = "many";
          break;
        }
        unit = u;
      }
    }
    // Last first: each FlowFile of a batch goes back to the head of what is left of it, so
    // they come again in the order they were taken (per-key order of a partitioned connection).
    for (let i = this.records.length - 1; i >= 0; i--) {
      const rec = this.records[i]!;
      const orig = rec.original;
      const source = rec.source;
      if (orig && source) {
        if (isDistributed(source) && source.isUnitFlowFile(orig)) {
          const unit = batchUnitOf(orig)!;
          source.requeueUnit(orig);
          if (failure && blame === "one") source.failUnit(unit, failure);
          else if (failure) unit.suspect = true;
          continue;
        }
        const back = penalize ? orig.withPenalty(now + this.host.penaltyMs) : orig;
        source.requeue(back, now);
      }
    }
    for (const { ff, source } of this.expired) source.requeue(ff, now);
    const failures = this.failures;
    this.reset();
    this.committed = [];
    this.failures = [];
    const err = new Error("session rolled back");
    for (const f of failures) f(err);
  }

  private finishCallbacks(): void {
    if (this.committed.length || this.failures.length) this.host.afterDurable(this.committed, this.failures);
    this.committed = [];
    this.failures = [];
  }

  private reset(): void {
    for (const rec of this.records) {
      rec.current.owner = null;
      if (rec.original) rec.original.owner = null;
    }
    this.records = [];
    this.expired = [];
    this.takenCount = 0;
    this.isolated = false;
    this.readBytes = 0;
    this.writtenBytes = 0;
  }

  private ack(acks: Map<ConnectionQueue, [number, number]>, q: ConnectionQueue, ff: FlowFileRecord): void {
    const a = acks.get(q);
    if (a) {
      a[0]++;
      a[1] += ff.size;
    } else acks.set(q, [1, ff.size]);
  }

  private parentEventType(children: Rec[]): ProvenanceEventType {
    const first = children[0];
    if (first?.creation === "CLONE") return "CLONE";
    if (first?.creation === "JOIN") return "JOIN";
    return "FORK";
  }

  /** Stages a FlowFile made in this session. */
  private newRec(ff: FlowFileRecord, creation: CreationType, parents: string[] | null): Rec {
    const rec: Rec = {
      session: this,
      original: null,
      current: ff,
      source: null,
      dest: null,
      removed: false,
      attrsChanged: true,
      contentChanged: ff.claim !== null,
      creation,
      parents,
      children: null,
      explicit: null,
    };
    ff.owner = rec;
    this.records.push(rec);
    return rec;
  }

  /** Makes `next` the staged version of `rec`'s FlowFile. Older versions keep pointing at the
   * record, so using one is reported as outdated. */
  private advance(rec: Rec, next: FlowFileRecord): FlowFileRecord {
    next.owner = rec;
    rec.current = next;
    return next;
  }

  private setAttrs(rec: Rec, attrs: Record<string, string>): FlowFileRecord {
    rec.attrsChanged = true;
    return this.advance(rec, rec.current.withAttributes(attrs));
  }

  /**
   * The record of `ff`, which must be its latest version, staged in this session and not
   * removed (the ProcessSession contract); every method taking a FlowFile starts here, before
   * it changes anything.
   */
  private recordOf(ff: FlowFile): Rec {
    const rec = (ff as FlowFileRecord).owner as Rec | null | undefined;
    if (rec === null || rec === undefined || rec.session !== this) throw new FlowFileHandlingError(`FlowFile ${ff.uuid} does not belong to this session`);
    if (rec.current !== ff) {
      throw new FlowFileHandlingError(`FlowFile ${ff.uuid} is not the latest version; use the value returned by the last session call`);
    }
    if (rec.removed) throw new FlowFileHandlingError(`FlowFile ${ff.uuid} was removed in this session`);
    return rec;
  }

  /**
   * SEND: the FlowFile left this node for a distributed connection (its content as it is: a
   * change of content has an event of its own). It joins the group of the last SEND staged to
   * `q` when that has the same relationship and source queue.
   */
  private stageSend(
    staged: Staged,
    ff: FlowFileRecord,
    now: number,
    q: DistributedQueue,
    relationship: string | null,
    sourceQueueId: string | null,
  ): void {
    const sends = staged.sends;
    let g: SendGroup | undefined;
    for (let i = sends.length - 1; i >= 0; i--) {
      if (sends[i]!.queue === q) {
        g = sends[i];
        break;
      }
    }
    if (g === undefined || g.relationship !== relationship || g.sourceQueueId !== sourceQueueId) {
      g = {
        queue: q,
        type: "SEND",
        timestamp: now,
        componentId: this.host.componentId,
        componentType: this.host.componentType,
        relationship,
        details: q.sendDetails,
        transitUri: q.transitUri,
        sourceQueueId,
        created: false,
        flowFiles: [],
        previousClaims: null,
      };
      sends.push(g);
    }
    g.flowFiles.push(ff);
  }

  private event(
    type: ProvenanceEventType,
    ff: FlowFileRecord,
    now: number,
    relationship: string | null,
    orig: FlowFileRecord | null,
    details: string | null,
    sourceQueueId: string | null,
  ): ProvenanceEventInput {
    const created = orig === null && (type === "CREATE" || type === "FORK" || type === "JOIN" || type === "CLONE" || type === "RECEIVE");
    return {
      type,
      timestamp: now,
      flowFileUuid: ff.uuid,
      fileSize: ff.size,
      lineageStartDate: ff.lineageStartDate,
      componentId: this.host.componentId,
      componentType: this.host.componentType,
      parentUuids: EMPTY_LIST,
      childUuids: EMPTY_LIST,
      previousAttributes: EMPTY_DELTA,
      updatedAttributes: created ? (ff.attributes as Record<string, string>) : EMPTY_DELTA,
      attributes: ff.attributes as Record<string, string>,
      // The claim itself serves as the reference (no copy per event): it is immutable, and in
      // volatile mode its cached bytes are what lets provenance show content at all.
      previousClaim: orig ? orig.claim : null,
      currentClaim: ff.claim,
      relationship,
      details,
      transitUri: null,
      sourceQueueId,
      // Set by the repository; declared here so every event object has one shape.
      eventId: -1,
    } as ProvenanceEventInput;
  }

  private fillDelta(e: ProvenanceEventInput, orig: FlowFileRecord | null, delta: AttributeDelta): void {
    const prev: Record<string, string | null> = {};
    for (const k in delta) prev[k] = orig ? (orig.attributes[k] ?? null) : null;
    e.previousAttributes = prev;
    e.updatedAttributes = delta;
  }
}

function newStaged(): Staged {
  return {
    events: [],
    sends: [],
    created: [],
    putQueues: [],
    putFlowFiles: [],
    acks: new Map(),
    increments: [],
    decrements: [],
    handover: new Map(),
    unitAcks: new Map(),
    inCount: 0,
    inBytes: 0,
    outCount: 0,
    outBytes: 0,
  };
}

function pushTo<K, V>(m: Map<K, V[]>, k: K, v: V): void {
  const list = m.get(k);
  if (list) list.push(v);
  else m.set(k, [v]);
}

/**
 * The key a session's handover batches are named after, derived from what the session took
 * (the same inputs processed again, on any node, after a crash give the same batch ids, which
 * the cluster adds once); null for a session that took nothing (a source: its host names it,
 * see SessionHost.sourceHandoverKey).
 */
function handoverKey(componentId: string, records: readonly Rec[]): string | null {
  const inputs: string[] = [];
  for (const r of records) if (r.original) inputs.push(r.original.uuid);
  if (inputs.length === 0) return null;
  inputs.sort();
  return createHash("sha256").update(componentId).update("\u0000").update(inputs.join(",")).digest("base64url").slice(0, 24);
}

/** Records WAL calls so they can be written later, in one frame (see commitWithHandover). */
class RecordingRepository implements Pick<FlowFileRepository, "upsert" | "delete"> {
  private readonly ops: Array<(wal: FlowFileRepository) => void> = [];
  upsert(queueId: string, ff: FlowFileRecord, delta: AttributeDelta | null | undefined): void {
    this.ops.push((wal) => wal.upsert(queueId, ff, delta));
  }
  delete(uuid: string): void {
    this.ops.push((wal) => wal.delete(uuid));
  }
  replay(wal: FlowFileRepository): void {
    for (const op of this.ops) op(wal);
  }
}

/** Attribute values are strings (NiFi): anything else would reach the WAL and provenance. */
function attributeTypeError(key: string, value: unknown): FlowFileHandlingError {
  return new FlowFileHandlingError(`attribute "${key}" must be a string, got ${value === null ? "null" : typeof value}`);
}

const EMPTY = Buffer.alloc(0);
const EMPTY_LIST: string[] = [];
const EMPTY_DELTA: Record<string, string | null> = {};

/** Keys whose value differs between two attribute maps: new value, or null when removed. */
export function diffAttributes(before: Readonly<Record<string, string>>, after: Readonly<Record<string, string>>): AttributeDelta | null {
  let delta: AttributeDelta | null = null;
  for (const k in after) {
    const v = after[k] as string;
    if (before[k] !== v) (delta ??= {})[k] = v;
  }
  for (const k in before) if (!(k in after)) (delta ??= {})[k] = null;
  return delta;
}
