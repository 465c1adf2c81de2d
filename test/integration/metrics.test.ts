/**
 * Metrics and health (issue "Worker nodes"), end to end:
 * - a designer in cluster mode (a real `next start` with SLUICE_REDIS_URL) and one `sluice node`
 *   with `--metrics-port`; a flow imported and partly started through the API stops producing after
 *   its Total Count, with its last queue held by a stopped processor, so its figures are stable;
 *   then the designer's `/metrics` (a viewer API token) and the node's own `/metrics`
 *   (SLUICE_METRICS_TOKEN) show, per processor and connection, the figures of the status API's
 *   `status` event at the same moment, and the designer shows the node's heartbeat age;
 * - both answer 401 without the token or with a wrong one; `/healthz` and `/readyz` answer 200
 *   without any credential;
 * - `sluice run --metrics-port` serves its flow's series, and without SLUICE_METRICS_TOKEN says
 *   at start that `/metrics` is disabled (404) while health still answers.
 * Every wait is for a condition, with a deadline.
 */
import { execFileSync, spawn, type ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startServer, type TestServer } from "./helpers/app-server";
import { uniqueId } from "./helpers/ids";
import { deleteKeysWithPrefix, testRedis } from "./helpers/redis";
import { redisUrl } from "./helpers/services";
import { until } from "./helpers/until";

const ROOT = path.resolve(import.meta.dirname, "../..");
const ADMIN_PASSWORD = `admin-${randomBytes(9).toString("base64url")}`;
const SECRET = `metrics-test-${randomBytes(12).toString("hex")}`;
const CLUSTER = uniqueId("metrics-test");
const NODE_TOKEN = `node-metrics-${randomBytes(16).toString("hex")}`;
/** FlowFiles the flow's GenerateFlowFile makes; they stay queued before the stopped `hold`. */
const TOTAL = 5;

interface Proc {
  child: ChildProcess;
  stderr: () => string;
}

let base = "";
let cli = "";
let server: TestServer;
let adminCookie = "";
let viewerToken = "";
let node: Proc;
let nodeUrl = "";
let flowId = "";
const children = new Set<ChildProcess>();

/** gen (Total Count TOTAL) → upd → hold (stopped, so TOTAL stay queued in upd-hold). */
function flowDoc(id: string) {
  return {
    sluice: 1,
    id,
    name: "metrics test",
    processors: [
      { id: "gen", name: "Generate", type: "GenerateFlowFile", properties: { batchSize: "1", totalCount: String(TOTAL), customText: "metrics" }, scheduling: { runSchedule: "50 ms" }, state: "running" },
      { id: "upd", name: "Update", type: "UpdateAttribute", properties: { stage: "m" }, state: "running" },
      { id: "hold", name: "Hold", type: "LogAttribute", properties: {}, autoTerminate: ["success"], state: "stopped" },
    ],
    connections: [
      { id: "gen-upd", source: "gen", relationships: ["success"], destination: "upd" },
      { id: "upd-hold", source: "upd", relationships: ["success"], destination: "hold" },
    ],
  };
}

function startCli(args: string[], env: Record<string, string | undefined>): Proc {
  const full: NodeJS.ProcessEnv = { ...process.env, SLUICE_ENGINE_LOG_LEVEL: "warn", SLUICE_LOG_LEVEL: "warn", ...env };
  delete full.SLUICE_REDIS_URL;
  for (const [k, v] of Object.entries(env)) if (v === undefined) delete full[k];
  const child = spawn(process.execPath, [cli, ...args], { cwd: ROOT, stdio: ["ignore", "ignore", "pipe"], env: full });
  children.add(child);
  child.on("exit", () => children.delete(child));
  let err = "";
  child.stderr!.on("data", (d: Buffer) => (err += d.toString()));
  return { child, stderr: () => err };
}

async function stopProc(p: Proc): Promise<void> {
  const c = p.child;
  if (c.exitCode !== null || c.signalCode !== null) return;
  const exited = new Promise((r) => c.once("exit", r));
  c.kill("SIGTERM");
  const timer = setTimeout(() => c.kill("SIGKILL"), 10_000);
  await exited;
  clearTimeout(timer);
}

/** The base URL a process printed for its health endpoints ("... health at http://h:p/healthz"). */
function healthBase(p: Proc): string | undefined {
  return /health at (http:\/\/\S+)\/healthz/.exec(p.stderr())?.[1];
}

interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

/** Prometheus text exposition → samples (comments skipped). */
function parseMetrics(text: string): Sample[] {
  const out: Sample[] = [];
  for (const line of text.split("\n")) {
    if (!line || line.startsWith("#")) continue;
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})?\s+(\S+)$/.exec(line);
    if (!m) throw new Error(`not a sample line: ${line}`);
    const labels: Record<string, string> = {};
    for (const l of (m[2] ?? "").matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g)) labels[l[1]!] = l[2]!.replace(/\\(.)/g, (_, c: string) => (c === "n" ? "\n" : c));
    out.push({ name: m[1]!, labels, value: Number(m[3]) });
  }
  return out;
}

/** The one sample of `name` whose labels include `labels`. */
function sample(samples: Sample[], name: string, labels: Record<string, string>): number {
  const hits = samples.filter((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v));
  if (hits.length !== 1) throw new Error(`${hits.length} samples of ${name} ${JSON.stringify(labels)}`);
  return hits[0]!.value;
}

interface Frame {
  processors: Array<{ id: string; state: string; activeTasks: number; in: number; inBytes: number; out: number; outBytes: number }>;
  connections: Array<{ id: string; count: number; bytes: number; fill: number }>;
}

/** The first `status` event of the flow's event stream (the status API the canvas reads). */
async function statusFrame(): Promise<Frame> {
  const ac = new AbortController();
  const res = await fetch(`${server.baseUrl}/api/flows/${flowId}/events`, { headers: { cookie: adminCookie }, signal: ac.signal });
  expect(res.status).toBe(200);
  const reader = res.body!.getReader();
  let buf = "";
  try {
    for (;;) {
      const { value, done } = await reader.read();
      if (done) throw new Error(`the event stream ended before a status event: ${buf}`);
      buf += new TextDecoder().decode(value);
      const m = /event: status\ndata: (.*)\n\n/.exec(buf);
      if (m) return JSON.parse(m[1]!) as Frame;
    }
  } finally {
    ac.abort();
  }
}

async function scrape(url: string, token?: string): Promise<{ status: number; text: string; contentType: string }> {
  const res = await fetch(url, { headers: token ? { authorization: `Bearer ${token}` } : {} });
  return { status: res.status, text: await res.text(), contentType: res.headers.get("content-type") ?? "" };
}

/** Every processor and connection figure of `frame` equals the series for (flow, node). */
function expectSeriesMatch(samples: Sample[], frame: Frame, nodeName: string, flow: string): void {
  for (const p of frame.processors) {
    const l = { flow, node: nodeName, component_id: p.id };
    expect([p.id, sample(samples, "sluice_processor_flowfiles_in_5m", l), sample(samples, "sluice_processor_flowfiles_out_5m", l)]).toEqual([p.id, p.in, p.out]);
    expect([p.id, sample(samples, "sluice_processor_bytes_in_5m", l), sample(samples, "sluice_processor_bytes_out_5m", l)]).toEqual([p.id, p.inBytes, p.outBytes]);
    expect(sample(samples, "sluice_processor_bulletins", l)).toBe(0);
    if (p.state === "stopped") expect(sample(samples, "sluice_processor_active_tasks", l)).toBe(0);
  }
  for (const c of frame.connections) {
    const l = { flow, node: nodeName, component_id: c.id, component_type: "connection" };
    expect([c.id, sample(samples, "sluice_connection_queued_flowfiles", l), sample(samples, "sluice_connection_queued_bytes", l)]).toEqual([c.id, c.count, c.bytes]);
    expect(sample(samples, "sluice_connection_backpressure", l)).toBe(c.fill >= 1 ? 1 : 0);
  }
}

beforeAll(async () => {
  base = fs.mkdtempSync(path.join(os.tmpdir(), "sluice-metrics-"));
  const built = execFileSync(
    process.execPath,
    ["--input-type=module", "-e", "const m = await import('./scripts/build-engine.mjs'); process.stdout.write(await m.ensureEngineBuild());"],
    { cwd: ROOT, encoding: "utf8" },
  );
  cli = path.join(built.trim(), "sluice.js");
  server = await startServer({ SLUICE_ADMIN_PASSWORD: ADMIN_PASSWORD, SLUICE_REDIS_URL: redisUrl(), SLUICE_CLUSTER_SECRET: SECRET, SLUICE_CLUSTER_NAME: CLUSTER });
  const login = await fetch(`${server.baseUrl}/api/auth/login`, {
    method: "POST",
    headers: { "content-type": "application/json", origin: server.baseUrl },
    body: JSON.stringify({ username: "admin", password: ADMIN_PASSWORD }),
  });
  expect(login.status).toBe(200);
  adminCookie = (login.headers.get("set-cookie") ?? "").split(";")[0]!;
  const token = await fetch(`${server.baseUrl}/api/tokens`, {
    method: "POST",
    headers: { "content-type": "application/json", origin: server.baseUrl, cookie: adminCookie },
    body: JSON.stringify({ name: "prometheus", role: "viewer" }),
  });
  expect(token.status).toBe(201);
  viewerToken = ((await token.json()) as { token: string }).token;
  node = startCli(["node", "--redis", redisUrl(), "--data-dir", path.join(base, "node-m1"), "--name", "m1", "--cluster", CLUSTER, "--metrics-port", "0"], {
    SLUICE_CLUSTER_SECRET: SECRET,
    SLUICE_METRICS_TOKEN: NODE_TOKEN,
  });
  nodeUrl = await until(() => `the node's metrics address; stderr: ${node.stderr()}`, 60_000, () => healthBase(node));
  await until(
    () => `node m1 connected; stderr: ${node.stderr()}`,
    60_000,
    async () => {
      const info = (await (await fetch(`${server.baseUrl}/api/node`, { headers: { cookie: adminCookie } })).json()) as { cluster?: { members: Array<{ id: string; state: string }> } };
      return info.cluster?.members.some((m) => m.id === "m1" && m.state === "connected");
    },
  );
  const imported = await fetch(`${server.baseUrl}/api/flows`, {
    method: "POST",
    headers: { "content-type": "application/json", origin: server.baseUrl, cookie: adminCookie },
    body: JSON.stringify({ import: flowDoc(uniqueId("metrics-flow")) }),
  });
  const body = (await imported.json()) as { id: string };
  expect(imported.status, JSON.stringify(body)).toBe(201);
  flowId = body.id;
  // Starts gen and upd only: hold stays stopped, so the FlowFiles stay queued before it.
  const started = await fetch(`${server.baseUrl}/api/flows/${flowId}/run`, {
    method: "POST",
    headers: { "content-type": "application/json", origin: server.baseUrl, cookie: adminCookie },
    body: JSON.stringify({ action: "start", processors: ["gen", "upd"] }),
  });
  expect(started.status, await started.text()).toBeLessThan(300);
}, 240_000);

afterAll(async () => {
  await Promise.all([...children].map((c) => stopProc({ child: c, stderr: () => "" })));
  await server?.stop();
  const redis = testRedis();
  try {
    await deleteKeysWithPrefix(redis, CLUSTER);
  } finally {
    await redis.quit();
  }
  if (base) fs.rmSync(base, { recursive: true, force: true });
});

describe("metrics: the designer of a cluster and a sluice node", () => {
  it("show the status API's figures per processor and connection, and the node's heartbeat age", async () => {
    let last: Frame | undefined;
    const frame = await until(
      () => `the flow to make its Total Count and hold it queued; last status: ${JSON.stringify(last)}`,
      60_000,
      async () => {
        const f = await statusFrame();
        last = f;
        const gen = f.processors.find((p) => p.id === "gen");
        return gen?.out === TOTAL && f.connections.find((c) => c.id === "upd-hold")?.count === TOTAL && f;
      },
    );
    const designer = await scrape(`${server.baseUrl}/metrics`, viewerToken);
    expect(designer.status, designer.text).toBe(200);
    expect(designer.contentType).toContain("text/plain");
    const ds = parseMetrics(designer.text);
    expectSeriesMatch(ds, frame, "m1", flowId);
    expect(sample(ds, "sluice_processor_flowfiles_out_5m", { flow: flowId, node: "m1", component_id: "gen", component_name: "Generate", component_type: "GenerateFlowFile" })).toBe(TOTAL);
    expect(sample(ds, "sluice_node_connected", { node: "m1" })).toBe(1);
    const age = sample(ds, "sluice_node_heartbeat_age_seconds", { node: "m1" });
    expect(age).toBeGreaterThanOrEqual(0);
    expect(age).toBeLessThan(15);
    expect(sample(ds, "sluice_flow_nodes_unavailable", { flow: flowId })).toBe(0);
    // /api/metrics is the same route.
    expect((await scrape(`${server.baseUrl}/api/metrics`, viewerToken)).status).toBe(200);

    const own = await scrape(`${nodeUrl}/metrics`, NODE_TOKEN);
    expect(own.status, own.text).toBe(200);
    expectSeriesMatch(parseMetrics(own.text), frame, "m1", flowId);
    expect(parseMetrics(own.text).some((s) => s.name === "sluice_node_heartbeat_age_seconds")).toBe(false);
  });

  it("answer 401 without the token or with a wrong one", async () => {
    for (const url of [`${server.baseUrl}/metrics`, `${server.baseUrl}/api/metrics`]) {
      expect((await scrape(url)).status).toBe(401);
      expect((await scrape(url, "sluice_not-a-real-token")).status).toBe(401);
      expect((await scrape(url, NODE_TOKEN)).status).toBe(401);
    }
    const none = await scrape(`${nodeUrl}/metrics`);
    expect(none.status).toBe(401);
    expect(none.text).not.toContain("sluice_");
    expect((await scrape(`${nodeUrl}/metrics`, viewerToken)).status).toBe(401);
    expect((await scrape(`${nodeUrl}/metrics`, `${NODE_TOKEN}x`)).status).toBe(401);
    expect(node.stderr()).not.toContain(NODE_TOKEN);
    expect(server.output()).not.toContain(viewerToken);
  });

  it("answer /healthz and /readyz without a credential", async () => {
    for (const b of [server.baseUrl, nodeUrl]) {
      expect(await scrape(`${b}/healthz`)).toMatchObject({ status: 200, text: "ok\n" });
      expect(await scrape(`${b}/readyz`)).toMatchObject({ status: 200, text: "ready\n" });
    }
  });
});

describe("metrics: sluice run --metrics-port", () => {
  it("serves its flow's series with SLUICE_METRICS_TOKEN, and says /metrics is disabled without it", async () => {
    const flowFile = path.join(base, "run.flow.json");
    fs.writeFileSync(flowFile, JSON.stringify(flowDoc("run-flow")));
    const run = startCli(["run", flowFile, "--data-dir", path.join(base, "run"), "--metrics-port", "0"], { SLUICE_METRICS_TOKEN: NODE_TOKEN });
    const url = await until(() => `sluice run's metrics address; stderr: ${run.stderr()}`, 60_000, () => healthBase(run));
    expect(run.stderr()).toContain(`metrics at ${url}/metrics`);
    const samples = await until(
      () => "sluice run to hold its Total Count",
      60_000,
      async () => {
        const s = parseMetrics((await scrape(`${url}/metrics`, NODE_TOKEN)).text);
        return sample(s, "sluice_connection_queued_flowfiles", { flow: "run-flow", component_id: "upd-hold" }) === TOTAL && s;
      },
    );
    expect(sample(samples, "sluice_processor_flowfiles_out_5m", { flow: "run-flow", component_id: "gen" })).toBe(TOTAL);
    expect(sample(samples, "sluice_processor_flowfiles_in_5m", { flow: "run-flow", component_id: "upd" })).toBe(TOTAL);
    expect(sample(samples, "sluice_connection_queued_flowfiles", { flow: "run-flow", component_id: "gen-upd" })).toBe(0);
    expect((await scrape(`${url}/metrics`)).status).toBe(401);
    expect(await scrape(`${url}/readyz`)).toMatchObject({ status: 200, text: "ready\n" });
    await stopProc(run);

    const quiet = startCli(["run", flowFile, "--data-dir", path.join(base, "run"), "--metrics-port", "0"], { SLUICE_METRICS_TOKEN: undefined });
    const quietUrl = await until(() => `the disabled-metrics line; stderr: ${quiet.stderr()}`, 60_000, () => healthBase(quiet));
    expect(quiet.stderr()).toContain("sluice: /metrics is disabled (SLUICE_METRICS_TOKEN is not set)");
    expect((await scrape(`${quietUrl}/metrics`, NODE_TOKEN)).status).toBe(404);
    expect(await scrape(`${quietUrl}/healthz`)).toMatchObject({ status: 200, text: "ok\n" });
    await stopProc(quiet);
  });
});
