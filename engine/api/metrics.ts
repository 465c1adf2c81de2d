/**
 * Prometheus metrics and health endpoints (issue "Worker nodes": metrics and health).
 *
 * - `gatherMetrics(api)` reads one moment of a node API (a local node, a worker node or the
 *   cluster coordinator): `info()` for the node's name, its flows and, from a coordinator, the
 *   cluster's members; then `status(flowId)` per flow, in parallel.
 * - `renderMetrics(snapshot)` turns that moment into Prometheus text with prom-client (a fresh
 *   registry per scrape, so a flow or component that is gone leaves no stale series).
 * - `startMetricsServer(...)` serves `/metrics` (bearer token), `/healthz` and `/readyz` for a
 *   `sluice node` or `sluice run` process; the designer serves the same series from its own
 *   routes (app/api/metrics, app/healthz, app/readyz).
 *
 * Series (gauges; the 5-minute ones are the status API's rolling window, not counters):
 * per processor and per connection, labelled flow, component_id, component_name,
 * component_type (the processor type, or "connection") and node:
 *   sluice_{processor,connection}_flowfiles_{in,out}_5m, sluice_{processor,connection}_bytes_{in,out}_5m,
 *   sluice_processor_active_tasks, sluice_processor_bulletins,
 *   sluice_connection_queued_flowfiles, sluice_connection_queued_bytes,
 *   sluice_connection_backpressure (1 while the queue is at or over a threshold);
 * per node from a coordinator: sluice_node_heartbeat_age_seconds, sluice_node_connected;
 * per flow from a coordinator: sluice_flow_nodes_unavailable.
 * From a cluster, component series are per node (`status.nodes`): sum over `node` for the
 * cluster totals the status API shows.
 *
 * Pure except for `startMetricsServer` (node:http): no engine internals, safe for the designer's
 * route bundle.
 */
import { createHash, timingSafeEqual } from "node:crypto";
import http from "node:http";
import type { AddressInfo } from "node:net";
import { Gauge, Registry } from "prom-client";
import type { EngineStatus } from "./engine";
import type { ClusterMember, FlowStatus, NodeApi } from "./node-api";

/** One flow's status at the moment of a scrape, as one node saw it. */
export interface NodeFlowStatus {
  flowId: string;
  node: string;
  status: EngineStatus;
}

/** What one scrape shows. */
export interface MetricsSnapshot {
  /** Per flow and node. */
  flows: NodeFlowStatus[];
  /** Cluster only: the members, for heartbeat ages. */
  members?: ClusterMember[];
  /** Cluster only: flow id → nodes that should run it and did not answer. */
  unavailable?: Record<string, number>;
}

const COMPONENT_LABELS = ["flow", "component_id", "component_name", "component_type", "node"] as const;

/**
 * Reads one moment of `api`: its flows (from `info()`) and each flow's status. A flow that
 * disappears between the two calls is left out; any other failure rejects (a NodeError).
 * From a cluster coordinator each node's own status becomes its own series.
 */
export async function gatherMetrics(api: Pick<NodeApi, "info" | "status">): Promise<MetricsSnapshot> {
  const info = await api.info();
  const node = info.name;
  const statuses = await Promise.all(
    info.flows.map(async (f): Promise<{ flowId: string; status: FlowStatus } | null> => {
      try {
        return { flowId: f.flowId, status: await api.status(f.flowId) };
      } catch (e) {
        if ((e as { code?: string }).code === "not-deployed") return null;
        throw e;
      }
    }),
  );
  const flows: NodeFlowStatus[] = [];
  const unavailable: Record<string, number> = {};
  for (const s of statuses) {
    if (!s) continue;
    if (s.status.nodes) {
      for (const n of s.status.nodes) flows.push({ flowId: s.flowId, node: n.node, status: n.status });
      unavailable[s.flowId] = s.status.unavailable?.length ?? 0;
    } else {
      flows.push({ flowId: s.flowId, node, status: s.status });
    }
  }
  return info.cluster ? { flows, members: info.cluster.members, unavailable } : { flows };
}

/** The snapshot as Prometheus text exposition; `contentType` is the header to send with it. */
export async function renderMetrics(snapshot: MetricsSnapshot): Promise<{ contentType: string; text: string }> {
  const registry = new Registry();
  const gauge = <L extends string>(name: string, help: string, labelNames: readonly L[]) => new Gauge<L>({ name, help, labelNames, registers: [registry] });
  const p = {
    in: gauge("sluice_processor_flowfiles_in_5m", "FlowFiles a processor took in over the last 5 minutes", COMPONENT_LABELS),
    out: gauge("sluice_processor_flowfiles_out_5m", "FlowFiles a processor sent out over the last 5 minutes", COMPONENT_LABELS),
    inBytes: gauge("sluice_processor_bytes_in_5m", "Bytes of the FlowFiles a processor took in over the last 5 minutes", COMPONENT_LABELS),
    outBytes: gauge("sluice_processor_bytes_out_5m", "Bytes of the FlowFiles a processor sent out over the last 5 minutes", COMPONENT_LABELS),
    active: gauge("sluice_processor_active_tasks", "Tasks of a processor running now", COMPONENT_LABELS),
    bulletins: gauge("sluice_processor_bulletins", "Bulletins a processor raised that the node still keeps", COMPONENT_LABELS),
  };
  const c = {
    in: gauge("sluice_connection_flowfiles_in_5m", "FlowFiles queued into a connection over the last 5 minutes", COMPONENT_LABELS),
    out: gauge("sluice_connection_flowfiles_out_5m", "FlowFiles taken from a connection over the last 5 minutes", COMPONENT_LABELS),
    inBytes: gauge("sluice_connection_bytes_in_5m", "Bytes queued into a connection over the last 5 minutes", COMPONENT_LABELS),
    outBytes: gauge("sluice_connection_bytes_out_5m", "Bytes taken from a connection over the last 5 minutes", COMPONENT_LABELS),
    queued: gauge("sluice_connection_queued_flowfiles", "FlowFiles queued in a connection now", COMPONENT_LABELS),
    queuedBytes: gauge("sluice_connection_queued_bytes", "Bytes queued in a connection now", COMPONENT_LABELS),
    backpressure: gauge("sluice_connection_backpressure", "1 while a connection's queue is at or over its object or size threshold", COMPONENT_LABELS),
  };
  for (const { flowId, node, status } of snapshot.flows) {
    const bulletins = new Map<string, number>();
    for (const b of status.bulletins) bulletins.set(b.componentId, (bulletins.get(b.componentId) ?? 0) + 1);
    for (const x of status.processors) {
      const l = { flow: flowId, component_id: x.id, component_name: x.name, component_type: x.type, node };
      p.in.set(l, x.stats.in);
      p.out.set(l, x.stats.out);
      p.inBytes.set(l, x.stats.inBytes);
      p.outBytes.set(l, x.stats.outBytes);
      p.active.set(l, x.activeTasks);
      p.bulletins.set(l, bulletins.get(x.id) ?? 0);
    }
    for (const x of status.connections) {
      const l = { flow: flowId, component_id: x.id, component_name: x.name, component_type: "connection", node };
      c.in.set(l, x.stats.in);
      c.out.set(l, x.stats.out);
      c.inBytes.set(l, x.stats.inBytes);
      c.outBytes.set(l, x.stats.outBytes);
      c.queued.set(l, x.queued.count);
      c.queuedBytes.set(l, x.queued.bytes);
      c.backpressure.set(l, x.fill >= 1 ? 1 : 0);
    }
  }
  if (snapshot.members) {
    const age = gauge("sluice_node_heartbeat_age_seconds", "Seconds since a cluster node's last heartbeat", ["node"]);
    const connected = gauge("sluice_node_connected", "1 while a cluster node is connected (heartbeat current, not decommissioned)", ["node"]);
    for (const m of snapshot.members) {
      age.set({ node: m.id }, m.heartbeatAgeMs / 1000);
      connected.set({ node: m.id }, m.state === "connected" ? 1 : 0);
    }
  }
  if (snapshot.unavailable) {
    const u = gauge("sluice_flow_nodes_unavailable", "Nodes that should run a flow and did not answer the scrape's status request", ["flow"]);
    for (const [flow, n] of Object.entries(snapshot.unavailable)) u.set({ flow }, n);
  }
  return { contentType: registry.contentType, text: await registry.metrics() };
}

/** Bearer-token check in constant time (hashes first, so lengths do not leak either). */
export function bearerMatches(header: string | null | undefined, token: string): boolean {
  const m = /^Bearer\s+(\S+)\s*$/i.exec(header ?? "");
  if (!m) return false;
  const a = createHash("sha256").update(m[1]!).digest();
  const b = createHash("sha256").update(token).digest();
  return timingSafeEqual(a, b);
}

export interface MetricsServerOptions {
  /** Address to bind. @default "127.0.0.1" */
  host?: string;
  port: number;
  /** The bearer token `/metrics` needs; undefined or empty: `/metrics` answers 404 (disabled). */
  token: string | undefined;
  /** Reads one moment of the node (see gatherMetrics). */
  gather: () => Promise<MetricsSnapshot>;
  /** Null when ready, else a one-line reason safe to show to anyone (no paths, no hosts). */
  ready: () => Promise<string | null>;
}

export interface MetricsServer {
  /** The bound address (port resolved when 0 was asked for). */
  host: string;
  port: number;
  close(): Promise<void>;
}

/**
 * Serves a node's `GET /metrics` (Authorization: Bearer <token>; 401 without it, 404 while no
 * token is configured), `GET /healthz` (200 "ok": the process answers) and `GET /readyz` (200
 * "ready", or 503 "not ready: <reason>"). Everything else is 404, other methods 405. Resolves
 * once listening; rejects when the address cannot be bound.
 */
export function startMetricsServer(o: MetricsServerOptions): Promise<MetricsServer> {
  const text = (res: http.ServerResponse, status: number, body: string, headers: Record<string, string> = {}) => {
    res.writeHead(status, { "content-type": "text/plain; charset=utf-8", "cache-control": "no-store", ...headers });
    res.end(body);
  };
  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? "/", "http://node");
    if (req.method !== "GET" && req.method !== "HEAD") return text(res, 405, "method not allowed\n", { allow: "GET, HEAD" });
    if (url.pathname === "/healthz") return text(res, 200, "ok\n");
    if (url.pathname === "/readyz") {
      o.ready().then(
        (reason) => (reason ? text(res, 503, `not ready: ${reason}\n`) : text(res, 200, "ready\n")),
        () => text(res, 503, "not ready: the node does not answer\n"),
      );
      return;
    }
    if (url.pathname === "/metrics") {
      if (!o.token) return text(res, 404, "metrics are disabled: SLUICE_METRICS_TOKEN is not set\n");
      if (!bearerMatches(req.headers.authorization, o.token)) return text(res, 401, "unauthenticated\n", { "www-authenticate": "Bearer" });
      o.gather()
        .then(renderMetrics)
        .then(
          (m) => text(res, 200, m.text, { "content-type": m.contentType }),
          (e: unknown) => text(res, 503, `metrics unavailable: ${e instanceof Error ? e.message.split("\n")[0] : String(e)}\n`),
        );
      return;
    }
    text(res, 404, "not found\n");
  });
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(o.port, o.host ?? "127.0.0.1", () => {
      server.off("error", reject);
      const a = server.address() as AddressInfo;
      resolve({
        host: a.address,
        port: a.port,
        close: () =>
          new Promise<void>((done) => {
            server.closeAllConnections();
            server.close(() => done());
          }),
      });
    });
  });
}
