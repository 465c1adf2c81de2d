/**
 * The node API: what a designer (or a cluster coordinator) asks of a node. A node owns one
 * locked data dir and runs any number of deployed flows; see engine/api/node.ts.
 *
 * Contract for every method:
 * - arguments and results are plain data (structured-clone and JSON safe, except `Uint8Array`
 *   content), so the same interface is served in-process, over a worker thread
 *   (engine/api/local-node.ts) or over Redis (engine/cluster, issue "Worker nodes");
 * - failures reject with a NodeError whose `code` is one of NODE_ERROR_CODES
 *   (engine/api/node-errors.ts); callers switch on the code, never parse the message;
 * - calls for one flow are applied one at a time, in the order they arrive;
 * - a node never runs processor code on its caller's event loop.
 */
import type { DeadLetter } from "../queue/distributed-queue";
import type { LineageGraph as NodeLineageGraph, ProvenanceEvent as NodeProvenanceEvent, ProvenanceQuery } from "../core/provenance";
import type { Bulletin } from "../core/stats";
import type { ConfigProblem, ElFunctionInfo, FlowAnalysis, ProcessorTypeInfo } from "./designer-catalog";
import type { EngineStatus, QueuedFlowFile } from "./engine";
import type { FlowDocument, FlowProblem } from "./flow-format";
import type { NodeErrorCode } from "./node-errors";

export type { ProvenanceQuery, Bulletin };

/**
 * A provenance event. From a cluster (engine/cluster/coordinator.ts), `node` names the node
 * that holds it and `eventId` is cluster-wide (it encodes that node; see the coordinator).
 */
export type ProvenanceEvent = NodeProvenanceEvent & { node?: string };

/** Lineage of a FlowFile. From a cluster, merged over the nodes that answered in time. */
export interface LineageGraph extends Omit<NodeLineageGraph, "events"> {
  events: ProvenanceEvent[];
  /** Cluster only: nodes that did not answer in time (their events are missing). */
  unavailable?: NodeFailure[];
}

/** Why one node of a cluster refused or failed a request. */
export interface NodeFailure {
  /** The node's id (its `--name`). */
  node: string;
  code: NodeErrorCode;
  message: string;
}

/** Who a node is. */
export interface NodeInfo {
  /** Display name (`--name`, or the host name). */
  name: string;
  pid: number;
  /** Absolute path of the data dir the node holds locked. */
  dataDir: string;
  startedAt: number;
  /** Flows deployed on this node. */
  flows: DeploymentSummary[];
  /**
   * Milliseconds the node's event loop was busy since it started (processor work, commits);
   * the ui-isolation benchmark reads it.
   */
  busyMs: number;
  /** Whether primary-only processors run here (always true outside a cluster). */
  primary?: boolean;
  /** From a cluster coordinator: its members and primary. */
  cluster?: ClusterInfo;
}

/** One deployed flow on a node. */
export interface DeploymentSummary {
  flowId: string;
  /** Revision of the snapshot the node runs. */
  revision: number;
  /** Some processor is running. */
  running: boolean;
  /** Problems of a newer snapshot the node could not take (it keeps running `revision`). */
  pending: FlowProblem[];
}

/** A flow snapshot to deploy: the flow file format with run states, and its store revision. */
export interface DeployRequest {
  flowId: string;
  revision: number;
  snapshot: FlowDocument;
  /**
   * Cluster only: the nodes (ids) that run the flow, or "all" (every node, including those that
   * join later). Absent: the nodes it runs on already, or "all" for a flow not deployed yet.
   * A single node ignores it.
   */
  targets?: string[] | "all";
}

/** What `deploy` did. */
export interface DeployResult extends DeploymentSummary {
  /**
   * - "opened": the flow was not deployed; its repositories were opened (and recovered);
   * - "applied": a running flow took the minimal change (changed components restarted only);
   * - "pending": the snapshot cannot be deployed (see `pending`); the node keeps the old one,
   *   but run-state changes were applied to it.
   */
  outcome: "opened" | "applied" | "pending";
  /** Ids of processors restarted, added or removed by a live edit. */
  changes: { restarted: string[]; added: string[]; removed: string[]; connectionsAdded: string[]; connectionsRemoved: string[]; connectionsUpdated: string[] } | null;
  /** Processors marked running that could not start, with the reason (they show as invalid). */
  failures: Array<{ id: string; message: string }>;
  /** Cluster only: what each target node did (the fields above merge them). */
  nodes?: Array<{ node: string; result: DeployResult }>;
}

/** Live status of one deployed flow. */
export interface FlowStatus extends EngineStatus {
  revision: number;
  pending: FlowProblem[];
  /**
   * Primary-only processors marked running that wait here because this node is not the
   * cluster's primary (they show as stopped). Absent when none wait.
   */
  standby?: string[];
  /**
   * Cluster only: each node's own status. The fields above merge them (see
   * engine/cluster/merge.ts): counters, queue sizes and active tasks are summed.
   */
  nodes?: Array<{ node: string; status: FlowStatus }>;
  /** Cluster only: nodes running the flow that did not answer in time. */
  unavailable?: NodeFailure[];
}

/**
 * One minute of a component's status history. Counters (`in`, `out`, their bytes, `tasks`) are
 * what happened in that minute; `queued` / `queuedBytes` what was queued at its last sample (a
 * connection's queue; for a processor, its incoming queues together).
 */
export interface StatusHistoryPoint {
  /** Start of the minute, epoch ms. */
  time: number;
  in: number;
  inBytes: number;
  out: number;
  outBytes: number;
  queued: number;
  queuedBytes: number;
  /** Processors only: triggers that ran in the minute. */
  tasks?: number;
}

/** A processor's or connection's last hour at 1-minute resolution, oldest minute first. */
export interface StatusHistory {
  flowId: string;
  componentId: string;
  kind: "processor" | "connection";
  name: string;
  /** Milliseconds per point (60,000). */
  resolutionMs: number;
  /** Only minutes with data; from a cluster, each minute summed over the nodes that answered. */
  points: StatusHistoryPoint[];
  /** Cluster only: the nodes whose history is in the sums. */
  nodes?: string[];
  /** Cluster only: nodes running the flow that did not answer in time (missing from the sums). */
  unavailable?: NodeFailure[];
}

/** What the designer needs to edit flows: processor types, EL functions, sensitive property names. */
export interface NodeCatalog {
  processors: ProcessorTypeInfo[];
  elFunctions: ElFunctionInfo[];
  /** Component type → names of its sensitive properties (processors and controller services). */
  sensitive: Record<string, string[]>;
}

/** One processor's configuration as the config panel edits it. */
export interface ProcessorConfigInput {
  type: string;
  properties: Record<string, string>;
  scheduling?: unknown;
  autoTerminate?: string[];
}

/** Queue settings as typed (text), for validation. */
export interface ConnectionSettingsInput {
  objectThreshold: string;
  dataSizeThreshold: string;
  expiration: string;
}

/** A queued FlowFile's attributes and content. */
export interface QueuedContent {
  attributes: Record<string, string>;
  content: Uint8Array;
}

/** Something a node reports without being asked. */
export type NodeEvent =
  | { type: "status"; flowId: string; status: FlowStatus }
  /** `node`: from a cluster, the node that raised it. */
  | { type: "bulletin"; flowId: string; bulletin: Bulletin; node?: string }
  | { type: "undeployed"; flowId: string };

/** Stops a subscription. Idempotent. */
export type Unsubscribe = () => void;

export interface NodeApi {
  /** Who the node is and what it runs. */
  info(): Promise<NodeInfo>;

  // ---- catalog and validation (processor code runs on the node, never on the caller's loop)
  /** Processor types, EL functions and sensitive property names. Static for a node's life. */
  catalog(): Promise<NodeCatalog>;
  /** The processor reference as Markdown. */
  processorDocs(): Promise<string>;
  /** Validates a whole flow and files each problem under its component. Never rejects on user input. */
  analyzeFlow(doc: unknown): Promise<FlowAnalysis>;
  /** Validates one processor configuration (within 1 s, whatever regular expression it holds). */
  validateProcessorConfig(input: ProcessorConfigInput): Promise<{ problems: ConfigProblem[]; relationships: string[] }>;
  /** Problems of a connection's queue settings, keyed by field. */
  validateConnectionSettings(input: ConnectionSettingsInput): Promise<ConfigProblem[]>;

  // ---- deployment
  /**
   * Phase one of a deploy: checks that `deploy(req)` would be accepted, changing nothing.
   * Rejects with "queue-not-empty" (a removed connection holds FlowFiles) or "invalid-flow"
   * (structural problems); resolves with the problems that would leave the snapshot pending.
   */
  checkDeploy(req: DeployRequest): Promise<{ pending: FlowProblem[] }>;
  /**
   * Phase two: opens the flow (recovering its repositories) or applies the snapshot to the
   * running flow as a minimal change, then brings processors to their run states in the snapshot.
   * Rejects as checkDeploy does, having changed nothing.
   */
  deploy(req: DeployRequest): Promise<DeployResult>;
  /** Stops the flow and closes its repositories; `removeData` deletes its data too. */
  undeploy(flowId: string, opts?: { removeData?: boolean }): Promise<void>;
  /** Every deployed flow. */
  deployments(): Promise<DeploymentSummary[]>;
  /** True when the flow has data on this node from an earlier deployment (it can be resumed). */
  hasData(flowId: string): Promise<boolean>;

  // ---- run control (not persisted: the snapshot's run states are the durable truth)
  startFlow(flowId: string): Promise<void>;
  stopFlow(flowId: string): Promise<void>;
  startComponent(flowId: string, componentId: string): Promise<void>;
  stopComponent(flowId: string, componentId: string): Promise<void>;
  /** NiFi's "Run Once": a stopped processor is scheduled, triggered once, and stopped again. */
  runOnce(flowId: string, componentId: string): Promise<void>;
  enableComponent(flowId: string, componentId: string): Promise<void>;
  disableComponent(flowId: string, componentId: string): Promise<void>;

  // ---- status and queues
  status(flowId: string, opts?: { bulletinsSince?: number }): Promise<FlowStatus>;
  /**
   * A processor's or connection's last hour at 1-minute resolution (in, out, queued).
   * "not-found" for an id that is neither in the flow.
   */
  statusHistory(flowId: string, componentId: string): Promise<StatusHistory>;
  /**
   * The first `limit` (≤ 1000, default 100) FlowFiles of a queue in the order they will be taken.
   * From a cluster: each node's queue in turn, `node` naming it, `position` its place there.
   */
  listQueue(flowId: string, connectionId: string, limit?: number): Promise<Array<QueuedFlowFile & { node?: string }>>;
  queuedContent(flowId: string, connectionId: string, uuid: string): Promise<QueuedContent>;
  /** Drops every queued FlowFile (with DROP events); resolves with how many. */
  emptyQueue(flowId: string, connectionId: string): Promise<number>;
  /**
   * A distributed connection's dead-letter list (batches whose processing kept failing or that
   * kept killing their node), newest first. "bad-request" for a local connection.
   */
  deadLetters(flowId: string, connectionId: string): Promise<DeadLetter[]>;
  /** Retries or drops one dead-lettered batch; "not-found" when it is not in the list. */
  resolveDeadLetter(flowId: string, connectionId: string, batchId: string, action: "retry" | "drop"): Promise<void>;

  // ---- provenance
  searchProvenance(flowId: string, query: ProvenanceQuery): Promise<ProvenanceEvent[]>;
  provenanceEvent(flowId: string, eventId: number): Promise<ProvenanceEvent>;
  /** Content before ("input") or after ("output") an event. "content-gone" when archived away. */
  provenanceContent(flowId: string, eventId: number, side: "input" | "output"): Promise<Uint8Array>;
  lineage(flowId: string, flowFileUuid: string): Promise<LineageGraph>;
  /** Re-enqueues the FlowFile as it was before the event; resolves with the new uuid. */
  replay(flowId: string, eventId: number): Promise<string>;

  // ---- live stream
  /**
   * Live status of `flowId` about once a second while subscribed, plus each bulletin as it is
   * raised, and "undeployed" when the flow goes away.
   */
  subscribe(flowId: string, listener: (event: NodeEvent) => void): Unsubscribe;
}

/**
 * How a cluster sees one of its nodes. The coordinator's decommission wins over the heartbeat:
 * "decommissioning" while the node moves its queued FlowFiles to the other nodes (or waits to,
 * see `ClusterMember.offload`, or is down before it finished), "decommissioned" once it reported
 * that nothing is queued on it any more and it runs nothing. Otherwise "connected" while its
 * heartbeat is current, "disconnected" after three missed heartbeats.
 */
export type MemberState = "connected" | "disconnected" | "decommissioning" | "decommissioned";

/**
 * A decommissioned node moving its queued FlowFiles to the other nodes (NiFi's "offload"), as
 * its heartbeat reports it:
 * - "offloading": its flows are stopped and it is moving what they hold;
 * - "waiting": some FlowFiles cannot move now (`reasons`, e.g. no other connected node runs
 *   the flow); the node tries again every few seconds, and they stay on its disk meanwhile;
 * - "offloaded": nothing is queued on the node any more and it runs no flow.
 */
export interface OffloadStatus {
  state: "offloading" | "waiting" | "offloaded";
  /** The time of the decommission this report is about (the coordinator's flag). */
  since: number;
  /** FlowFiles this node process moved off since then. */
  moved: number;
  /** FlowFiles still queued on the node's disk, in the flows it has open. */
  remaining: number;
  /** While "waiting": why, one line per flow. */
  reasons?: string[];
}

/** One node of a cluster, from its last signed heartbeat. */
export interface ClusterMember {
  /** The node's id: its `--name`, unique in the cluster. */
  id: string;
  /** Host name of the machine it runs on. */
  host: string;
  pid: number;
  startedAt: number;
  dataDir: string;
  state: MemberState;
  /** A heartbeat is current (false for disconnected ones; a decommissioned node may be either). */
  alive: boolean;
  /** Milliseconds since its last heartbeat. */
  heartbeatAgeMs: number;
  /** Holds the primary lease. */
  primary: boolean;
  flows: Array<{ flowId: string; revision: number; running: boolean }>;
  /** FlowFiles queued on the node, over all its flows. */
  queued: { count: number; bytes: number };
  /** CPU used by the node process over the last heartbeat interval, in percent of one core. */
  cpuPercent: number;
  heap: { usedBytes: number; totalBytes: number };
  /** While decommissioning or decommissioned: the node's move of its queued FlowFiles. */
  offload?: OffloadStatus;
}

/** A cluster as `info().cluster` describes it. */
export interface ClusterInfo {
  /** The cluster's name (its Redis key namespace). */
  name: string;
  /** Id of the primary node, or null while there is none. */
  primary: string | null;
  members: ClusterMember[];
}

/**
 * The node API of a whole cluster (engine/cluster/coordinator.ts), plus membership. The
 * NodeApi methods fan out to the nodes and merge what they answer; see the coordinator.
 */
export interface ClusterApi extends NodeApi {
  /** Every known node, connected or not (a removed one is gone until it heartbeats again). */
  members(): Promise<ClusterMember[]>;
  /** Forgets a disconnected node. "invalid-state" while it is connected; "not-found" if unknown. */
  removeNode(id: string): Promise<void>;
  /**
   * Decommissions a node (NiFi: disconnect, offload): it stops its flows, moves the FlowFiles
   * queued in them to the other nodes running the same flows, then undeploys them, and takes no
   * deploys. Its state is "decommissioning", then "decommissioned" (see MemberState).
   */
  decommission(id: string): Promise<void>;
  /**
   * Ends a decommission: a move in progress stops (FlowFiles already moved stay where they
   * went) and the node runs the flows targeted at it again.
   */
  recommission(id: string): Promise<void>;
  /** searchProvenance, plus the nodes that did not answer in time. */
  provenanceSearch(flowId: string, query: ProvenanceQuery): Promise<{ events: ProvenanceEvent[]; unavailable: NodeFailure[] }>;
}

/** The method names a transport carries (everything but `subscribe`, which is a stream). */
export type NodeMethod = Exclude<keyof NodeApi, "subscribe">;

/** Every NodeMethod, for transports that dispatch by name. */
export const NODE_METHODS: readonly NodeMethod[] = [
  "info",
  "catalog",
  "processorDocs",
  "analyzeFlow",
  "validateProcessorConfig",
  "validateConnectionSettings",
  "checkDeploy",
  "deploy",
  "undeploy",
  "deployments",
  "hasData",
  "startFlow",
  "stopFlow",
  "startComponent",
  "stopComponent",
  "runOnce",
  "enableComponent",
  "disableComponent",
  "status",
  "statusHistory",
  "listQueue",
  "queuedContent",
  "emptyQueue",
  "deadLetters",
  "resolveDeadLetter",
  "searchProvenance",
  "provenanceEvent",
  "provenanceContent",
  "lineage",
  "replay",
];

export type { DeadLetter };

/** Ids that become paths (a flow's data dir) match this, and nothing else. */
export const SAFE_ID = /^[A-Za-z0-9][A-Za-z0-9_-]{0,127}$/;
