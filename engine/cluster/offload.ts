/**
 * Decommissioning a node moves its queued FlowFiles to the other nodes, then stops it (NiFi's
 * disconnect → offload → delete, issue 12). Two halves, both run by every worker node:
 *
 * - The Offloader, on a decommissioned node: stops its flows (their processors give the
 *   batches of distributed connections they hold back to the cluster as they stop), then moves
 *   what waits on its disk. FlowFiles of a *local* connection go into the flow's offload
 *   connection, a hidden distributed connection (`sluice-offload`, a BullMQ queue per flow like
 *   any distributed connection, so batches, seals, shared content, deduplication, stall
 *   recovery and the dead-letter list are distributed.ts's); each batch id names the connection
 *   its FlowFiles go into. The local part of a distributed connection (FlowFiles recovered from
 *   when it was local) is handed over to that connection itself. A flow whose disk queues are
 *   empty is undeployed (its data dir stays); the node reports "offloaded" once none is left.
 * - The OffloadInbox, on every other node: a consumer of each deployed flow's offload
 *   connection that puts each batch's FlowFiles into the same connection of its own copy of the
 *   flow, durably, and only then lets the cluster forget the batch; its processors go on with
 *   them. It runs only while some node is decommissioned or the connection holds batches, so an
 *   idle cluster keeps no worker per flow for it.
 *
 * Without loss: FlowFiles leave the decommissioned node's WAL only after their batch is durable
 * in Redis (FlowController.offloadQueued), and a batch leaves Redis only after the taking node
 * made its FlowFiles durable. Batch ids are a digest of the FlowFiles they carry, so a node
 * killed between the handover and its WAL commit hands the same batches over again after its
 * restart, which the cluster ignores (within distributed.ts's deduplication window). Anything
 * else is at-least-once: a taking node that dies after its commit and before the cluster
 * forgot the batch takes it again.
 *
 * Nothing moves for a flow that no other connected, serving node runs: the node says so in
 * its state (OffloadStatus "waiting", with the reason) and in its log, and tries again every
 * round. A recommission stops the move between two steps; what moved stays where it went.
 */
import { createHash } from "node:crypto";
import type { FlowDocument } from "../api/flow-format";
import type { SluiceNode } from "../api/node";
import { SAFE_ID, type OffloadStatus } from "../api/node-api";
import { isNodeError } from "../api/node-errors";
import type { ContentClaim } from "../core/content-claim";
import type { FlowFileRecord } from "../core/flowfile";
import { DistributedQueue, isDistributed, type DistributedConnectionRef, type DistributedConsumer, type DistributedLink, type IncomingBatch } from "../queue/distributed-queue";
import type { Connection } from "../runtime/flow-controller";
import { targets, type DesiredFlow } from "./desired-state";

/**
 * The connection id of a flow's offload connection. Flows cannot hold a connection of this id
 * usefully: its queue name would be this one's (`dq-<flow>-sluice-offload`).
 */
export const OFFLOAD_CONNECTION = "sluice-offload";

/** Where a flow's offloaded FlowFiles wait for a node to take them. */
export function offloadRef(flowId: string): DistributedConnectionRef {
  return { flowId, connectionId: OFFLOAD_CONNECTION, strategy: "round-robin" };
}

/**
 * The connection an offload batch's FlowFiles go into: its id is
 * `<connection>.<node>.<digest>-<partition>-<n>` (ids hold no "."), null when it is not one.
 */
export function targetOf(batchId: string): string | null {
  const connectionId = batchId.slice(0, batchId.indexOf("."));
  return SAFE_ID.test(connectionId) ? connectionId : null;
}

/** A digest of the FlowFiles moved in one step, for batch ids that are the same when the step is. */
function digestOf(connectionId: string, flowFiles: readonly FlowFileRecord[]): string {
  const h = createHash("sha256").update(connectionId);
  for (const ff of flowFiles) h.update("\0").update(ff.uuid);
  return h.digest("hex").slice(0, 24);
}

function message(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

/** The flow with every processor that is not disabled stopped: opened to move its FlowFiles, it runs nothing. */
function stoppedCopy(doc: FlowDocument): FlowDocument {
  return { ...doc, processors: doc.processors.map((p) => (p.state === "disabled" ? p : { ...p, state: "stopped" })) };
}

/**
 * Takes the batches of the offload connections of this node's flows; see the module comment.
 * `accept` must resolve only once the FlowFiles are durable here (SluiceNode.acceptOffloaded).
 */
export class OffloadInbox {
  private readonly consumers = new Map<string, DistributedConsumer>();

  constructor(
    private readonly link: DistributedLink,
    private readonly accept: (flowId: string, connectionId: string, batch: IncomingBatch) => Promise<void>,
  ) {}

  /**
   * Takes offload batches of exactly these flows: of each deployed flow while `active` (some
   * node is decommissioned) or while its offload connection holds batches (a move a
   * recommission interrupted, or one whose node was gone when the others were).
   */
  async sync(deployed: Iterable<string>, active: boolean): Promise<void> {
    const want = new Set([...deployed].filter((flowId) => active || this.link.queued(offloadRef(flowId)).count > 0));
    for (const [flowId, c] of this.consumers) {
      if (want.has(flowId)) continue;
      this.consumers.delete(flowId);
      await c.stop();
    }
    for (const flowId of want) if (!this.consumers.has(flowId)) this.consumers.set(flowId, this.link.consume(offloadRef(flowId), (b) => this.deliver(flowId, b)));
  }

  /** Flows whose offload connection this node takes batches from. */
  get flows(): string[] {
    return [...this.consumers.keys()];
  }

  private async deliver(flowId: string, batch: IncomingBatch): Promise<"done" | "released" | { failed: Error }> {
    const connectionId = targetOf(batch.id);
    if (!connectionId) return { failed: new Error(`offload batch ${batch.id} names no connection`) };
    try {
      await this.accept(flowId, connectionId, batch);
      return "done";
    } catch (e) {
      // Undeployed here meanwhile: back to the cluster for another node, no attempt counted.
      if (isNodeError(e, "not-deployed")) return "released";
      // Another revision without the connection, a full disk...: tried again, on any node,
      // then the dead-letter list of the offload connection.
      return { failed: e instanceof Error ? e : new Error(String(e)) };
    }
  }

  async close(): Promise<void> {
    await this.sync([], false);
  }
}

/** What the Offloader needs of its node. */
export type OffloadNode = Pick<SluiceNode, "deployments" | "deploy" | "undeploy" | "hasData" | "stopFlow" | "localQueued" | "offloadQueued">;

export interface OffloaderOptions {
  node: OffloadNode;
  link: DistributedLink;
  nodeId: string;
  log: (line: string) => void;
  /** FlowFiles and content bytes moved per step (one handover, one WAL commit). @default { count: 1000, bytes: 8 MiB } */
  step?: { count: number; bytes: number };
  /** A pause between steps (tests catch a move half way with it). @default 0 */
  pauseMs?: number;
}

/** What one round of a decommission is given (worker-node.ts reads it from Redis). */
export interface OffloadRound {
  /** The decommission's time (the coordinator's flag): a new one starts over. */
  since: number;
  /** The desired flows (desired-state.ts), and those removed with their data. */
  desired: ReadonlyMap<string, DesiredFlow>;
  removed: ReadonlySet<string>;
  /** Whether another node that takes work (connected, not decommissioned) runs the flow. */
  servedElsewhere(flowId: string): boolean;
  /** False once the decommission ended (recommission) or the node is closing: checked between steps. */
  stillDecommissioned(): Promise<boolean>;
}

/**
 * The decommissioned half; see the module comment. `round` is called again and again (every
 * reconcile round) while the node is decommissioned, one call at a time; each does what can be
 * done now and says where the move stands. `end` (recommission) hands back the flows it holds.
 */
export class Offloader {
  private since: number | null = null;
  private moved = 0;
  /** Flows this decommission stopped or opened that are still deployed. */
  private readonly held = new Set<string>();
  /** Flows emptied and undeployed in this decommission: not opened again. */
  private readonly done = new Set<string>();
  /** Per flow, the offload connection's producing side (its handover batches and names). */
  private readonly outboxes = new Map<string, DistributedQueue>();
  /** Reasons last logged, per flow, so a reason that stays is logged once. */
  private logged = new Map<string, string>();
  private readonly step: { count: number; bytes: number };

  constructor(private readonly o: OffloaderOptions) {
    this.step = o.step ?? { count: 1000, bytes: 8 * 1024 * 1024 };
  }

  async round(r: OffloadRound): Promise<OffloadStatus> {
    const { node, nodeId, log } = this.o;
    if (this.since !== r.since) {
      this.since = r.since;
      this.moved = 0;
      this.done.clear();
      this.logged = new Map();
    }
    const reasons = new Map<string, string>();
    const deployed = new Set((await node.deployments()).map((d) => d.flowId));
    for (const flowId of deployed) {
      if (this.held.has(flowId)) continue;
      try {
        // Stopping gives the batches its processors held back to the cluster (DistributedQueue
        // .stopConsuming); from here on nothing takes FlowFiles from its queues but this.
        await node.stopFlow(flowId);
        this.held.add(flowId);
      } catch (e) {
        reasons.set(flowId, `flow ${flowId} could not be stopped to move its queued FlowFiles: ${message(e)}`);
      }
    }
    const mine = new Map([...r.desired].filter(([, f]) => targets(f, nodeId)));
    for (const [flowId, f] of mine) {
      // Not deployed but with data: the node restarted during the decommission.
      if (deployed.has(flowId) || this.done.has(flowId) || !(await node.hasData(flowId))) continue;
      try {
        await node.deploy({ flowId, revision: f.revision, snapshot: stoppedCopy(f.snapshot) });
        this.held.add(flowId);
      } catch (e) {
        reasons.set(flowId, `flow ${flowId} could not be opened to move its queued FlowFiles: ${message(e)}`);
      }
    }
    for (const flowId of [...this.held]) {
      if (reasons.has(flowId)) continue;
      if (!mine.has(flowId)) {
        // No longer this node's (undeployed from the cluster): as reconcile would, keeping the
        // data unless the flow was removed with it.
        await node.undeploy(flowId, { removeData: r.removed.has(flowId) });
        this.held.delete(flowId);
        continue;
      }
      const reason = await this.offloadFlow(flowId, r);
      if (reason) reasons.set(flowId, reason);
    }
    for (const [flowId, reason] of reasons) if (this.logged.get(flowId) !== reason) log(reason);
    this.logged = reasons;
    let remaining = 0;
    for (const flowId of this.held) remaining += (await node.localQueued(flowId).catch(() => ({ count: 0 }))).count;
    const state = reasons.size > 0 ? "waiting" : this.held.size > 0 ? "offloading" : "offloaded";
    return { state, since: r.since, moved: this.moved, remaining, ...(reasons.size ? { reasons: [...reasons.values()] } : {}) };
  }

  /** Moves one flow's queued FlowFiles and undeploys it once none is left; the reason when some stay. */
  private async offloadFlow(flowId: string, r: OffloadRound): Promise<string | null> {
    const { node, log } = this.o;
    let left = (await node.localQueued(flowId)).count;
    let moved = 0;
    if (left > 0) {
      if (!r.servedElsewhere(flowId)) return `no other connected node runs flow ${flowId}, so its ${left} queued FlowFiles stay on this node; they move once one does`;
      try {
        while (await r.stillDecommissioned()) {
          const n = await node.offloadQueued(flowId, this.step.count, this.step.bytes, (conn, ffs, read) => this.send(flowId, conn, ffs, read));
          if (n === 0) break;
          moved += n;
          this.moved += n;
          if (this.o.pauseMs) await new Promise((res) => setTimeout(res, this.o.pauseMs));
        }
      } catch (e) {
        return `moving the queued FlowFiles of flow ${flowId} failed (${message(e)}); they stay on this node, trying again`;
      }
      left = (await node.localQueued(flowId)).count;
    }
    if (left > 0) return null; // Recommissioned half way.
    await node.undeploy(flowId);
    this.held.delete(flowId);
    this.done.add(flowId);
    this.outboxes.get(flowId)?.close().catch(() => {});
    this.outboxes.delete(flowId);
    log(`flow ${flowId}: ${moved > 0 ? `moved ${moved} queued FlowFiles to the other nodes` : "nothing queued on this node"}; undeployed (node decommissioned)`);
    return null;
  }

  /** Makes FlowFiles taken from `conn` durable in the cluster (see FlowController.offloadQueued). */
  private async send(flowId: string, conn: Connection, flowFiles: readonly FlowFileRecord[], read: (claim: ContentClaim) => Buffer): Promise<{ details: string; transitUri: string }> {
    const nodeId = this.o.nodeId;
    const digest = digestOf(conn.id, flowFiles);
    const transitUri = `sluice-cluster://${flowId}/${conn.id}`;
    if (isDistributed(conn.queue)) {
      await conn.queue.handover(flowFiles, `${nodeId}.${digest}`, read);
      return { details: `handed over to distributed connection ${conn.id}: node ${nodeId} is decommissioned`, transitUri };
    }
    await this.outbox(flowId).handover(flowFiles, `${conn.id}.${nodeId}.${digest}`, read);
    return { details: `moved to the other nodes running the flow: node ${nodeId} is decommissioned`, transitUri };
  }

  /**
   * The offload connection as a DistributedQueue, used for its producing side only (batching
   * by the link's limits, batch ids, HandoverError); the OffloadInbox is its consumer.
   */
  private outbox(flowId: string): DistributedQueue {
    let q = this.outboxes.get(flowId);
    if (!q) {
      q = new DistributedQueue(OFFLOAD_CONNECTION, { link: this.o.link, ref: offloadRef(flowId), materialize: () => [], release: () => {} });
      this.outboxes.set(flowId, q);
    }
    return q;
  }

  /**
   * The decommission ended: forgets it and resolves with the flows it stopped or opened that
   * are still deployed (stopped), which the caller undeploys so that reconciling runs them from
   * the desired state again.
   */
  async end(): Promise<string[]> {
    const held = [...this.held];
    this.held.clear();
    this.done.clear();
    this.since = null;
    this.logged = new Map();
    await Promise.all([...this.outboxes.values()].map((q) => q.close().catch(() => {})));
    this.outboxes.clear();
    return held;
  }
}
