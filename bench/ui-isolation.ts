/**
 * ui-isolation: the designer stays responsive while a deployed processor works hard.
 *
 * Starts a production app (`next start`, fresh data dir), imports and starts a flow in which
 * UpdateAttribute evaluates the catastrophic pattern `${literal('aaaaaaaaaaaaaaaaaaaaaaaaaaaaa!'):matches('(a+)+')}`
 * on every FlowFile (GenerateFlowFile, batches of 100, as fast as back pressure allows), then,
 * for --seconds (default 20):
 * - one client polls `GET /api/flows` back to back and records each answer's latency;
 * - a second client listens to the flow's Server-Sent Events and records the gaps between
 *   status frames.
 * It also times `POST /api/processors/validate` with that expression.
 *
 * Prints exactly one line on stdout:
 *   `ui-isolation busy_ms=<b> api_p99_ms=<x> sse_gap_max_ms=<y>`
 * busy_ms: how long the node's event loop was busy during the window (proof that it worked).
 * Targets: api_p99_ms < 100, sse_gap_max_ms < 2000. Details (counts, validate time) on stderr.
 * Options: --seconds N, --url <origin> (use a running app instead of starting one; signs in as
 * admin with SLUICE_ADMIN_PASSWORD).
 */
import { connectApp, startApp, type BenchApp } from "./lib/app-server";

const EXPRESSION = "${literal('aaaaaaaaaaaaaaaaaaaaaaaaaaaaa!'):matches('(a+)+')}";

const SCHEDULING = { strategy: "timer", runSchedule: "0 sec", concurrentTasks: 1, batchSize: 250, penaltyDuration: "30 sec", yieldDuration: "1 sec" };

function flowDocument(): Record<string, unknown> {
  return {
    sluice: 1,
    id: "ui-isolation",
    name: "ui-isolation benchmark",
    processors: [
      { id: "gen", name: "Generate", type: "GenerateFlowFile", properties: { customText: "x", batchSize: "100" }, scheduling: SCHEDULING, autoTerminate: [], state: "running" },
      { id: "eval", name: "Catastrophic pattern", type: "UpdateAttribute", properties: { matched: EXPRESSION }, scheduling: SCHEDULING, autoTerminate: ["success"], state: "running" },
    ],
    connections: [{ id: "gen-eval", source: "gen", relationships: ["success"], destination: "eval" }],
  };
}

function percentile(values: number[], p: number): number {
  const s = [...values].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil((p / 100) * s.length) - 1))] ?? 0;
}

/** Session cookie, Origin and JSON content type of the signed-in app (set in main). */
let authHeaders: Record<string, string> = {};

async function api<T>(url: string, init?: RequestInit): Promise<T> {
  const res = await fetch(url, { ...init, headers: { ...authHeaders, ...init?.headers } });
  const body = (await res.json()) as T & { error?: string };
  if (!res.ok) throw new Error(`${init?.method ?? "GET"} ${url}: ${res.status} ${body.error ?? ""}`);
  return body;
}

/** The part of a status frame this benchmark reads. */
interface Frame {
  processors: Array<{ id: string; in: number; state: string }>;
}

/**
 * Reads the flow's SSE stream until `signal` aborts: records when each status frame arrived,
 * and keeps the last frame.
 */
async function listen(url: string, signal: AbortSignal, arrivals: number[], last: { frame: Frame | null }): Promise<void> {
  const res = await fetch(url, { signal, headers: { Cookie: authHeaders.Cookie ?? "", Accept: "text/event-stream" } });
  if (!res.ok || !res.body) throw new Error(`SSE ${url}: ${res.status}`);
  const reader = res.body.getReader();
  const decoder = new TextDecoder();
  let buf = "";
  try {
    for (;;) {
      const { value, done } = await reader.read();
      if (done) return;
      buf += decoder.decode(value, { stream: true });
      let i: number;
      while ((i = buf.indexOf("\n\n")) >= 0) {
        const frame = buf.slice(0, i);
        buf = buf.slice(i + 2);
        if (!frame.startsWith("event: status")) continue;
        arrivals.push(performance.now());
        const data = frame.split("\n").find((l) => l.startsWith("data: "));
        if (data) last.frame = JSON.parse(data.slice(6)) as Frame;
      }
    }
  } catch (e) {
    if (!signal.aborted) throw e;
  }
}

export async function main(args: string[]): Promise<void> {
  const u = args.indexOf("--url");
  const s = args.indexOf("--seconds");
  const seconds = s >= 0 ? Number(args[s + 1]) : 20;
  const app: BenchApp = u >= 0 && args[u + 1] ? await connectApp(args[u + 1]!) : await startApp(process.cwd());
  authHeaders = app.headers;
  try {
    const base = app.url;
    const t0 = performance.now();
    const validation = await api<{ problems: unknown[] }>(`${base}/api/processors/validate`, {
      method: "POST",
      body: JSON.stringify({ type: "UpdateAttribute", properties: { matched: EXPRESSION } }),
    });
    const validateMs = performance.now() - t0;
    const { id } = await api<{ id: string }>(`${base}/api/flows`, { method: "POST", body: JSON.stringify({ import: flowDocument() }) });
    await api(`${base}/api/flows/${id}/run`, { method: "POST", body: JSON.stringify({ action: "start" }) });
    const stop = new AbortController();
    const arrivals: number[] = [];
    const last: { frame: Frame | null } = { frame: null };
    const sse = listen(`${base}/api/flows/${id}/events`, stop.signal, arrivals, last);
    // Wait until the pattern is being evaluated (FlowFiles reach the processor).
    const deadline = Date.now() + 60_000;
    const evaluated = () => last.frame?.processors.find((p) => p.id === "eval")?.in ?? 0;
    while (evaluated() === 0) {
      if (Date.now() > deadline) throw new Error("the flow did not start evaluating within 60 s");
      await new Promise((r) => setTimeout(r, 100));
    }
    arrivals.length = 0;
    const before = await api<{ busyMs: number }>(`${base}/api/node`);
    const latencies: number[] = [];
    const end = performance.now() + seconds * 1000;
    while (performance.now() < end) {
      const a = performance.now();
      const res = await fetch(`${base}/api/flows`, { headers: { Cookie: app.cookie } });
      await res.arrayBuffer();
      if (!res.ok) throw new Error(`GET /api/flows: ${res.status}`);
      latencies.push(performance.now() - a);
    }
    const windowEnd = performance.now();
    stop.abort();
    await sse;
    const after = await api<{ busyMs: number }>(`${base}/api/node`);
    const gaps: number[] = [];
    for (let i = 1; i < arrivals.length; i++) gaps.push(arrivals[i]! - arrivals[i - 1]!);
    // A stream that went quiet before the window ended counts as one long gap.
    if (arrivals.length > 0) gaps.push(windowEnd - arrivals[arrivals.length - 1]!);
    const busy = after.busyMs - before.busyMs;
    process.stderr.write(
      `ui-isolation: ${latencies.length} GET /api/flows in ${seconds} s (p50 ${percentile(latencies, 50).toFixed(1)} ms, max ${Math.max(...latencies).toFixed(1)} ms); ` +
        `${arrivals.length} SSE status frames; validate answered in ${validateMs.toFixed(0)} ms with ${validation.problems.length} problem(s); ` +
        `the pattern was evaluated on ${evaluated()} FlowFiles (5-minute count)\n`,
    );
    if (arrivals.length < 2) throw new Error(`only ${arrivals.length} SSE status frames arrived`);
    process.stdout.write(`ui-isolation busy_ms=${Math.round(busy)} api_p99_ms=${percentile(latencies, 99).toFixed(1)} sse_gap_max_ms=${Math.round(Math.max(...gaps))}\n`);
  } finally {
    await app.stop();
  }
}

main(process.argv.slice(2)).then(
  () => process.exit(0),
  (e: unknown) => {
    process.stderr.write(`ui-isolation: ${e instanceof Error ? e.stack : String(e)}\n`);
    process.exit(1);
  },
);
