// Round trip through the real Kafka broker (scripts/services.sh): what the Kafka processors will
// rely on — keyed records keep their keys, nothing is lost or duplicated, and records with the
// same key come back in the order they were produced.
import { Partitioners, type Admin, type Consumer, type Producer } from "kafkajs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { uniqueId } from "./helpers/ids";
import { createTestTopic, deleteTestTopics, testKafka } from "./helpers/kafka";
import { withTimeout } from "./helpers/timeout";

const RECORDS = 1000;
const KEYS = 100;

interface Sent {
  id: number;
  key: string;
  /** Position of this record among those with the same key (0, 1, 2, ...). */
  seq: number;
}

interface Received extends Sent {
  recordKey: string | null;
  partition: number;
}

describe("kafka round trip", () => {
  const kafka = testKafka();
  let admin: Admin;
  let producer: Producer | undefined;
  let consumer: Consumer | undefined;
  let topic: string | undefined;
  const groupId = uniqueId("sluice-test-group");

  beforeAll(async () => {
    admin = kafka.admin();
    await admin.connect();
  });

  afterAll(async () => {
    await consumer?.disconnect();
    await producer?.disconnect();
    if (topic) await deleteTestTopics(admin, [topic]);
    // The group is empty once the consumer left; deleting it keeps the broker tidy across runs.
    await admin.deleteGroups([groupId]).catch(() => {});
    await admin.disconnect();
  });

  it("delivers 1,000 keyed records exactly once, keys intact, per-key order preserved", async () => {
    topic = await createTestTopic(admin, { prefix: "sluice-roundtrip", partitions: 3 });
    const meta = await admin.fetchTopicMetadata({ topics: [topic] });
    expect(meta.topics[0]?.partitions).toHaveLength(3);

    const sent: Sent[] = Array.from({ length: RECORDS }, (_, id) => ({
      id,
      key: `k${id % KEYS}`,
      seq: Math.floor(id / KEYS),
    }));

    // The Java-compatible partitioner, as the Kafka processors will use.
    producer = kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner });
    await producer.connect();
    // Sequential sends: concurrent ones could reorder records of one key across requests.
    for (let i = 0; i < RECORDS; i += 100) {
      await producer.send({
        topic,
        acks: -1,
        messages: sent.slice(i, i + 100).map((r) => ({ key: r.key, value: JSON.stringify(r) })),
      });
    }

    const received: Received[] = [];
    let allArrived: () => void = () => {};
    const arrived = new Promise<void>((resolve) => (allArrived = resolve));

    // A short fetch wait: stop() waits for the fetch in flight, 5 s by default.
    consumer = kafka.consumer({ groupId, sessionTimeout: 10_000, heartbeatInterval: 1_000, maxWaitTimeInMs: 250 });
    await consumer.connect();
    await consumer.subscribe({ topics: [topic], fromBeginning: true });
    await consumer.run({
      eachMessage: async ({ partition, message }) => {
        const value = JSON.parse(message.value?.toString("utf8") ?? "null") as Sent;
        received.push({ ...value, recordKey: message.key?.toString("utf8") ?? null, partition });
        if (received.length >= RECORDS) allArrived();
      },
    });
    await withTimeout(arrived, 60_000, `consuming ${RECORDS} records`);
    // Give a duplicate delivery a moment to show up before counting.
    await new Promise((r) => setTimeout(r, 500));
    await consumer.stop();

    expect(received).toHaveLength(RECORDS);

    const ids = received.map((r) => r.id).sort((a, b) => a - b);
    expect(ids).toEqual(sent.map((r) => r.id));

    for (const r of received) {
      expect(r.recordKey, `record ${r.id}`).toBe(`k${r.id % KEYS}`);
      expect(r.key, `record ${r.id}`).toBe(r.recordKey);
    }

    const byKey = new Map<string, Received[]>();
    for (const r of received) byKey.set(r.key, [...(byKey.get(r.key) ?? []), r]);
    expect(byKey.size).toBe(KEYS);
    for (const [key, records] of byKey) {
      expect(records.map((r) => r.seq), `order of ${key}`).toEqual([...Array(RECORDS / KEYS).keys()]);
      // One key, one partition: what makes the per-key order hold at all.
      expect(new Set(records.map((r) => r.partition)).size, `partitions of ${key}`).toBe(1);
    }
    // 100 keys over 3 partitions: every partition got some.
    expect(new Set(received.map((r) => r.partition)).size).toBe(3);
  });
});
