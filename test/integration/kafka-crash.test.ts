// kill -9 of the engine in the middle of a Kafka relay (`sluice run` as a child process), then a
// restart on the same data dir:
// - at-least-once: no record is missing; duplicates are allowed, counted and printed;
// - exactly-once (transactions): no record is missing and a read_committed consumer sees none twice.
import { spawn, type ChildProcess } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import type { Admin } from "kafkajs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { analyze, consumerLag, produceInput, readTopic, relayFlow, topicSize } from "../fixtures/kafka/relay";
import { uniqueId } from "./helpers/ids";
import { createTestTopic, deleteTestTopics, testKafka } from "./helpers/kafka";
import { kafkaBrokers } from "./helpers/services";

const N = 30_000;
const KEYS = 1_000;
const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");

interface Run {
  child: ChildProcess;
  exited: Promise<number | null>;
  log: string;
}

/** Starts `sluice run` on the flow; its stderr (engine log) goes to `log`. */
function startEngine(flowFile: string, dataDir: string, log: string): Run {
  const out = fs.openSync(log, "a");
  const child = spawn(process.execPath, [path.join(root, "bin/sluice.mjs"), "run", flowFile, "--data-dir", dataDir, "--mode", "durable"], {
    cwd: root,
    stdio: ["ignore", out, out],
    env: { ...process.env, SLUICE_LOG_LEVEL: "info" },
  });
  fs.closeSync(out);
  const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));
  return { child, exited, log };
}

async function until(what: string, timeoutMs: number, check: () => Promise<boolean>): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

/** Waits for the group to have consumed everything and the output topic to stop growing. */
async function untilDrained(admin: Admin, group: string, input: string, output: string, run: Run, timeoutMs: number): Promise<void> {
  let lastSize = -1;
  let stableSince = Date.now();
  await until("the relay to drain", timeoutMs, async () => {
    if (run.child.exitCode !== null) throw new Error(`sluice exited early (${run.child.exitCode}); see ${run.log}`);
    const size = await topicSize(admin, output);
    if (size !== lastSize) {
      lastSize = size;
      stableSince = Date.now();
    }
    return (await consumerLag(admin, group, input)) === 0 && size >= N && Date.now() - stableSince > 2_000;
  });
}

describe("kafka relay survives kill -9", () => {
  const kafka = testKafka();
  let admin: Admin;
  const topics: string[] = [];
  const groups: string[] = [];
  const dirs: string[] = [];
  const children: ChildProcess[] = [];

  beforeAll(async () => {
    admin = kafka.admin();
    await admin.connect();
  });

  afterAll(async () => {
    for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill("SIGKILL");
    await deleteTestTopics(admin, topics);
    await admin.deleteGroups(groups).catch(() => {});
    await admin.disconnect();
    for (const d of dirs) fs.rmSync(d, { recursive: true, force: true });
  });

  async function crashAndRecover(
    exactlyOnce: boolean,
    strategy: "record" | "framed" = "record",
  ): Promise<{ duplicates: number; skipped: number; killedAt: number; recovered: number }> {
    const input = await createTestTopic(admin, { prefix: "sluice-crash-in" });
    const output = await createTestTopic(admin, { prefix: "sluice-crash-out" });
    topics.push(input, output);
    const group = uniqueId(exactlyOnce ? "sluice-crash-eos" : "sluice-crash-alo");
    groups.push(group, `${group}-verify`);
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "sluice-kafka-crash-"));
    dirs.push(dir);
    const flowFile = path.join(dir, "flow.json");
    const flow = relayFlow({
      brokers: kafkaBrokers().join(","),
      inputTopic: input,
      outputTopic: output,
      groupId: group,
      exactlyOnce,
      strategy,
      maxRecordsPerTrigger: 500,
      publishBatch: 500,
      sessionTimeout: "6 sec",
    });
    fs.writeFileSync(flowFile, JSON.stringify(flow, null, 2));
    const dataDir = path.join(dir, "data");
    const log = path.join(dir, "sluice.log");
    await produceInput(kafka, input, N, KEYS);

    const first = startEngine(flowFile, dataDir, log);
    children.push(first.child);
    // Part way: some output exists, much input is still to go.
    await until("first output", 90_000, async () => {
      if (first.child.exitCode !== null) throw new Error(`sluice exited early; see ${log}`);
      return (await topicSize(admin, output)) >= N / 5;
    });
    const killedAt = await topicSize(admin, output);
    first.child.kill("SIGKILL");
    await first.exited;

    const second = startEngine(flowFile, dataDir, log);
    children.push(second.child);
    await untilDrained(admin, group, input, output, second, 150_000);
    second.child.kill("SIGTERM");
    await second.exited;

    const read = await readTopic(kafka, output, { expected: N, groupId: `${group}-verify`, readCommitted: true });
    const report = analyze(read, N);
    expect(report.missing.slice(0, 10), `missing ids (log: ${log})`).toEqual([]);
    expect(report.distinct).toBe(N);
    expect(report.damaged).toBe(0);
    expect(report.outOfOrderKeys.slice(0, 10)).toEqual([]);
    const text = fs.readFileSync(log, "utf8");
    const skipped = [...text.matchAll(/skipped (\d+) record\(s\) already published/g)].reduce((n, m) => n + Number(m[1]), 0);
    // The restart's line: "recovered <n> FlowFiles" (the first start recovers none).
    const recovered = Math.max(0, ...[...text.matchAll(/recovered (\d+) FlowFiles/g)].map((m) => Number(m[1])));
    return { duplicates: report.duplicates, skipped, killedAt, recovered };
  }

  it("at-least-once: nothing lost; duplicates counted", async () => {
    const r = await crashAndRecover(false);
    console.log(`kafka crash, at-least-once: killed with ${r.killedAt} records out; restart recovered ${r.recovered} FlowFiles; ${N} distinct delivered; duplicates=${r.duplicates}`);
  });

  it("exactly-once: nothing lost, no duplicate visible to read_committed", async () => {
    const r = await crashAndRecover(true);
    console.log(
      `kafka crash, exactly-once: killed with ${r.killedAt} records out (uncommitted included); restart recovered ${r.recovered} FlowFiles; ${N} distinct delivered; duplicates=${r.duplicates}; records recognised as already published after restart=${r.skipped}`,
    );
    expect(r.duplicates).toBe(0);
  });

  it("exactly-once with framed record batches: nothing lost, no duplicate (records of a batch deduplicated one by one)", async () => {
    const r = await crashAndRecover(true, "framed");
    console.log(
      `kafka crash, exactly-once framed: killed with ${r.killedAt} records out; restart recovered ${r.recovered} FlowFiles; ${N} distinct delivered; duplicates=${r.duplicates}; records recognised as already published after restart=${r.skipped}`,
    );
    expect(r.duplicates).toBe(0);
  });
});
