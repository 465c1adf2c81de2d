// Back pressure: while PublishKafka is stopped the connections fill, ConsumeKafka's buffer
// fills and fetching pauses, so the consumer lag grows while the engine's memory stays flat;
// starting PublishKafka drains the connections and consumption resumes until nothing is left.
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import v8 from "node:v8";
import vm from "node:vm";
import { CompressionTypes, Partitioners, type Admin } from "kafkajs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Engine } from "../../engine/api/engine";
import { consumerLag, relayFlow, topicSize } from "../fixtures/kafka/relay";
import { uniqueId } from "./helpers/ids";
import { createTestTopic, deleteTestTopics, testKafka } from "./helpers/kafka";
import { kafkaBrokers } from "./helpers/services";

/** Records produced while the flow is blocked: 1 KiB each, so buffering them would show. */
const TOTAL = 60_000;
const VALUE = "x".repeat(1024);

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

// A full GC before each reading, so garbage (the producer here makes plenty) is not mistaken
// for data held; --expose-gc cannot be passed to vitest's workers, so it is switched on here.
v8.setFlagsFromString("--expose-gc");
const gc = vm.runInNewContext("gc") as () => void;

/**
 * Live memory after a full GC: JS heap plus Buffers (kafkajs values live outside the heap).
 * Why the second GC after a turn of the event loop: V8 frees dead ArrayBuffers' backing stores
 * concurrently, so `external` read right after one gc() still counted a 14.5 MB buffer that
 * was already garbage in about half the readings on a loaded machine (session 10 trace).
 */
async function memoryMb(): Promise<number> {
  gc();
  await new Promise((r) => setImmediate(r));
  gc();
  const m = process.memoryUsage();
  return (m.heapUsed + m.external) / 1024 / 1024;
}

describe("kafka back pressure", () => {
  const kafka = testKafka();
  let admin: Admin;
  const topics: string[] = [];
  const groups: string[] = [];
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "sluice-kafka-bp-"));
  let engine: Engine | undefined;

  beforeAll(async () => {
    admin = kafka.admin();
    await admin.connect();
  });

  afterAll(async () => {
    await engine?.shutdown();
    await deleteTestTopics(admin, topics);
    await admin.deleteGroups(groups).catch(() => {});
    await admin.disconnect();
    fs.rmSync(dataDir, { recursive: true, force: true });
  });

  it("a full connection pauses consumption: lag grows, memory stays flat, and it resumes when drained", async () => {
    const input = await createTestTopic(admin, { prefix: "sluice-bp-in" });
    const output = await createTestTopic(admin, { prefix: "sluice-bp-out" });
    topics.push(input, output);
    const group = uniqueId("sluice-bp");
    groups.push(group);
    engine = Engine.open(
      relayFlow({
        brokers: kafkaBrokers().join(","),
        inputTopic: input,
        outputTopic: output,
        groupId: group,
        objectThreshold: 1_000,
        maxBufferedRecords: 2_000,
        maxRecordsPerTrigger: 500,
        publishState: "stopped",
      }),
      { dataDir, mode: "durable", silent: true },
    );
    await engine.start();

    // Produce steadily in the background while the flow is blocked.
    const producer = kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner });
    await producer.connect();
    let produced = 0;
    const producing = (async () => {
      while (produced < TOTAL) {
        const messages = Array.from({ length: 1_000 }, (_, i) => ({ key: `k${(produced + i) % 100}`, value: `${produced + i} ${VALUE}` }));
        await producer.send({ topic: input, messages, acks: -1, compression: CompressionTypes.None });
        produced += messages.length;
        await sleep(100);
      }
    })();

    // Blocked: both connections at their threshold.
    const deadline = Date.now() + 60_000;
    for (;;) {
      const q = engine.status().connections;
      if (q.find((c) => c.id === "consumed")!.queued.count >= 1_000 && q.find((c) => c.id === "marked")!.queued.count >= 1_000) break;
      if (Date.now() > deadline) throw new Error("connections never filled");
      await sleep(100);
    }
    // Steady state first (buffer full, consumer paused), then watch lag and memory while
    // the producer keeps going.
    await sleep(1_000);
    const lag0 = await consumerLag(admin, group, input);
    const samples: number[] = [];
    const t0 = Date.now();
    while (produced < TOTAL) {
      samples.push(await memoryMb());
      await sleep(250);
    }
    await producing;
    await producer.disconnect();
    const lag1 = await consumerLag(admin, group, input);
    // Each window's lowest reading: what is retained is in every reading, while a request in
    // flight (~1 MB), a fetch response being parsed or a buffer not yet swept only adds to some.
    // Records held by the engine would raise every late reading, the lowest included.
    const third = Math.max(1, Math.floor(samples.length / 3));
    const early = Math.min(...samples.slice(0, third));
    const late = Math.min(...samples.slice(-third));
    const queued = engine.status().connections.map((c) => `${c.id}=${c.queued.count}`).join(" ");
    console.log(
      `kafka back pressure: lag ${lag0} -> ${lag1} over ${((Date.now() - t0) / 1000).toFixed(1)} s; live memory (heap+external after GC, window minimum) ${early.toFixed(1)} -> ${late.toFixed(1)} MB; queued ${queued}`,
    );
    expect(lag1 - lag0).toBeGreaterThan(30_000);
    // 30,000+ KiB records arrived meanwhile; holding them would add > 30 MB.
    expect(late - early).toBeLessThan(10);
    const q = engine.status().connections;
    expect(q.find((c) => c.id === "consumed")!.queued.count).toBeLessThanOrEqual(1_000 + 500);

    // Drain: consumption resumes and everything gets through.
    await engine.startProcessor("publish");
    const drainDeadline = Date.now() + 120_000;
    for (;;) {
      const lag = await consumerLag(admin, group, input);
      const out = await topicSize(admin, output);
      if (lag === 0 && out >= TOTAL) break;
      if (Date.now() > drainDeadline) throw new Error(`did not drain: lag ${lag}, output ${out}/${TOTAL}`);
      await sleep(250);
    }
    expect(await topicSize(admin, output)).toBe(TOTAL);
  });
});
