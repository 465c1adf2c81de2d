// Exactly-once PublishKafka on the real broker when FlowFiles of a partition arrive out of the
// order they were consumed in (e.g. one was penalized while later ones went ahead): the late
// record is published once, not dropped as a duplicate, and the group's offset never moves back.
// Records published before the producer started are still recognised as duplicates.
import type { Admin } from "kafkajs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { PublishKafka } from "../../processors/kafka/publish-kafka";
import { testRunner } from "../../processors/testing/runner";
import { uniqueId } from "./helpers/ids";
import { createTestTopic, deleteTestTopics, testKafka } from "./helpers/kafka";
import { kafkaBrokers } from "./helpers/services";

describe("exactly-once PublishKafka with FlowFiles out of consumed order", () => {
  const kafka = testKafka();
  let admin: Admin;
  let input: string;
  let output: string;
  const group = uniqueId("sluice-eos-order");

  beforeAll(async () => {
    admin = kafka.admin();
    await admin.connect();
    input = await createTestTopic(admin, { prefix: "sluice-eos-in", partitions: 1 });
    output = await createTestTopic(admin, { prefix: "sluice-eos-out", partitions: 1 });
  });

  afterAll(async () => {
    await deleteTestTopics(admin, [input, output]);
    await admin.deleteGroups([group]).catch(() => {});
    await admin.disconnect();
  });

  /** A FlowFile as ConsumeKafka makes it in exactly-once mode (one per record). */
  const record = (offset: number) => ({
    "kafka.consumer.group": group,
    "kafka.topic": input,
    "kafka.partition": "0",
    "kafka.offset": String(offset),
  });

  const publisher = () =>
    testRunner(PublishKafka, {
      properties: { bootstrapServers: kafkaBrokers().join(","), topic: output, transactional: "true", acks: "all", transactionalIdPrefix: group },
      // One FlowFile per trigger, so each goes in its own transaction, in enqueue order.
      scheduling: { batchSize: 1 },
    });

  async function committedOffset(): Promise<number> {
    const res = await admin.fetchOffsets({ groupId: group, topics: [input] });
    return Number(res[0]!.partitions[0]!.offset);
  }

  async function readCommitted(expected: number): Promise<string[]> {
    const consumer = kafka.consumer({ groupId: uniqueId("sluice-eos-order-check"), readUncommitted: false });
    await consumer.connect();
    await consumer.subscribe({ topic: output, fromBeginning: true });
    const seen: string[] = [];
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`read ${seen.length} of ${expected} records`)), 30_000);
      void consumer.run({
        eachMessage: async ({ message }) => {
          seen.push(message.value?.toString() ?? "");
          if (seen.length >= expected) {
            clearTimeout(timer);
            resolve();
          }
        },
      });
    });
    // Anything beyond what was expected (a duplicate) would arrive within this pause.
    await new Promise((r) => setTimeout(r, 1500));
    await consumer.disconnect();
    return seen;
  }

  it("publishes the late record once, keeps the offset, and still drops true duplicates", async () => {
    const first = publisher();
    first.enqueue("r5", record(5));
    first.enqueue("r6", record(6));
    first.enqueue("r3", record(3)); // late: consumed before r5 and r6
    await first.run(3);
    first.assertTransferCount("success", 3);
    expect(await committedOffset()).toBe(7);

    // A new producer (a restart): all three are below the committed offset it reads at start.
    const second = publisher();
    second.enqueue("r3 again", record(3));
    second.enqueue("r6 again", record(6));
    second.enqueue("r7", record(7));
    await second.run(3);
    second.assertTransferCount("success", 1);
    expect(second.flowFiles("success").map((f) => f.content)).toEqual(["r7"]);
    expect(await committedOffset()).toBe(8);

    expect((await readCommitted(4)).sort()).toEqual(["r3", "r5", "r6", "r7"]);
  });
});
