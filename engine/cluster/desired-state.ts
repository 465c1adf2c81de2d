/**
 * The desired state: what the coordinator wants the cluster to run, kept in Redis so a node
 * that was down, lost Redis for a while, or joins later catches up on its own.
 *
 * - `<c>:cluster:flows`: flowId → { revision, snapshot, targets } (sealed, encrypted: snapshots
 *   hold sensitive values in clear). Written by the coordinator after a deploy was applied.
 * - `<c>:cluster:removed`: flowId → tombstone of a flow undeployed with its data, so a node
 *   that was down deletes its copy too. A later deploy of the same id clears it.
 * - `<c>:cluster:version`: bumped with every change; nodes poll it with their heartbeat.
 *
 * A node reconciles (see `reconcile`) when it starts, when the version changes, when Redis
 * answers again after an outage, and every RETRY_EVERY heartbeats while something failed.
 */
import type { Redis } from "ioredis";
import type { FlowDocument } from "../api/flow-format";
import type { DeploymentSummary, DeployRequest, DeployResult } from "../api/node-api";
import type { ClusterKeys } from "./keys";
import type { ClusterKey } from "./seal";

/** One flow as the coordinator wants it. */
export interface DesiredFlow {
  flowId: string;
  revision: number;
  snapshot: FlowDocument;
  /** Node ids, or "all" (every node, including later ones). */
  targets: string[] | "all";
}

/** Does `node` run `flow`? */
export function targets(flow: DesiredFlow, node: string): boolean {
  return flow.targets === "all" || flow.targets.includes(node);
}

export class DesiredState {
  constructor(
    private readonly redis: Redis,
    private readonly keys: ClusterKeys,
    private readonly key: ClusterKey,
  ) {}

  private open(flowId: string, text: string): DesiredFlow | null {
    try {
      const f = this.key.open("desired", text) as DesiredFlow;
      // A sealed entry copied under another flow's field is not that flow's.
      return f && f.flowId === flowId ? f : null;
    } catch {
      return null;
    }
  }

  /** Every desired flow; `refused(flowId)` for entries that do not open. */
  async all(refused: (flowId: string) => void = () => {}): Promise<Map<string, DesiredFlow>> {
    const raw = await this.redis.hgetall(this.keys.flows);
    const out = new Map<string, DesiredFlow>();
    for (const [flowId, text] of Object.entries(raw)) {
      const f = this.open(flowId, text);
      if (f) out.set(flowId, f);
      else refused(flowId);
    }
    return out;
  }

  async get(flowId: string): Promise<DesiredFlow | null> {
    const text = await this.redis.hget(this.keys.flows, flowId);
    return text ? this.open(flowId, text) : null;
  }

  /** Sets a flow's desired state (clearing a tombstone) and bumps the version. */
  async put(flow: DesiredFlow): Promise<void> {
    await this.redis
      .multi()
      .hset(this.keys.flows, flow.flowId, this.key.seal("desired", flow, { encrypt: true }))
      .hdel(this.keys.removed, flow.flowId)
      .incr(this.keys.version)
      .exec();
  }

  /** Removes a flow; with `removeData`, leaves a tombstone so every node deletes its data. */
  async remove(flowId: string, removeData: boolean): Promise<void> {
    const m = this.redis.multi().hdel(this.keys.flows, flowId);
    if (removeData) m.hset(this.keys.removed, flowId, this.key.seal("removed", { flowId, at: Date.now() }));
    await m.incr(this.keys.version).exec();
  }

  /** Flows undeployed with their data (tombstones that open). */
  async removed(): Promise<Set<string>> {
    const raw = await this.redis.hgetall(this.keys.removed);
    const out = new Set<string>();
    for (const [flowId, text] of Object.entries(raw)) {
      try {
        if ((this.key.open("removed", text) as { flowId: string }).flowId === flowId) out.add(flowId);
      } catch {
        // Not a member's tombstone: ignored.
      }
    }
    return out;
  }

  /** The change counter (null before any change). */
  version(): Promise<string | null> {
    return this.redis.get(this.keys.version);
  }
}

/** What a reconciling node needs of its node: a slice of NodeApi. */
export interface ReconcileTarget {
  deployments(): Promise<DeploymentSummary[]>;
  deploy(req: DeployRequest): Promise<DeployResult>;
  undeploy(flowId: string, opts?: { removeData?: boolean }): Promise<void>;
  hasData(flowId: string): Promise<boolean>;
}

/** What one reconcile did, and what failed (flowId → message). */
export interface ReconcileReport {
  deployed: string[];
  undeployed: string[];
  failed: Map<string, string>;
}

/**
 * Brings `node` to the desired state for node id `id`: deploys each flow it should run that it
 * does not run, or runs at an older revision; undeploys what it should not run (deleting the
 * data of removed flows). Never goes back to an older revision: a deploy command can reach the
 * node before the coordinator writes the desired state. A decommissioned node runs nothing.
 */
export async function reconcile(node: ReconcileTarget, id: string, desired: Map<string, DesiredFlow>, removed: Set<string>, decommissioned: boolean): Promise<ReconcileReport> {
  const report: ReconcileReport = { deployed: [], undeployed: [], failed: new Map() };
  const mine = new Map([...desired].filter(([, f]) => !decommissioned && targets(f, id)));
  const running = new Map((await node.deployments()).map((d) => [d.flowId, d]));
  for (const [flowId, f] of mine) {
    const cur = running.get(flowId);
    if (cur && cur.revision >= f.revision) continue;
    try {
      const r = await node.deploy({ flowId, revision: f.revision, snapshot: f.snapshot });
      if (r.outcome === "pending") report.failed.set(flowId, `revision ${f.revision} is pending: ${r.pending.map((p) => `${p.path}: ${p.message}`).join("; ")}`);
      else report.deployed.push(flowId);
    } catch (e) {
      report.failed.set(flowId, e instanceof Error ? e.message : String(e));
    }
  }
  for (const flowId of running.keys()) {
    if (mine.has(flowId)) continue;
    try {
      await node.undeploy(flowId, { removeData: removed.has(flowId) });
      report.undeployed.push(flowId);
    } catch (e) {
      report.failed.set(flowId, e instanceof Error ? e.message : String(e));
    }
  }
  for (const flowId of removed) {
    if (running.has(flowId) || mine.has(flowId)) continue;
    try {
      if (await node.hasData(flowId)) await node.undeploy(flowId, { removeData: true });
    } catch (e) {
      report.failed.set(flowId, e instanceof Error ? e.message : String(e));
    }
  }
  return report;
}
