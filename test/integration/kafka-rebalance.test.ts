// Two engines run the same relay flow in one consumer group; the second joins part way, so
// partitions move while records sit in the first engine's buffer and queues. Records buffered
// for a revoked partition must be dropped without committing (the new owner reads them), so:
// - at-least-once: nothing is lost (duplicates allowed, counted);
// - exactly-once: nothing is lost and read_committed sees no duplicate, although both engines'
//   PublishKafka publish records of a moved partition (one transactional id per input
//   partition fences the other).
// Per-key order is not asserted: records of a moved partition are published by two engines.
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import type { Admin } from "kafkajs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Engine } from "../../engine/api/engine";
import { analyze, consumerLag, produceInput, readTopic, relayFlow, topicSize } from "../fixtures/kafka/relay";
import { uniqueId } from "./helpers/ids";
import { createTestTopic, deleteTestTopics, testKafka } from "./helpers/kafka";
import { kafkaBrokers } from "./helpers/services";

const N = 40_000;
const KEYS = 1_000;
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

describe("kafka rebalance between two engines", () => {
  const kafka = testKafka();
  let admin: Admin;
  const topics: string[] = [];
  const groups: string[] = [];
  const engines: Engine[] = [];
  const dirs: string[] = [];

  beforeAll(async () => {
    admin = kafka.admin();
    await admin.connect();
  });

  afterAll(async () => {
    for (const e of engines) await e.shutdown();
    await deleteTestTopics(admin, topics);
    await admin.deleteGroups(groups).catch(() => {});
    await admin.disconnect();
    for (const d of dirs) fs.rmSync(d, { recursive: true, force: true });
  });

  async function rebalance(exactlyOnce: boolean): Promise<void> {
    const input = await createTestTopic(admin, { prefix: "sluice-rebalance-in", partitions: 4 });
    const output = await createTestTopic(admin, { prefix: "sluice-rebalance-out" });
    topics.push(input, output);
    const group = uniqueId(exactlyOnce ? "sluice-rebalance-eos" : "sluice-rebalance");
    groups.push(group, `${group}-verify`);
    // Half the input now, half once B is in the group, so B surely gets records to consume.
    await produceInput(kafka, input, N / 2, KEYS);
    const flow = relayFlow({
      brokers: kafkaBrokers().join(","),
      inputTopic: input,
      outputTopic: output,
      groupId: group,
      exactlyOnce,
      maxRecordsPerTrigger: 500,
      publishBatch: 500,
      sessionTimeout: "6 sec",
      // Little in flight per engine, so most input is still unread when B joins.
      objectThreshold: 2_000,
      maxBufferedRecords: 2_000,
    });
    const start = async (): Promise<Engine> => {
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), "sluice-kafka-rebalance-"));
      dirs.push(dir);
      const e = Engine.open(flow, { dataDir: dir, mode: "durable", silent: true });
      engines.push(e);
      await e.start();
      return e;
    };

    const a = await start();
    const firstDeadline = Date.now() + 60_000;
    while ((await topicSize(admin, output)) < N / 10) {
      if (Date.now() > firstDeadline) throw new Error("engine A produced no output");
      await sleep(100);
    }
    const b = await start();
    const joinDeadline = Date.now() + 60_000;
    for (;;) {
      const { groups: described } = await admin.describeGroups([group]);
      if (described[0]?.state === "Stable" && described[0].members.length === 2) break;
      if (Date.now() > joinDeadline) throw new Error(`engine B never joined: ${JSON.stringify(described[0]?.state)}`);
      await sleep(100);
    }
    await produceInput(kafka, input, N / 2, KEYS, { from: N / 2 });

    let lastSize = -1;
    let stableSince = Date.now();
    const deadline = Date.now() + 150_000;
    for (;;) {
      const size = await topicSize(admin, output);
      if (size !== lastSize) {
        lastSize = size;
        stableSince = Date.now();
      }
      if ((await consumerLag(admin, group, input)) === 0 && size >= N && Date.now() - stableSince > 2_000) break;
      if (Date.now() > deadline) throw new Error(`did not drain: output ${size}/${N}`);
      await sleep(250);
    }
    const outOf = (e: Engine): number => e.status().processors.find((p) => p.id === "consume")!.stats.out;
    const consumedA = outOf(a);
    const consumedB = outOf(b);
    const read = await readTopic(kafka, output, { expected: N, groupId: `${group}-verify`, readCommitted: true });
    const report = analyze(read, N);
    console.log(
      `kafka rebalance (${exactlyOnce ? "exactly-once" : "at-least-once"}): engine A consumed ${consumedA}, engine B ${consumedB}; ${report.distinct}/${N} distinct, duplicates=${report.duplicates}`,
    );
    expect(consumedB, "engine B got partitions").toBeGreaterThan(0);
    expect(report.missing.slice(0, 10)).toEqual([]);
    expect(report.distinct).toBe(N);
    expect(report.damaged).toBe(0);
    if (exactlyOnce) expect(report.duplicates).toBe(0);
    for (const e of [a, b]) {
      await e.shutdown();
      engines.splice(engines.indexOf(e), 1);
    }
  }

  it("at-least-once: nothing lost when partitions move", async () => {
    await rebalance(false);
  });

  it("exactly-once: nothing lost and no duplicate when partitions move", async () => {
    await rebalance(true);
  });
});
