/**
 * The cluster coordinator: the node API of a whole cluster of worker nodes (`sluice node`), so
 * the designer's flow service works unchanged against it; plus membership (ClusterApi in
 * engine/api/node-api.ts). It runs in the designer's process and talks to nodes only through
 * Redis (transport.ts); it never runs processor code.
 *
 * - deploy: two phases. Phase one asks every connected target node (within callTimeoutMs)
 *   for `checkDeploy` and its own `analyzeFlow` of the snapshot. The revision is refused, on
 *   all nodes, when a node rejects it, does not answer, or disagrees with the others: a
 *   processor marked running is invalid on some nodes only (their environment differs: file
 *   roots, directories), or the snapshot would stay pending on some only. The rejection is a
 *   NodeError with the first refusal's code and `details.nodes` (NodeFailure per refusing
 *   node) and `details.problems`. Phase two deploys on every target, undeploys from nodes no
 *   longer targeted, then writes the desired state (desired-state.ts), from which a node that
 *   is down or joins later catches up. Targets: `req.targets`, else the flow's current ones,
 *   else "all". A node that is disconnected or decommissioned is not asked.
 * - status, provenance, queues: fan out to the connected nodes (not decommissioned), each
 *   within callTimeoutMs, and merge (merge.ts); nodes that did not answer are listed in
 *   `unavailable`. Provenance event ids are cluster-wide (merge.ts says why and how), so
 *   provenanceEvent, provenanceContent and replay go to the node holding the event.
 * - run control (start, stop, enable, disable, empty queue): every connected node running the
 *   flow; runOnce of a primary-only processor: the primary only.
 * - catalog, docs and connection settings are answered here (pure); analyzeFlow and
 *   validateProcessorConfig by a connected node when there is one (validation depends on a
 *   node's environment, e.g. its file roots), here otherwise.
 * - subscribe: merges the nodes' status streams once a second, and relays their bulletins with
 *   the node that raised them.
 * - Calls for one flow run one at a time, in order (as on a node).
 * - `status` ignores `bulletinsSince`: bulletin ids are per node (the merged ones are
 *   cluster-wide, see merge.ts), so it returns the newest 100 bulletins of all nodes.
 */
import { performance } from "node:perf_hooks";
import { defaultComposition } from "../runtime/composition-root";
import { analyzeFlow, elFunctions, processorCatalog, sensitiveProperties, validateProcessorConfig } from "../api/designer-catalog";
import type { FlowProblem } from "../api/flow-format";
import { connectionSettingsProblems, inOrder, notifyAll } from "../api/node";
import {
  SAFE_ID,
  type ClusterApi,
  type ClusterMember,
  type ConnectionSettingsInput,
  type DeployRequest,
  type DeployResult,
  type DeploymentSummary,
  type FlowStatus,
  type LineageGraph,
  type NodeCatalog,
  type NodeEvent,
  type NodeFailure,
  type NodeInfo,
  type ProcessorConfigInput,
  type ProvenanceEvent,
  type ProvenanceQuery,
  type QueuedContent,
  type StatusHistory,
  type Unsubscribe,
} from "../api/node-api";
import type { DeadLetter } from "../api/node-api";
import { NodeError, isNodeError } from "../api/node-errors";
import type { NodeClient } from "../api/node-transport";
import { DesiredState, targets as isTarget } from "./desired-state";
import { ClusterKeys } from "./keys";
import { readFlag, readMembers, removeMember, setFlag } from "./membership";
import { clusterEvent, decodeId, encodeId, mergeDeployResults, mergeEvents, mergeHistory, mergeLineage, mergeStatus, type NodePart } from "./merge";
import { readPrimary } from "./primary-lease";
import { RedisPrimaryState } from "./primary-state";
import { RedisLink } from "./redis-link";
import { CLUSTER_SECRET_ENV, ClusterKey, ClusterSecretError } from "./seal";
import { RedisNodeHub } from "./transport";

export interface CoordinatorOptions {
  /** redis:// or rediss:// URL (SLUICE_REDIS_URL), with the password for Redis AUTH if needed. */
  redisUrl: string;
  /** The cluster secret (SLUICE_CLUSTER_SECRET). */
  secret: string | undefined;
  /** The cluster's name (Redis key namespace). @default "sluice" */
  cluster?: string;
  /** One line per event worth telling an operator. @default stderr, prefixed "sluice: " */
  log?: (line: string) => void;
  /** How long phase one and fan-out reads wait for each node. @default 10000 */
  callTimeoutMs?: number;
  /** How often membership is read from Redis. @default 1000 */
  refreshMs?: number;
}

/** How long phase two (and other commands) wait for each node: recovery can take a while. */
const COMMAND_TIMEOUT_MS = 180_000;
/** A node status older than this is left out of a subscription's merged frame. */
const STALE_STATUS_MS = 3_000;

/** KEYS: index hash, counter. ARGV: node id. The node's index, allocated on first use. */
const INDEX_OF = `
local i = redis.call('HGET', KEYS[1], ARGV[1])
if i then return tonumber(i) end
i = redis.call('INCR', KEYS[2])
redis.call('HSET', KEYS[1], ARGV[1], i)
return i`;

interface Connection {
  /** pid:startedAt of the node's process: a new one means the node restarted. */
  instance: string;
  client: NodeClient;
  close(reason: string): void;
}

interface Watcher {
  listeners: Set<(e: NodeEvent) => void>;
  perNode: Map<string, { instance: string; unsubscribe: Unsubscribe; last: FlowStatus | null; at: number }>;
  timer: NodeJS.Timeout;
}

/**
 * The error of a revision refused (phase one) or failed (phase two) on some nodes: the first
 * one's code, every such node in `details.nodes`, and their flow problems in `details.problems`.
 */
function refusal(what: string, failures: NodeFailure[], problems: FlowProblem[] = [], verb = "was refused by"): NodeError {
  const byNode = failures.map((f) => `${f.node} (${f.message})`).join("; ");
  const who = failures.length === 1 ? `node ${byNode}` : `${failures.length} nodes: ${byNode}`;
  return new NodeError(failures[0]!.code, `${what} ${verb} ${who}`, { nodes: failures, problems });
}

function failureOf(node: string, e: unknown): NodeFailure {
  if (isNodeError(e)) return { node, code: e.code, message: e.message };
  return { node, code: "internal", message: e instanceof Error ? e.message : String(e) };
}

export class ClusterCoordinator implements ClusterApi {
  private memberList: ClusterMember[] = [];
  private primaryId: string | null = null;
  private readonly conns = new Map<string, Connection>();
  private readonly indices = new Map<string, number>();
  private readonly watchers = new Map<string, Watcher>();
  private readonly chains = new Map<string, Promise<unknown>>();
  private readonly refused = new Set<string>();
  private readonly desired: DesiredState;
  private readonly stateStore: RedisPrimaryState;
  private readonly callTimeoutMs: number;
  private readonly startedAt = Date.now();
  private readonly elu = performance.eventLoopUtilization();
  private timer: NodeJS.Timeout | null = null;
  private refreshing: Promise<void> | null = null;
  private nextRefresh: Promise<void> | null = null;
  private closed = false;

  private constructor(
    private readonly keys: ClusterKeys,
    private readonly key: ClusterKey,
    private readonly link: RedisLink,
    private readonly hub: RedisNodeHub,
    private readonly log: (line: string) => void,
    opts: CoordinatorOptions,
  ) {
    this.desired = new DesiredState(link.commands, keys, key);
    this.stateStore = new RedisPrimaryState(link.commands, keys, key, () => null);
    this.callTimeoutMs = opts.callTimeoutMs ?? 10_000;
  }

  /**
   * Connects to the cluster in Redis (waiting through an outage), sets it up on first use, and
   * reads its members. Throws ClusterSecretError when the secret is missing, too short, or not
   * the one the cluster was set up with.
   */
  static async connect(opts: CoordinatorOptions): Promise<ClusterCoordinator> {
    const log = opts.log ?? ((line: string) => process.stderr.write(`sluice: ${line}\n`));
    const key = new ClusterKey(opts.secret);
    const keys = new ClusterKeys(opts.cluster);
    const link = new RedisLink(opts.redisUrl, log);
    try {
      await link.ready();
      // The first coordinator sets the verifier; nodes compare theirs with it.
      await link.commands.set(keys.verifier, key.verifier(), "NX");
      if ((await link.commands.get(keys.verifier)) !== key.verifier()) {
        throw new ClusterSecretError(`${CLUSTER_SECRET_ENV} differs from the secret cluster "${keys.cluster}" was set up with (${keys.verifier}); use that secret, or delete the key to start the cluster over`);
      }
      const hub = new RedisNodeHub({ keys, key, link, log });
      await hub.start();
      const c = new ClusterCoordinator(keys, key, link, hub, log, opts);
      await c.refresh();
      c.timer = setInterval(() => void c.refresh().catch(() => {}), opts.refreshMs ?? 1000);
      c.timer.unref();
      return c;
    } catch (e) {
      await link.close();
      throw e;
    }
  }

  // ---- membership

  /**
   * Reads members and the primary, and opens (or closes) a client per connected node. A call
   * while a read is in flight gets the next one (which sees every change made before the
   * call); calls meanwhile share it.
   */
  private refresh(): Promise<void> {
    if (this.nextRefresh) return this.nextRefresh;
    if (!this.refreshing) {
      this.refreshing = this.store(() => this.refreshNow()).finally(() => (this.refreshing = null));
      return this.refreshing;
    }
    this.nextRefresh = this.refreshing
      .catch(() => {})
      .then(() => {
        this.nextRefresh = null;
        return this.refresh();
      });
    return this.nextRefresh;
  }

  /**
   * Runs a Redis access of the coordinator's own (membership, desired state). Its failure is
   * Redis being unreachable, which callers see as NodeError "node-unavailable"; RedisLink
   * logs the outage once.
   */
  private async store<T>(fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (e) {
      if (isNodeError(e)) throw e;
      throw new NodeError("node-unavailable", `the cluster's Redis did not answer: ${e instanceof Error ? e.message : String(e)}`);
    }
  }

  private async refreshNow(): Promise<void> {
    const redis = this.link.commands;
    this.primaryId = await readPrimary(redis, this.keys, this.key);
    this.memberList = await readMembers(redis, this.keys, this.key, this.primaryId, (id) => {
      if (this.refused.has(id)) return;
      this.refused.add(id);
      this.log(`ignored node "${id}": its heartbeat does not open with the cluster secret (a process with another secret?)`);
    });
    for (const m of this.memberList) if (!this.indices.has(m.id)) this.indices.set(m.id, Number(await redis.eval(INDEX_OF, 2, this.keys.eventIndex, this.keys.eventSeq, m.id)));
    const live = new Map(this.memberList.filter((m) => m.alive).map((m) => [m.id, `${m.pid}:${m.startedAt}`]));
    for (const [id, c] of this.conns) {
      const instance = live.get(id);
      if (instance === c.instance) continue;
      c.close(instance ? `node ${id} restarted` : `node ${id} disconnected`);
      this.conns.delete(id);
    }
    for (const [id, instance] of live) if (!this.conns.has(id)) this.conns.set(id, { instance, ...this.hub.connect(id) });
    for (const [flowId, w] of this.watchers) this.attach(flowId, w);
  }

  async members(): Promise<ClusterMember[]> {
    await this.refresh();
    return this.memberList;
  }

  private async member(id: string): Promise<ClusterMember> {
    const m = (await this.members()).find((x) => x.id === id);
    if (!m) throw new NodeError("not-found", `no node "${id}" in cluster "${this.keys.cluster}"`);
    return m;
  }

  async removeNode(id: string): Promise<void> {
    const m = await this.member(id);
    if (m.alive) throw new NodeError("invalid-state", `node ${id} is connected; stop it first (or decommission it), then remove it`);
    await this.store(async () => {
      await removeMember(this.link.commands, this.keys, id);
      await this.hub.dropQueue(id);
    });
    await this.refresh();
  }

  async decommission(id: string): Promise<void> {
    await this.member(id);
    await this.store(() => setFlag(this.link.commands, this.keys, this.key, id, { state: "decommissioned", at: Date.now() }));
    await this.refresh();
  }

  async recommission(id: string): Promise<void> {
    await this.member(id);
    await this.store(async () => {
      if (await readFlag(this.link.commands, this.keys, this.key, id)) await setFlag(this.link.commands, this.keys, this.key, id, null);
    });
    await this.refresh();
  }

  /** Ids of connected nodes that take work (not decommissioned). */
  private serving(): string[] {
    return this.memberList.filter((m) => m.alive && m.state === "connected" && this.conns.has(m.id)).map((m) => m.id);
  }

  private index(node: string): number {
    return this.indices.get(node) ?? 0;
  }

  /** The node whose index is `index`, connected, or a NodeError. */
  private nodeOfIndex(index: number, what: string): { node: string; client: NodeClient } {
    const node = [...this.indices].find(([, i]) => i === index)?.[0];
    if (!node) throw new NodeError("not-found", `${what}: no node of this cluster has index ${index}`);
    const c = this.conns.get(node);
    if (!c) throw new NodeError("node-unavailable", `${what} is held by node ${node}, which is not connected`);
    return { node, client: c.client };
  }

  // ---- fan-out

  /** Calls `fn` on each node, each within `timeoutMs`; splits answers from failures. */
  private async fanOut<T>(nodes: readonly string[], fn: (client: NodeClient, node: string) => Promise<T>, timeoutMs = this.callTimeoutMs): Promise<{ ok: Array<NodePart<T>>; failed: NodeFailure[] }> {
    const ok: Array<NodePart<T>> = [];
    const failed: NodeFailure[] = [];
    await Promise.all(
      nodes.map(async (node) => {
        const c = this.conns.get(node);
        if (!c) {
          failed.push({ node, code: "node-unavailable", message: "not connected" });
          return;
        }
        let timer: NodeJS.Timeout | undefined;
        const timeout = new Promise<never>((_, reject) => {
          timer = setTimeout(() => reject(new NodeError("node-unavailable", `did not answer within ${timeoutMs / 1000} s`)), timeoutMs);
        });
        try {
          ok.push({ node, index: this.index(node), value: await Promise.race([fn(c.client, node), timeout]) });
        } catch (e) {
          failed.push(failureOf(node, e));
        } finally {
          clearTimeout(timer);
        }
      }),
    );
    ok.sort((a, b) => a.node.localeCompare(b.node));
    failed.sort((a, b) => a.node.localeCompare(b.node));
    return { ok, failed };
  }

  /**
   * Runs `fn` on every serving node that runs the flow: nodes answering "not-deployed" are
   * skipped; rejects when no node ran it, or with the first other failure (details.nodes).
   */
  private async onFlowNodes<T>(flowId: string, what: string, fn: (client: NodeClient) => Promise<T>, nodes = this.serving()): Promise<Array<NodePart<T>>> {
    const { ok, failed } = await this.fanOut(nodes, (c) => fn(c), COMMAND_TIMEOUT_MS);
    const real = failed.filter((f) => f.code !== "not-deployed");
    if (real.length) throw new NodeError(real[0]!.code, `${what} failed on ${real.map((f) => `node ${f.node} (${f.message})`).join("; ")}`, { nodes: real });
    if (ok.length === 0) throw new NodeError("not-deployed", `flow ${flowId} is not deployed on any connected node`);
    return ok;
  }

  /** Runs calls for one flow one at a time, in order. */
  private serial<T>(flowId: string, fn: () => Promise<T>): Promise<T> {
    return inOrder(this.chains, flowId, fn);
  }

  // ---- info and catalog

  async info(): Promise<NodeInfo> {
    const members = await this.members();
    return {
      name: `cluster ${this.keys.cluster}`,
      pid: process.pid,
      dataDir: "",
      startedAt: this.startedAt,
      flows: await this.deployments(),
      busyMs: Math.round(performance.eventLoopUtilization(this.elu).active),
      cluster: { name: this.keys.cluster, primary: this.primaryId, members },
    };
  }

  async catalog(): Promise<NodeCatalog> {
    return { processors: processorCatalog(), elFunctions: elFunctions(), sensitive: sensitiveProperties() };
  }

  async processorDocs(): Promise<string> {
    return defaultComposition().processorDocs();
  }

  /** A serving node's answer, or `local()` when none is connected or it failed. */
  private async onAnyNode<T>(fn: (c: NodeClient) => Promise<T>, local: () => T): Promise<T> {
    const node = this.serving()[0];
    if (!node) return local();
    const { ok } = await this.fanOut([node], (c) => fn(c));
    return ok[0]?.value ?? local();
  }

  analyzeFlow(doc: unknown) {
    return this.onAnyNode(
      (c) => c.analyzeFlow(doc),
      () => analyzeFlow(doc),
    );
  }

  validateProcessorConfig(input: ProcessorConfigInput) {
    return this.onAnyNode(
      (c) => c.validateProcessorConfig(input),
      () => validateProcessorConfig(input),
    );
  }

  async validateConnectionSettings(input: ConnectionSettingsInput) {
    return connectionSettingsProblems(input);
  }

  // ---- deployment

  /** Which nodes a deploy goes to, and which must drop the flow. */
  private async plan(req: DeployRequest): Promise<{ targets: string[] | "all"; nodes: string[]; leaving: string[] }> {
    if (typeof req?.flowId !== "string" || !SAFE_ID.test(req.flowId)) throw new NodeError("bad-request", `flowId must match ${SAFE_ID}`);
    if (!Number.isInteger(req.revision) || req.revision < 0) throw new NodeError("bad-request", "revision must be a whole number ≥ 0");
    await this.refresh();
    const current = await this.store(() => this.desired.get(req.flowId));
    const targets = req.targets ?? current?.targets ?? "all";
    if (targets !== "all") {
      if (!Array.isArray(targets) || targets.length === 0) throw new NodeError("bad-request", 'targets must be "all" or a list of node ids');
      const unknown = targets.filter((t) => !this.memberList.some((m) => m.id === t));
      if (unknown.length) throw new NodeError("bad-request", `no node ${unknown.map((u) => `"${u}"`).join(", ")} in cluster "${this.keys.cluster}"`);
    }
    const serving = this.serving();
    const nodes = targets === "all" ? serving : serving.filter((id) => targets.includes(id));
    const leaving =
      targets === "all"
        ? []
        : serving.filter((id) => !targets.includes(id) && ((current && isTarget(current, id)) || this.memberList.some((m) => m.id === id && m.flows.some((f) => f.flowId === req.flowId))));
    return { targets, nodes, leaving };
  }

  /** Phase one on `nodes` (see the module comment); resolves with the merged pending problems. */
  private async phaseOne(req: DeployRequest, nodes: readonly string[]): Promise<FlowProblem[]> {
    const r: DeployRequest = { flowId: req.flowId, revision: req.revision, snapshot: req.snapshot };
    const problems: FlowProblem[] = [];
    const { ok, failed } = await this.fanOut(nodes, async (c, node) => {
      try {
        const [check, analysis] = await Promise.all([c.checkDeploy(r), c.analyzeFlow(r.snapshot)]);
        return { check, analysis };
      } catch (e) {
        if (isNodeError(e) && Array.isArray(e.details?.problems)) for (const pr of e.details.problems as FlowProblem[]) problems.push({ ...pr, message: `${pr.message} (on ${node})` });
        throw e;
      }
    });
    const refusals: NodeFailure[] = [...failed];
    const processors = Array.isArray(req.snapshot?.processors) ? req.snapshot.processors : [];
    processors.forEach((p, i) => {
      if (p.state !== "running") return;
      const invalidOn = ok.filter((x) => (x.value.analysis.processors[p.id]?.problems.length ?? 0) > 0);
      if (invalidOn.length === 0 || invalidOn.length === ok.length) return;
      for (const x of invalidOn) {
        const list = x.value.analysis.processors[p.id]!.problems;
        refusals.push({ node: x.node, code: "invalid-flow", message: `${p.name ?? p.id} is invalid on this node: ${list.map((pr) => pr.message).join("; ")}` });
        for (const pr of list) problems.push({ path: `processors[${i}]${pr.property ? `.properties.${pr.property}` : ""}`, message: `${pr.message} (on ${x.node})` });
      }
    });
    const pendingOn = ok.filter((x) => x.value.check.pending.length > 0);
    if (pendingOn.length > 0 && pendingOn.length < ok.length) {
      for (const x of pendingOn) refusals.push({ node: x.node, code: "invalid-flow", message: `the revision would stay pending: ${x.value.check.pending.map((pr) => `${pr.path}: ${pr.message}`).join("; ")}` });
    }
    if (refusals.length) {
      refusals.sort((a, b) => a.node.localeCompare(b.node));
      throw refusal(`revision ${req.revision} of flow ${req.flowId}`, refusals, problems);
    }
    return ok[0]?.value.check.pending ?? [];
  }

  checkDeploy(req: DeployRequest): Promise<{ pending: FlowProblem[] }> {
    return this.serial(req?.flowId, async () => {
      const plan = await this.plan(req);
      return { pending: await this.phaseOne(req, plan.nodes) };
    });
  }

  deploy(req: DeployRequest): Promise<DeployResult> {
    return this.serial(req?.flowId, async () => {
      const plan = await this.plan(req);
      await this.phaseOne(req, plan.nodes);
      const r: DeployRequest = { flowId: req.flowId, revision: req.revision, snapshot: req.snapshot };
      const applied = await this.fanOut(plan.nodes, (c) => c.deploy(r), COMMAND_TIMEOUT_MS);
      const left = await this.fanOut(plan.leaving, (c) => c.undeploy(req.flowId), COMMAND_TIMEOUT_MS);
      await this.store(() => this.desired.put({ flowId: req.flowId, revision: req.revision, snapshot: req.snapshot, targets: plan.targets }));
      const failed = [...applied.failed, ...left.failed];
      if (failed.length) throw refusal(`revision ${req.revision} of flow ${req.flowId} is the desired state now, but`, failed, [], "failed on");
      if (applied.ok.length === 0) {
        return {
          flowId: req.flowId,
          revision: req.revision,
          running: false,
          pending: [{ path: "(cluster)", message: "no connected node runs this flow; nodes take it when they connect" }],
          outcome: "pending",
          changes: null,
          failures: [],
          nodes: [],
        };
      }
      return mergeDeployResults(applied.ok.map((p) => ({ node: p.node, result: p.value })));
    });
  }

  undeploy(flowId: string, opts: { removeData?: boolean } = {}): Promise<void> {
    return this.serial(flowId, async () => {
      await this.store(() => this.desired.remove(flowId, opts.removeData === true));
      const { failed } = await this.fanOut(this.serving(), (c) => c.undeploy(flowId, opts), COMMAND_TIMEOUT_MS);
      // The desired state no longer has the flow: these nodes drop it when they reconcile.
      for (const f of failed) this.log(`node ${f.node} did not undeploy flow ${flowId} yet (${f.message}); it will when it reconciles`);
      if (opts.removeData) await this.store(() => this.stateStore.remove(flowId));
      this.emit(flowId, { type: "undeployed", flowId });
    });
  }

  /** The desired flows, running when a node's last heartbeat says so. */
  async deployments(): Promise<DeploymentSummary[]> {
    const flows = await this.store(() => this.desired.all());
    return [...flows.values()].map((f) => ({
      flowId: f.flowId,
      revision: f.revision,
      running: this.memberList.some((m) => m.alive && m.flows.some((x) => x.flowId === f.flowId && x.running)),
      pending: [],
    }));
  }

  async hasData(flowId: string): Promise<boolean> {
    if (await this.store(() => this.desired.get(flowId))) return true;
    const { ok } = await this.fanOut(this.serving(), (c) => c.hasData(flowId));
    return ok.some((p) => p.value);
  }

  // ---- run control

  startFlow(flowId: string): Promise<void> {
    return this.serial(flowId, async () => void (await this.onFlowNodes(flowId, "start", (c) => c.startFlow(flowId))));
  }

  stopFlow(flowId: string): Promise<void> {
    return this.serial(flowId, async () => void (await this.onFlowNodes(flowId, "stop", (c) => c.stopFlow(flowId))));
  }

  startComponent(flowId: string, componentId: string): Promise<void> {
    return this.serial(flowId, async () => void (await this.onFlowNodes(flowId, `start ${componentId}`, (c) => c.startComponent(flowId, componentId))));
  }

  stopComponent(flowId: string, componentId: string): Promise<void> {
    return this.serial(flowId, async () => void (await this.onFlowNodes(flowId, `stop ${componentId}`, (c) => c.stopComponent(flowId, componentId))));
  }

  runOnce(flowId: string, componentId: string): Promise<void> {
    return this.serial(flowId, async () => {
      const flow = await this.store(() => this.desired.get(flowId));
      const primaryOnly = flow?.snapshot.processors.some((p) => p.id === componentId && p.scheduling.executionNode === "primary");
      if (primaryOnly && !this.primaryId) throw new NodeError("node-unavailable", "the processor runs on the primary node only, and there is no primary now");
      const nodes = primaryOnly ? [this.primaryId!] : this.serving();
      await this.onFlowNodes(flowId, `run ${componentId} once`, (c) => c.runOnce(flowId, componentId), nodes);
    });
  }

  enableComponent(flowId: string, componentId: string): Promise<void> {
    return this.serial(flowId, async () => void (await this.onFlowNodes(flowId, `enable ${componentId}`, (c) => c.enableComponent(flowId, componentId))));
  }

  disableComponent(flowId: string, componentId: string): Promise<void> {
    return this.serial(flowId, async () => void (await this.onFlowNodes(flowId, `disable ${componentId}`, (c) => c.disableComponent(flowId, componentId))));
  }

  // ---- status and queues

  async status(flowId: string): Promise<FlowStatus> {
    const { ok, failed } = await this.fanOut(this.serving(), (c) => c.status(flowId));
    const desired = await this.store(() => this.desired.get(flowId));
    // A node that should run the flow but does not is worth showing; the others are not.
    const unavailable = failed.filter((f) => f.code !== "not-deployed" || (desired && isTarget(desired, f.node)));
    if (ok.length === 0) {
      if (desired) throw new NodeError("node-unavailable", `flow ${flowId} is deployed, but no node running it answered`, { nodes: unavailable });
      throw new NodeError("not-deployed", `flow ${flowId} is not deployed in cluster "${this.keys.cluster}"`);
    }
    return mergeStatus(ok, unavailable);
  }

  /**
   * Each minute summed over the nodes running the flow (merge.ts mergeHistory); `unavailable`
   * names the nodes that should have answered and did not, so a dip in the chart is explained.
   */
  async statusHistory(flowId: string, componentId: string): Promise<StatusHistory> {
    const { ok, failed } = await this.fanOut(this.serving(), (c) => c.statusHistory(flowId, componentId));
    const desired = await this.store(() => this.desired.get(flowId));
    // Not deployed on a node the flow does not target, or a component a lagging node does not
    // have yet: nothing is missing from the sums.
    const unavailable = failed.filter((f) => (f.code !== "not-deployed" && f.code !== "not-found") || (f.code === "not-deployed" && desired && isTarget(desired, f.node)));
    if (ok.length === 0) {
      if (failed.some((f) => f.code === "not-found")) throw new NodeError("not-found", `flow ${flowId} has no processor or connection ${JSON.stringify(componentId)}`);
      if (desired) throw new NodeError("node-unavailable", `flow ${flowId} is deployed, but no node running it answered`, { nodes: unavailable });
      throw new NodeError("not-deployed", `flow ${flowId} is not deployed in cluster "${this.keys.cluster}"`);
    }
    return mergeHistory(ok, unavailable);
  }

  async listQueue(flowId: string, connectionId: string, limit = 100) {
    const n = Math.max(1, Math.min(1000, Math.floor(limit) || 100));
    const parts = await this.onFlowNodes(flowId, "list the queue", (c) => c.listQueue(flowId, connectionId, n));
    return parts.flatMap((p) => p.value.map((ff) => ({ ...ff, node: p.node }))).slice(0, n);
  }

  async queuedContent(flowId: string, connectionId: string, uuid: string): Promise<QueuedContent> {
    const { ok } = await this.fanOut(this.serving(), (c) => c.queuedContent(flowId, connectionId, uuid));
    if (!ok[0]) throw new NodeError("not-found", `FlowFile ${uuid} is not queued in ${connectionId} on any connected node (it may have moved on)`);
    return ok[0].value;
  }

  emptyQueue(flowId: string, connectionId: string): Promise<number> {
    return this.serial(flowId, async () => {
      const parts = await this.onFlowNodes(flowId, "empty the queue", (c) => c.emptyQueue(flowId, connectionId));
      return parts.reduce((n, p) => n + p.value, 0);
    });
  }

  /** Every node sees the same list (it lives in Redis): the first node running the flow answers. */
  async deadLetters(flowId: string, connectionId: string): Promise<DeadLetter[]> {
    const parts = await this.onFlowNodes(flowId, "list the dead letters", (c) => c.deadLetters(flowId, connectionId));
    return parts[0]!.value;
  }

  resolveDeadLetter(flowId: string, connectionId: string, batchId: string, action: "retry" | "drop"): Promise<void> {
    return this.serial(flowId, async () => {
      let lastError: unknown = null;
      for (const node of this.serving()) {
        const client = this.conns.get(node)?.client;
        if (!client) continue;
        try {
          await client.resolveDeadLetter(flowId, connectionId, batchId, action);
          return;
        } catch (e) {
          lastError = e;
          // Not deployed there, or the node did not answer: the next node can do it (same Redis).
          if (e instanceof NodeError && e.code !== "not-deployed" && e.code !== "node-unavailable") throw e;
        }
      }
      throw lastError ?? new NodeError("not-deployed", `flow ${flowId} is not deployed on any connected node`);
    });
  }

  // ---- provenance

  async provenanceSearch(flowId: string, query: ProvenanceQuery): Promise<{ events: ProvenanceEvent[]; unavailable: NodeFailure[] }> {
    const { ok, failed } = await this.fanOut(this.serving(), (c) => c.searchProvenance(flowId, query));
    const unavailable = failed.filter((f) => f.code !== "not-deployed");
    if (ok.length === 0 && unavailable.length === 0) throw new NodeError("not-deployed", `flow ${flowId} is not deployed on any connected node`);
    return { events: mergeEvents(ok, query?.limit), unavailable };
  }

  /** provenanceSearch's events; the nodes that did not answer are only in provenanceSearch. */
  async searchProvenance(flowId: string, query: ProvenanceQuery): Promise<ProvenanceEvent[]> {
    return (await this.provenanceSearch(flowId, query)).events;
  }

  /** The node holding a cluster-wide event id, and the id there. */
  private eventNode(eventId: number): { node: string; client: NodeClient; local: number } {
    const d = decodeId(eventId);
    if (!d) throw new NodeError("not-found", `${eventId} is not a cluster provenance event id`);
    return { ...this.nodeOfIndex(d.index, `provenance event ${eventId}`), local: d.local };
  }

  async provenanceEvent(flowId: string, eventId: number): Promise<ProvenanceEvent> {
    const { node, client, local } = this.eventNode(eventId);
    return clusterEvent(node, this.index(node), await client.provenanceEvent(flowId, local));
  }

  async provenanceContent(flowId: string, eventId: number, side: "input" | "output"): Promise<Uint8Array> {
    const { client, local } = this.eventNode(eventId);
    return client.provenanceContent(flowId, local, side);
  }

  async lineage(flowId: string, flowFileUuid: string): Promise<LineageGraph> {
    const { ok, failed } = await this.fanOut(this.serving(), (c) => c.lineage(flowId, flowFileUuid));
    const found = ok.filter((p) => p.value.events.length > 0);
    const unavailable = failed.filter((f) => f.code !== "not-deployed" && f.code !== "not-found");
    if (found.length === 0 && unavailable.length === 0) throw new NodeError("not-found", `no provenance of FlowFile ${flowFileUuid} on any connected node`);
    return mergeLineage(found, unavailable);
  }

  replay(flowId: string, eventId: number): Promise<string> {
    return this.serial(flowId, async () => {
      const { client, local } = this.eventNode(eventId);
      return client.replay(flowId, local);
    });
  }

  // ---- live stream

  subscribe(flowId: string, listener: (event: NodeEvent) => void): Unsubscribe {
    let w = this.watchers.get(flowId);
    if (!w) {
      const timer = setInterval(() => this.emitMerged(flowId), 1000);
      timer.unref();
      w = { listeners: new Set(), perNode: new Map(), timer };
      this.watchers.set(flowId, w);
      this.attach(flowId, w);
    }
    w.listeners.add(listener);
    const watcher = w;
    return () => {
      watcher.listeners.delete(listener);
      if (watcher.listeners.size > 0 || this.watchers.get(flowId) !== watcher) return;
      clearInterval(watcher.timer);
      for (const s of watcher.perNode.values()) s.unsubscribe();
      this.watchers.delete(flowId);
    };
  }

  /** Subscribes `w` on every connected node it is not subscribed on; drops gone nodes. */
  private attach(flowId: string, w: Watcher): void {
    for (const [node, s] of w.perNode) {
      if (this.conns.get(node)?.instance === s.instance) continue;
      s.unsubscribe();
      w.perNode.delete(node);
    }
    for (const [node, c] of this.conns) {
      if (w.perNode.has(node)) continue;
      const unsubscribe = c.client.subscribe(flowId, (e) => this.onNodeEvent(flowId, node, e));
      w.perNode.set(node, { instance: c.instance, unsubscribe, last: null, at: 0 });
    }
  }

  private onNodeEvent(flowId: string, node: string, e: NodeEvent): void {
    const s = this.watchers.get(flowId)?.perNode.get(node);
    if (!s) return;
    if (e.type === "status") {
      s.last = e.status;
      s.at = Date.now();
    } else if (e.type === "undeployed") s.last = null;
    else this.emit(flowId, { type: "bulletin", flowId, bulletin: { ...e.bulletin, id: encodeId(this.index(node), e.bulletin.id) }, node });
  }

  private emitMerged(flowId: string): void {
    const w = this.watchers.get(flowId);
    if (!w) return;
    const now = Date.now();
    const parts = [...w.perNode]
      .filter(([, s]) => s.last && now - s.at < STALE_STATUS_MS)
      .map(([node, s]) => ({ node, index: this.index(node), value: s.last! }))
      .sort((a, b) => a.node.localeCompare(b.node));
    if (parts.length) this.emit(flowId, { type: "status", flowId, status: mergeStatus(parts, []) });
  }

  private emit(flowId: string, event: NodeEvent): void {
    notifyAll(this.watchers.get(flowId)?.listeners ?? [], event);
  }

  /** Stops watching and closes the Redis connections. Nodes keep running their flows. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    if (this.timer) clearInterval(this.timer);
    for (const w of this.watchers.values()) {
      clearInterval(w.timer);
      for (const s of w.perNode.values()) s.unsubscribe();
    }
    this.watchers.clear();
    await (this.nextRefresh ?? this.refreshing)?.catch(() => {});
    await this.hub.close();
    await this.link.close();
  }
}
