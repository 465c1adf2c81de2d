/**
 * Every Redis key and channel of one cluster, under its name (`<cluster>:`, "sluice" by
 * default), so several clusters (or test runs) can share one Redis and a cluster's keys can be
 * listed with one SCAN pattern.
 *
 *   <c>:node:<id>              a node's latest heartbeat (sealed), TTL 3 heartbeats: the node is connected
 *   <c>:cluster:members        hash id → last heartbeat (sealed): every node known, connected or not
 *   <c>:cluster:flags          hash id → { state: "decommissioned" } (sealed), set by the coordinator
 *   <c>:cluster:flows          hash flowId → desired state { revision, snapshot, targets } (sealed, encrypted)
 *   <c>:cluster:removed        hash flowId → tombstone of a flow deleted with its data (sealed)
 *   <c>:cluster:version        counter bumped on every desired-state change (nodes poll it)
 *   <c>:cluster:verifier       public value derived from the secret (members compare it)
 *   <c>:cluster:primary        the primary lease: "<id>|<token>|<mac>", PX ~10 s
 *   <c>:cluster:primary-token  fencing token counter
 *   <c>:cluster:event-index    hash id → small number that prefixes the node's provenance event ids
 *   <c>:cluster:event-seq      counter for the above
 *   <c>:state:<flowId>         hash processorId → primary-only processor state (sealed, encrypted)
 *   <c>:rpc:<id>               pub/sub channel: reads and checks sent to a node
 *   <c>:reply:<hub>            pub/sub channel: replies and events to one coordinator process
 *   <c>:bull:cmd-<id>:*        BullMQ queue of a node's commands (deploy, start, stop...)
 */
import { SAFE_ID } from "../api/node-api";

/** The cluster name used when none is given. */
export const DEFAULT_CLUSTER_NAME = "sluice";

export class ClusterKeys {
  constructor(readonly cluster: string = DEFAULT_CLUSTER_NAME) {
    if (!SAFE_ID.test(cluster)) throw new Error(`cluster name must match ${SAFE_ID}, got ${JSON.stringify(cluster)}`);
  }
  node(id: string): string {
    return `${this.cluster}:node:${id}`;
  }
  get members(): string {
    return `${this.cluster}:cluster:members`;
  }
  get flags(): string {
    return `${this.cluster}:cluster:flags`;
  }
  get flows(): string {
    return `${this.cluster}:cluster:flows`;
  }
  get removed(): string {
    return `${this.cluster}:cluster:removed`;
  }
  get version(): string {
    return `${this.cluster}:cluster:version`;
  }
  get verifier(): string {
    return `${this.cluster}:cluster:verifier`;
  }
  get primary(): string {
    return `${this.cluster}:cluster:primary`;
  }
  get primaryToken(): string {
    return `${this.cluster}:cluster:primary-token`;
  }
  get eventIndex(): string {
    return `${this.cluster}:cluster:event-index`;
  }
  get eventSeq(): string {
    return `${this.cluster}:cluster:event-seq`;
  }
  state(flowId: string): string {
    return `${this.cluster}:state:${flowId}`;
  }
  rpc(id: string): string {
    return `${this.cluster}:rpc:${id}`;
  }
  reply(hub: string): string {
    return `${this.cluster}:reply:${hub}`;
  }
  /** BullMQ's key prefix for this cluster's queues. */
  get bullPrefix(): string {
    return `${this.cluster}:bull`;
  }
  /** BullMQ queue name of a node's commands. */
  commandQueue(id: string): string {
    return `cmd-${id}`;
  }
}
