// ConsumeKafka and PublishKafka options on the real broker, in an in-process engine: topic
// patterns, key encodings, headers ↔ attributes, demarcated batches, provenance with transit
// URIs, gzip, keys from Expression Language, and the failure route with kafka.error.
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { Partitioners, type Admin } from "kafkajs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Engine } from "../../engine/api/engine";
import { uniqueId } from "./helpers/ids";
import { createTestTopic, deleteTestTopics, testKafka } from "./helpers/kafka";
import { kafkaBrokers } from "./helpers/services";

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

describe("kafka processor options", () => {
  const kafka = testKafka();
  let admin: Admin;
  const topics: string[] = [];
  const groups: string[] = [];
  const engines: Engine[] = [];
  const dirs: string[] = [];
  const brokers = (): string => kafkaBrokers().join(",");

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

  function open(flow: Record<string, unknown>): Engine {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "sluice-kafka-features-"));
    dirs.push(dir);
    const e = Engine.open(flow, { dataDir: dir, mode: "durable", silent: true });
    engines.push(e);
    return e;
  }

  async function queuedCount(e: Engine, connection: string, atLeast: number): Promise<void> {
    const deadline = Date.now() + 30_000;
    while (e.status().connections.find((c) => c.id === connection)!.queued.count < atLeast) {
      if (Date.now() > deadline) throw new Error(`${connection} never held ${atLeast} FlowFiles`);
      await sleep(100);
    }
  }

  it("ConsumeKafka: topic pattern, hex keys, headers as attributes, demarcated batches, RECEIVE provenance", async () => {
    const stem = uniqueId("sluice-feat");
    const a = await createTestTopic(admin, { prefix: `${stem}-a`, partitions: 1 });
    const b = await createTestTopic(admin, { prefix: `${stem}-b`, partitions: 1 });
    topics.push(a, b);
    const producer = kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner });
    await producer.connect();
    await producer.send({ topic: a, messages: [{ key: Buffer.from([0xca, 0xfe]), value: "alpha", headers: { "h.one": "1", other: "x" } }, { key: null, value: "beta" }] });
    await producer.send({ topic: b, messages: [{ key: "kb", value: "gamma", headers: { "h.two": Buffer.from("2") } }] });
    await producer.disconnect();

    const group = uniqueId("sluice-feat-g");
    groups.push(group, `${group}-batch`);
    const common = { bootstrapServers: brokers(), topicFormat: "pattern", topics: `${stem}-[ab]-.*`, offsetReset: "earliest", sessionTimeout: "6 sec" };
    const e = open({
      sluice: 1,
      id: "consume-features",
      name: "consume features",
      processors: [
        { id: "records", type: "ConsumeKafka", properties: { ...common, groupId: group, keyEncoding: "hex", headerPattern: "h\\..*" } },
        { id: "batches", type: "ConsumeKafka", properties: { ...common, groupId: `${group}-batch`, outputStrategy: "demarcated", demarcator: "\\n" } },
        { id: "hold", type: "UpdateAttribute", state: "stopped", autoTerminate: ["success"] },
      ],
      connections: [
        { id: "r", source: "records", relationships: ["success"], destination: "hold" },
        { id: "b", source: "batches", relationships: ["success"], destination: "hold" },
      ],
    });
    await e.start();
    await queuedCount(e, "r", 3);
    await queuedCount(e, "b", 2);

    const withContent = (conn: string): Array<Record<string, string>> =>
      e.listQueue(conn).map((f) => ({ ...f.attributes, content: e.queuedContent(conn, f.uuid).content.toString() }));
    const records = withContent("r");
    const byContent = new Map(records.map((r) => [r.content, r]));
    expect(byContent.get("alpha")).toMatchObject({ "kafka.topic": a, "kafka.partition": "0", "kafka.offset": "0", "kafka.key": "cafe", "h.one": "1" });
    expect(byContent.get("alpha")?.other).toBeUndefined();
    expect(Number(byContent.get("alpha")?.["kafka.timestamp"])).toBeGreaterThan(Date.now() - 120_000);
    expect(byContent.get("beta")?.["kafka.key"]).toBeUndefined();
    expect(byContent.get("beta")?.["kafka.offset"]).toBe("1");
    expect(byContent.get("gamma")).toMatchObject({ "kafka.topic": b, "kafka.key": "6b62", "h.two": "2" });

    const batches = withContent("b");
    const batchA = batches.find((x) => x["kafka.topic"] === a);
    expect(batchA).toMatchObject({ "kafka.count": "2", "kafka.offset": "0", content: "alpha\nbeta" });
    expect(batches.find((x) => x["kafka.topic"] === b)).toMatchObject({ "kafka.count": "1", content: "gamma" });

    const received = await e.searchProvenance({ componentId: "records", type: "RECEIVE" });
    expect(received.map((ev) => ev.transitUri).sort()).toEqual([`kafka://${kafkaBrokers()[0]}/${a}`, `kafka://${kafkaBrokers()[0]}/${a}`, `kafka://${kafkaBrokers()[0]}/${b}`]);
    // Offsets are committed once the FlowFiles are durable.
    const deadline = Date.now() + 15_000;
    for (;;) {
      const committed = await admin.fetchOffsets({ groupId: group, topics: [a] });
      if (committed[0]?.partitions[0]?.offset === "2") break;
      if (Date.now() > deadline) throw new Error(`offsets not committed: ${JSON.stringify(committed)}`);
      await sleep(200);
    }
  });

  it("PublishKafka: demarcated content with gzip, key from an attribute, headers, SEND provenance, failure with kafka.error", async () => {
    const out = await createTestTopic(admin, { prefix: "sluice-feat-pub", partitions: 3 });
    topics.push(out);
    const e = open({
      sluice: 1,
      id: "publish-features",
      name: "publish features",
      processors: [
        {
          id: "lines",
          type: "GenerateFlowFile",
          properties: { customText: "one\ntwo\nthree\n", totalCount: "1", "order.id": "o-42", "trace.id": "t-1" },
        },
        { id: "big", type: "GenerateFlowFile", properties: { fileSize: "4 KB", totalCount: "1", "order.id": "o-big" } },
        {
          id: "publish",
          type: "PublishKafka",
          properties: {
            bootstrapServers: brokers(),
            topic: out,
            messageKey: "${order.id}",
            contentFormat: "demarcated",
            demarcator: "\\n",
            compression: "gzip",
            headerPattern: "trace\\..*",
            maxRequestSize: "2 KB",
          },
          autoTerminate: ["success"],
        },
        { id: "hold", type: "UpdateAttribute", state: "stopped", autoTerminate: ["success"] },
      ],
      connections: [
        { id: "in", source: "lines", relationships: ["success"], destination: "publish" },
        { id: "in-big", source: "big", relationships: ["success"], destination: "publish" },
        { id: "failed", source: "publish", relationships: ["failure"], destination: "hold" },
      ],
    });
    await e.start();
    await queuedCount(e, "failed", 1);
    const failed = e.listQueue("failed");
    expect(failed).toHaveLength(1);
    expect(failed[0]?.attributes["order.id"]).toBe("o-big");
    expect(failed[0]?.attributes["kafka.error"]).toMatch(/exceeds Max Request Size \(2048 bytes\)/);
    expect(failed[0]?.penalized).toBe(true);

    const deadline = Date.now() + 15_000;
    let sent: Awaited<ReturnType<Engine["searchProvenance"]>> = [];
    while ((sent = await e.searchProvenance({ componentId: "publish", type: "SEND" })).length < 1) {
      if (Date.now() > deadline) throw new Error("no SEND event");
      await sleep(100);
    }
    expect(sent[0]?.transitUri).toBe(`kafka://${kafkaBrokers()[0]}/${out}`);
    expect(sent[0]?.details).toBe("3 records");

    const group = uniqueId("sluice-feat-read");
    groups.push(group);
    const consumer = kafka.consumer({ groupId: group, maxWaitTimeInMs: 200 });
    const got: Array<{ key: string | undefined; value: string; trace: string | undefined; partition: number; offset: number }> = [];
    await consumer.connect();
    await consumer.subscribe({ topics: [out], fromBeginning: true });
    await consumer.run({
      eachMessage: async ({ message, partition }) => {
        got.push({ key: message.key?.toString(), value: message.value?.toString() ?? "", trace: message.headers?.["trace.id"]?.toString(), partition, offset: Number(message.offset) });
      },
    });
    const readDeadline = Date.now() + 20_000;
    while (got.length < 3 && Date.now() < readDeadline) await sleep(100);
    await consumer.disconnect();
    // One key: one partition, in content order.
    expect(got.map((r) => r.value)).toEqual(["one", "two", "three"]);
    expect(new Set(got.map((r) => r.partition)).size).toBe(1);
    expect(got.every((r) => r.key === "o-42" && r.trace === "t-1")).toBe(true);
  });
});
