/**
 * The node API over a message channel: `NodeClient` (the caller's side) turns NodeApi calls
 * into messages, `serveNode` (the node's side) turns messages back into calls. A transport
 * only moves messages: a worker thread's port today (engine/api/local-node.ts), Redis for
 * worker nodes (engine/cluster, issue "Worker nodes"). Route handlers see only NodeApi, so a
 * new transport never touches them.
 */
import { NODE_METHODS, type NodeApi, type NodeEvent, type NodeMethod, type Unsubscribe } from "./node-api";
import { NodeError, type WireError } from "./node-errors";

/** Messages from the caller to the node. */
export type ClientMessage =
  | { t: "call"; id: number; method: NodeMethod; args: unknown[] }
  /** Start (`on`) or stop forwarding events of a flow. */
  | { t: "watch"; flowId: string; on: boolean };

/** Messages from the node to the caller. */
export type ServerMessage =
  | { t: "result"; id: number; ok: true; value: unknown }
  | { t: "result"; id: number; ok: false; error: WireError }
  | { t: "event"; event: NodeEvent };

/**
 * A bidirectional message pipe. Contract: messages arrive in the order sent, at most once;
 * `onClose` fires once when the other side is gone (then no message arrives any more).
 */
export interface MessageChannel<Out, In> {
  send(message: Out): void;
  onMessage(listener: (message: In) => void): void;
  onClose(listener: (reason: string) => void): void;
}

/** How long a call may take before it fails with "node-unavailable". */
const DEFAULT_TIMEOUT_MS = 30_000;
/** Calls that stop processors or open repositories wait longer (recovery, onStopped). */
const SLOW: ReadonlySet<NodeMethod> = new Set<NodeMethod>(["deploy", "undeploy", "stopFlow", "stopComponent", "startFlow", "startComponent", "runOnce", "emptyQueue"]);
const SLOW_TIMEOUT_MS = 180_000;

/** NodeApi over a channel. Every call rejects with a NodeError (its code from the node). */
export class NodeClient implements NodeApi {
  private nextId = 1;
  private readonly pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: NodeError) => void; timer: ReturnType<typeof setTimeout> }>();
  private readonly listeners = new Map<string, Set<(e: NodeEvent) => void>>();
  private down: NodeError | null = null;

  constructor(private readonly channel: MessageChannel<ClientMessage, ServerMessage>) {
    channel.onMessage((m) => this.receive(m));
    channel.onClose((reason) => {
      this.down = new NodeError("node-unavailable", `the node is gone: ${reason}`);
      for (const p of this.pending.values()) {
        clearTimeout(p.timer);
        p.reject(this.down);
      }
      this.pending.clear();
    });
  }

  /** Null while the node answers; the reason once its channel closed. */
  get failure(): NodeError | null {
    return this.down;
  }

  private receive(m: ServerMessage): void {
    if (m.t === "event") {
      for (const l of this.listeners.get(m.event.flowId) ?? []) {
        try {
          l(m.event);
        } catch {
          // One listener's failure must not stop the others.
        }
      }
      return;
    }
    const p = this.pending.get(m.id);
    if (!p) return;
    this.pending.delete(m.id);
    clearTimeout(p.timer);
    if (m.ok) p.resolve(m.value);
    else p.reject(NodeError.fromWire(m.error));
  }

  private call<T>(method: NodeMethod, ...args: unknown[]): Promise<T> {
    if (this.down) return Promise.reject(this.down);
    const id = this.nextId++;
    return new Promise<T>((resolve, reject) => {
      const ms = SLOW.has(method) ? SLOW_TIMEOUT_MS : DEFAULT_TIMEOUT_MS;
      const timer = setTimeout(() => {
        this.pending.delete(id);
        reject(new NodeError("node-unavailable", `the node did not answer ${method} within ${ms / 1000} s`));
      }, ms);
      this.pending.set(id, { resolve: resolve as (v: unknown) => void, reject, timer });
      try {
        this.channel.send({ t: "call", id, method, args });
      } catch (e) {
        this.pending.delete(id);
        clearTimeout(timer);
        reject(new NodeError("bad-request", `cannot send ${method}: ${(e as Error).message}`));
      }
    });
  }

  info: NodeApi["info"] = () => this.call("info");
  catalog: NodeApi["catalog"] = () => this.call("catalog");
  processorDocs: NodeApi["processorDocs"] = () => this.call("processorDocs");
  analyzeFlow: NodeApi["analyzeFlow"] = (doc) => this.call("analyzeFlow", doc);
  validateProcessorConfig: NodeApi["validateProcessorConfig"] = (input) => this.call("validateProcessorConfig", input);
  validateConnectionSettings: NodeApi["validateConnectionSettings"] = (input) => this.call("validateConnectionSettings", input);
  checkDeploy: NodeApi["checkDeploy"] = (req) => this.call("checkDeploy", req);
  deploy: NodeApi["deploy"] = (req) => this.call("deploy", req);
  undeploy: NodeApi["undeploy"] = (flowId, opts) => this.call("undeploy", flowId, opts);
  deployments: NodeApi["deployments"] = () => this.call("deployments");
  hasData: NodeApi["hasData"] = (flowId) => this.call("hasData", flowId);
  startFlow: NodeApi["startFlow"] = (flowId) => this.call("startFlow", flowId);
  stopFlow: NodeApi["stopFlow"] = (flowId) => this.call("stopFlow", flowId);
  startComponent: NodeApi["startComponent"] = (flowId, id) => this.call("startComponent", flowId, id);
  stopComponent: NodeApi["stopComponent"] = (flowId, id) => this.call("stopComponent", flowId, id);
  runOnce: NodeApi["runOnce"] = (flowId, id) => this.call("runOnce", flowId, id);
  enableComponent: NodeApi["enableComponent"] = (flowId, id) => this.call("enableComponent", flowId, id);
  disableComponent: NodeApi["disableComponent"] = (flowId, id) => this.call("disableComponent", flowId, id);
  status: NodeApi["status"] = (flowId, opts) => this.call("status", flowId, opts);
  statusHistory: NodeApi["statusHistory"] = (flowId, id) => this.call("statusHistory", flowId, id);
  listQueue: NodeApi["listQueue"] = (flowId, cid, limit) => this.call("listQueue", flowId, cid, limit);
  queuedContent: NodeApi["queuedContent"] = (flowId, cid, uuid) => this.call("queuedContent", flowId, cid, uuid);
  emptyQueue: NodeApi["emptyQueue"] = (flowId, cid) => this.call("emptyQueue", flowId, cid);
  deadLetters: NodeApi["deadLetters"] = (flowId, cid) => this.call("deadLetters", flowId, cid);
  resolveDeadLetter: NodeApi["resolveDeadLetter"] = (flowId, cid, id, action) => this.call("resolveDeadLetter", flowId, cid, id, action);
  searchProvenance: NodeApi["searchProvenance"] = (flowId, q) => this.call("searchProvenance", flowId, q);
  provenanceEvent: NodeApi["provenanceEvent"] = (flowId, e) => this.call("provenanceEvent", flowId, e);
  provenanceContent: NodeApi["provenanceContent"] = (flowId, e, side) => this.call("provenanceContent", flowId, e, side);
  lineage: NodeApi["lineage"] = (flowId, uuid) => this.call("lineage", flowId, uuid);
  replay: NodeApi["replay"] = (flowId, e) => this.call("replay", flowId, e);

  subscribe(flowId: string, listener: (event: NodeEvent) => void): Unsubscribe {
    let set = this.listeners.get(flowId);
    if (!set) {
      set = new Set();
      this.listeners.set(flowId, set);
      if (!this.down) this.channel.send({ t: "watch", flowId, on: true });
    }
    set.add(listener);
    const s = set;
    return () => {
      if (!s.delete(listener) || s.size > 0 || this.listeners.get(flowId) !== s) return;
      this.listeners.delete(flowId);
      if (!this.down) this.channel.send({ t: "watch", flowId, on: false });
    };
  }
}

/**
 * Serves `node` on the node's side of a channel: dispatches calls by name (only NODE_METHODS;
 * anything else is refused with "bad-request") and forwards the events of watched flows.
 */
export function serveNode(node: NodeApi, channel: MessageChannel<ServerMessage, ClientMessage>): void {
  const allowed = new Set<string>(NODE_METHODS);
  const watches = new Map<string, Unsubscribe>();
  channel.onMessage((m) => {
    if (m.t === "watch") {
      if (m.on && !watches.has(m.flowId)) watches.set(m.flowId, node.subscribe(m.flowId, (event) => channel.send({ t: "event", event })));
      if (!m.on) {
        watches.get(m.flowId)?.();
        watches.delete(m.flowId);
      }
      return;
    }
    if (m.t !== "call") return;
    const reply = (r: ServerMessage) => {
      try {
        channel.send(r);
      } catch (e) {
        // A value that cannot be cloned is a bug in the node; the caller still gets an answer.
        channel.send({ t: "result", id: m.id, ok: false, error: { code: "internal", message: `cannot send the result of ${m.method}: ${(e as Error).message}` } });
      }
    };
    if (!allowed.has(m.method) || !Array.isArray(m.args)) {
      reply({ t: "result", id: m.id, ok: false, error: { code: "bad-request", message: `unknown node method ${String(m.method)}` } });
      return;
    }
    const fn = node[m.method] as (...a: unknown[]) => Promise<unknown>;
    Promise.resolve()
      .then(() => fn.apply(node, m.args))
      .then(
        (value) => reply({ t: "result", id: m.id, ok: true, value }),
        (e: unknown) => {
          const err = e instanceof NodeError ? e.toWire() : { code: "internal" as const, message: e instanceof Error ? e.message : String(e) };
          reply({ t: "result", id: m.id, ok: false, error: err });
        },
      );
  });
  channel.onClose(() => {
    for (const u of watches.values()) u();
    watches.clear();
  });
}
