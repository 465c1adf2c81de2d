/**
 * The types a processor sees. Processors import only from engine/sdk; the engine implements
 * these interfaces in engine/core.
 */
import type { FileRoots } from "./file-roots";

/**
 * An immutable FlowFile version. Every change made through a ProcessSession returns a new
 * version with the same uuid; hold on to the returned value, not the old one.
 */
export interface FlowFile {
  /** Identity, stable across versions of this FlowFile. */
  readonly uuid: string;
  readonly attributes: Readonly<Record<string, string>>;
  /** Content size in bytes. */
  readonly size: number;
  /** When this FlowFile entered the flow (epoch millis); expiration is measured from here. */
  readonly entryDate: number;
  /** When the oldest ancestor of this FlowFile entered the flow. */
  readonly lineageStartDate: number;
  /** Epoch millis until which the FlowFile is penalized; 0 = not penalized. */
  readonly penaltyExpiration: number;
  /** Shortcut for attributes[name]. */
  getAttribute(name: string): string | undefined;
}

/** Provenance calls a processor makes explicitly; the session adds CREATE, FORK, CLONE, DROP... itself. */
export interface ProvenanceReporter {
  /** Data came in from outside (Kafka, HTTP, a file): RECEIVE. */
  receive(flowFile: FlowFile, transitUri: string, details?: string): void;
  /** Content fetched from outside into an existing FlowFile: FETCH. */
  fetch(flowFile: FlowFile, transitUri: string, details?: string): void;
  /** Data went out (Kafka, HTTP, a file): SEND. */
  send(flowFile: FlowFile, transitUri: string, details?: string): void;
  /** A routing decision worth recording: ROUTE. */
  route(flowFile: FlowFile, relationship: string, details?: string): void;
  /** A brand-new FlowFile without parents, when the processor wants details on it: CREATE. */
  create(flowFile: FlowFile, details?: string): void;
}

/**
 * NiFi's ProcessSession: everything one trigger does is staged here and lands atomically on
 * commit. Contract:
 * - Every FlowFile taken (`get`) or made (`create`, `clone`) must be transferred or removed
 *   before commit, or commit throws `FlowFileAccountingError` and nothing lands.
 * - Methods that change a FlowFile (`putAttribute`, `putAllAttributes`, `removeAttribute`,
 *   `removeAllAttributes`, `write`, `append`, `penalize`) return its new version. Every method
 *   that takes a FlowFile — those, `read`, `readText`, `clone`, `create`'s parents, `transfer`,
 *   `transferDynamic`, `transferBack`, `remove` and the `provenance` reporter — accepts only the
 *   latest version: the one `get`, `create` or `clone` returned, or the last one a change
 *   returned. It throws `FlowFileHandlingError`, and changes nothing, when given an outdated
 *   version (the one `get` returned counts as outdated once it has been changed), a FlowFile
 *   already removed in this session, or one this session does not hold (another session's, or
 *   one from before this session's last commit or rollback).
 * - `transfer`, `transferDynamic` and `transferBack` do not end a FlowFile's use: it may still
 *   be changed (the version committed is the latest) and transferred again (the last call wins).
 *   `remove` does end it.
 * - On commit: the FlowFile repository record, queue transfers, content reference counts and
 *   provenance events land together. `onCommitted` callbacks run only after that is durable.
 * - On rollback (or when onTrigger throws): taken FlowFiles go back to their queue (penalized
 *   if asked), new content is released, nothing is recorded.
 * @typeParam R the processor's relationship names; `transfer` accepts only these.
 */
export interface ProcessSession<R extends string = string> {
  /** Takes the next FlowFile from the incoming queues, or null. */
  get(): FlowFile | null;
  /** Takes up to `max` FlowFiles (fewer if fewer are queued). */
  get(max: number): FlowFile[];
  /** Takes up to the configured batch size. */
  getBatch(): FlowFile[];
  /** Creates a FlowFile. With parents: FORK (one parent) or JOIN (several); attributes are inherited from a single parent. */
  create(parents?: FlowFile | ReadonlyArray<FlowFile>): FlowFile;
  /** Copies a FlowFile (attributes and content, or a byte range of it): CLONE. */
  clone(flowFile: FlowFile, offset?: number, length?: number): FlowFile;
  putAttribute(flowFile: FlowFile, key: string, value: string): FlowFile;
  putAllAttributes(flowFile: FlowFile, attributes: Readonly<Record<string, string>>): FlowFile;
  removeAttribute(flowFile: FlowFile, key: string): FlowFile;
  /** Removes every attribute whose name matches (uuid is never removed). */
  removeAllAttributes(flowFile: FlowFile, keys: ReadonlyArray<string> | RegExp): FlowFile;
  /** The full content. */
  read(flowFile: FlowFile): Buffer;
  /** The content decoded as UTF-8. */
  readText(flowFile: FlowFile): string;
  /** Replaces the content. */
  write(flowFile: FlowFile, content: Buffer | string): FlowFile;
  /** Appends to the content. */
  append(flowFile: FlowFile, content: Buffer | string): FlowFile;
  /** Routes to a declared relationship. */
  transfer(flowFile: FlowFile, relationship: R): void;
  /** Routes to a dynamic relationship (e.g. RouteOnAttribute's property names); checked at run time. */
  transferDynamic(flowFile: FlowFile, relationship: string): void;
  /** Puts a taken FlowFile back on its incoming queue (NiFi's transfer without a relationship). */
  transferBack(flowFile: FlowFile): void;
  /** Drops the FlowFile (DROP event). */
  remove(flowFile: FlowFile): void;
  /** Marks the FlowFile penalized for the processor's penalty duration. */
  penalize(flowFile: FlowFile): FlowFile;
  /** Makes everything staged so far land; the session can be used again afterwards. */
  commit(): void;
  /** Discards everything staged; taken FlowFiles return to their queues (penalized if asked). */
  rollback(penalize?: boolean): void;
  /** Runs after the commit that holds everything staged before this call is durable. */
  onCommitted(callback: () => void | Promise<void>): void;
  /** Runs if that commit fails or the session is rolled back instead. */
  onFailure(callback: (error: Error) => void): void;
  readonly provenance: ProvenanceReporter;
}

export type LogLevel = "debug" | "info" | "warn" | "error";

/** Logs at `warn` and `error` also raise a bulletin on the component. */
export interface ProcessorLogger {
  debug(message: string, fields?: Record<string, unknown>): void;
  info(message: string, fields?: Record<string, unknown>): void;
  warn(message: string, fields?: Record<string, unknown>): void;
  error(message: string, fields?: Record<string, unknown>): void;
}

/** A user-defined (dynamic) property, e.g. UpdateAttribute's attribute → EL value. */
export interface DynamicProperty {
  readonly name: string;
  readonly raw: string;
  evaluate(flowFile?: FlowFile, extra?: Readonly<Record<string, string>>): string;
  evaluateBoolean(flowFile?: FlowFile, extra?: Readonly<Record<string, string>>): boolean;
}

/** Services the engine offers processors (shared state across nodes, clocks...). */
export interface EngineServices {
  /** Key/value cache shared across the cluster when Redis is configured, else local. */
  readonly cache: DistributedCache;
  /** Named shared configurations, e.g. a Kafka connection ("controller services" in NiFi). */
  getControllerService(id: string): Readonly<Record<string, string>> | undefined;
}

/**
 * Key/value cache shared by every node. Contract: `putIfAbsent` and `replace` are atomic across
 * every node that shares the cache; a `ttlMs` of 0 or none means the entry does not expire.
 */
export interface DistributedCache {
  putIfAbsent(key: string, value: string, ttlMs?: number): Promise<boolean>;
  get(key: string): Promise<string | null>;
  put(key: string, value: string, ttlMs?: number): Promise<void>;
  remove(key: string): Promise<void>;
  /**
   * Compare-and-set (NiFi's `replace` with a revision): only if the entry holds `expected` now
   * (null: only if there is none), stores `value` (null: removes the entry). Returns whether it
   * did. Read-modify-write without locks: `get`, compute, `replace`, and start over on false.
   */
  replace(key: string, expected: string | null, value: string | null, ttlMs?: number): Promise<boolean>;
}

/** What a processor can ask the framework during scheduling and triggering. */
export interface ProcessorContext {
  readonly id: string;
  readonly name: string;
  readonly type: string;
  /** Upper bound of FlowFiles to take in one trigger. */
  readonly batchSize: number;
  readonly penaltyMs: number;
  readonly yieldMs: number;
  readonly logger: ProcessorLogger;
  /** User-defined properties, in configuration order. */
  readonly dynamicProperties: ReadonlyArray<DynamicProperty>;
  /** Whether any connection feeds this processor. */
  readonly hasIncomingConnection: boolean;
  /** Whether every connection of `relationship` has room (not back-pressured). Auto-terminated = true. */
  isSpaceAvailable(relationship: string): boolean;
  /**
   * How many more FlowFiles `relationship` takes before back pressure: the object threshold
   * minus the queued count, the least over its connections (0 when one is full; Infinity when
   * auto-terminated). A source bounds its batch by it, so one trigger does not overshoot a
   * threshold by a whole batch. Back pressure stays soft: concurrent tasks and the data-size
   * threshold may still let a queue go a little over.
   */
  freeRoom(relationship: string): number;
  /** Number of FlowFiles queued on all incoming connections. */
  queuedCount(): number;
  /** Ask not to be triggered again for the yield duration (nothing to do, or remote is down). */
  yield(): void;
  /** Wakes the scheduler when work arrives from outside (a Kafka fetch, an HTTP request). */
  wake(): void;
  /** Where this processor may keep local files (state, caches). */
  readonly stateDir: string;
  /**
   * The directories user-configured paths may reach (SLUICE_FILE_ROOTS, set by the engine when
   * the node starts). A file processor passes every path from its configuration or from
   * Expression Language through `fileRoots.resolve` and uses the path it returns.
   */
  readonly fileRoots: FileRoots;
  readonly services: EngineServices;
  /** Aborted when the processor is being stopped. */
  readonly signal: AbortSignal;
}

/** What `validate` may consult besides the configuration. */
export interface ValidationContext {
  /** The same roots the processor's context will have: a literal path outside them is a problem. */
  readonly fileRoots: FileRoots;
}
