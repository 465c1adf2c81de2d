// ConsumeKafka → UpdateAttribute → PublishKafka in a durable in-process engine, on the real
// broker: 100,000 records with 1,000 keys all arrive once, keys, headers and per-key order intact.
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import type { Admin } from "kafkajs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Engine } from "../../engine/api/engine";
import { analyze, produceInput, readTopic, relayFlow, topicSize } from "../fixtures/kafka/relay";
import { uniqueId } from "./helpers/ids";
import { createTestTopic, deleteTestTopics, testKafka } from "./helpers/kafka";
import { kafkaBrokers } from "./helpers/services";

const N = Number(process.env.SLUICE_KAFKA_RELAY_N ?? 100_000);
const KEYS = 1_000;

describe("kafka relay", () => {
  const kafka = testKafka();
  let admin: Admin;
  const topics: string[] = [];
  const groups: string[] = [];
  let dataDir = "";
  let engine: Engine | undefined;

  beforeAll(async () => {
    admin = kafka.admin();
    await admin.connect();
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "sluice-kafka-relay-"));
  });

  afterAll(async () => {
    await engine?.shutdown();
    await deleteTestTopics(admin, topics);
    await admin.deleteGroups(groups).catch(() => {});
    await admin.disconnect();
    fs.rmSync(dataDir, { recursive: true, force: true });
  });

  async function relay(strategy: "record" | "framed"): Promise<void> {
    const input = await createTestTopic(admin, { prefix: "sluice-relay-in" });
    const output = await createTestTopic(admin, { prefix: "sluice-relay-out" });
    topics.push(input, output);
    const group = uniqueId("sluice-relay");
    groups.push(group, `${group}-verify`);
    await produceInput(kafka, input, N, KEYS);

    const t0 = Date.now();
    engine = Engine.open(relayFlow({ brokers: kafkaBrokers().join(","), inputTopic: input, outputTopic: output, groupId: group, strategy }), {
      dataDir: fs.mkdtempSync(path.join(dataDir, `${strategy}-`)),
      mode: "durable",
      silent: true,
    });
    await engine.start();
    const deadline = Date.now() + 150_000;
    while ((await topicSize(admin, output)) < N && Date.now() < deadline) await new Promise((r) => setTimeout(r, 250));
    const seconds = (Date.now() - t0) / 1000;
    console.log(`kafka-relay test (${strategy}): ${N} records relayed in ${seconds.toFixed(1)} s (${Math.round(N / seconds)} records/s)`);
    const status = engine.status();
    expect(status.bulletins.filter((b) => b.level === "error")).toEqual([]);

    const read = await readTopic(kafka, output, { expected: N, groupId: `${group}-verify` });
    const report = analyze(read, N);
    expect(report.missing.slice(0, 10)).toEqual([]);
    expect(report.distinct).toBe(N);
    expect(report.duplicates).toBe(0);
    expect(report.damaged).toBe(0);
    expect(report.outOfOrderKeys.slice(0, 10)).toEqual([]);
    // One key, one output partition (Java-compatible partitioner), so order per key is meaningful.
    const partitionsByKey = new Map<string, Set<number>>();
    for (const r of read) (partitionsByKey.get(r.key) ?? partitionsByKey.set(r.key, new Set()).get(r.key)!).add(r.partition);
    expect([...partitionsByKey.values()].every((s) => s.size === 1)).toBe(true);
    expect(partitionsByKey.size).toBe(KEYS);
    await engine.shutdown();
    engine = undefined;
  }

  it(`relays ${N} records with ${KEYS} keys, one FlowFile per record: none lost or duplicated, per-key order kept`, async () => {
    await relay("record");
  });

  it(`relays ${N} records with ${KEYS} keys in framed record batches: none lost or duplicated, per-key order kept`, async () => {
    await relay("framed");
  });
});
