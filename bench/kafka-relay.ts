/**
 * kafka-relay: Kafka → Kafka throughput of Sluice against a bare kafkajs loop, on the real broker.
 *
 * - Sluice: the relay flow ConsumeKafka → UpdateAttribute → PublishKafka in a durable engine,
 *   at-least-once (offsets committed after the FlowFile repository flush).
 * - Bare: a minimal kafkajs consume → produce loop with the same batching (sendBatch of the
 *   same number of records, acks=all), committing offsets after each send.
 *
 * Both read the same N keyed input records (1,000 keys) from the beginning with their own group
 * and are timed from start (group join included) until N records are in their output topic.
 * Runs alternate bare/Sluice `--rounds` times (machine noise is high on 2 cores shared with the
 * broker) and the best round of each is reported. Prints exactly one line:
 *   kafka-relay N=<n> records/s=<x> bare_records/s=<y> ratio=<x/y>
 * Usage: npm run bench -- kafka-relay [--n 100000] [--rounds 2] [--batch 2000] [--strategy framed|record]
 *        npx tsx bench/kafka-relay.ts [same options]
 * --strategy: how the relay flow carries records (default framed):
 *   framed: ConsumeKafka emits framed record batches (one FlowFile per partition and trigger,
 *     every record's key, headers and offset kept) and PublishKafka republishes them record by
 *     record; the way to relay Kafka to Kafka in Sluice.
 *   record: one FlowFile per record; bound by the engine's per-FlowFile cost (repository,
 *     provenance), several times kafkajs's own per-record cost.
 * Brokers: SLUICE_KAFKA (default 127.0.0.1:19092, started with scripts/services.sh if down).
 */
import { spawnSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { Kafka, logLevel, Partitioners, type Admin } from "kafkajs";
import { Engine } from "../engine/api/engine";
import { produceInput, relayFlow, topicSize } from "../test/fixtures/kafka/relay";

const KEYS = 1_000;

/** The repository root: this file runs from bench/ (tsx) or from a bundle under .cache/. */
function repoRoot(): string {
  for (let dir = path.dirname(fileURLToPath(import.meta.url)); ; dir = path.dirname(dir)) {
    if (fs.existsSync(path.join(dir, "scripts/services.sh"))) return dir;
    if (path.dirname(dir) === dir) return process.cwd();
  }
}

const uid = (prefix: string): string => `${prefix}-${Date.now().toString(36)}-${randomBytes(3).toString("hex")}`;

async function waitForSize(admin: Admin, topic: string, n: number, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while ((await topicSize(admin, topic)) < n) {
    if (Date.now() > deadline) throw new Error(`${topic} did not reach ${n} records in ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

async function createTopic(admin: Admin, prefix: string): Promise<string> {
  const topic = uid(prefix);
  await admin.createTopics({ waitForLeaders: true, topics: [{ topic, numPartitions: 3, replicationFactor: 1 }] });
  return topic;
}

/** The bare loop: eachBatch → sendBatch per `batch` records → commit; returns records/s. */
async function bare(kafka: Kafka, admin: Admin, input: string, n: number, batch: number): Promise<number> {
  const output = await createTopic(admin, "bench-bare-out");
  const groupId = uid("bench-bare");
  const producer = kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner });
  await producer.connect();
  const consumer = kafka.consumer({ groupId, maxWaitTimeInMs: 250 });
  await consumer.connect();
  await consumer.subscribe({ topics: [input], fromBeginning: true });
  const t0 = performance.now();
  await consumer.run({
    autoCommit: false,
    eachBatchAutoResolve: false,
    eachBatch: async ({ batch: b, resolveOffset, heartbeat }) => {
      for (let i = 0; i < b.messages.length; i += batch) {
        const chunk = b.messages.slice(i, i + batch);
        await producer.sendBatch({
          acks: -1,
          topicMessages: [{ topic: output, messages: chunk.map((m) => ({ key: m.key, value: m.value, headers: { ...m.headers, relayed: "true" } })) }],
        });
        const last = (chunk[chunk.length - 1] as { offset: string }).offset;
        resolveOffset(last);
        await consumer.commitOffsets([{ topic: b.topic, partition: b.partition, offset: String(Number(last) + 1) }]);
        await heartbeat();
      }
    },
  });
  await waitForSize(admin, output, n, 300_000);
  const seconds = (performance.now() - t0) / 1000;
  await consumer.disconnect();
  await producer.disconnect();
  await admin.deleteTopics({ topics: [output] }).catch(() => {});
  await admin.deleteGroups([groupId]).catch(() => {});
  return n / seconds;
}

/** The Sluice relay flow, durable, at-least-once; returns records/s. */
async function sluice(brokers: string, admin: Admin, input: string, n: number, batch: number, strategy: "record" | "framed"): Promise<number> {
  const output = await createTopic(admin, "bench-sluice-out");
  const groupId = uid("bench-sluice");
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "sluice-bench-kafka-"));
  const flow = relayFlow({ brokers, inputTopic: input, outputTopic: output, groupId, maxRecordsPerTrigger: batch, publishBatch: batch, strategy });
  const engine = Engine.open(flow, { dataDir, mode: "durable", silent: true });
  const t0 = performance.now();
  try {
    await engine.start();
    await waitForSize(admin, output, n, 300_000);
    return n / ((performance.now() - t0) / 1000);
  } finally {
    await engine.shutdown();
    fs.rmSync(dataDir, { recursive: true, force: true });
    await admin.deleteTopics({ topics: [output] }).catch(() => {});
    await admin.deleteGroups([groupId]).catch(() => {});
  }
}

export async function main(args: string[]): Promise<void> {
  const { values } = parseArgs({
    args,
    options: {
      n: { type: "string", default: "100000" },
      rounds: { type: "string", default: "2" },
      batch: { type: "string", default: "2000" },
      strategy: { type: "string", default: "framed" },
    },
  });
  const strategy = values.strategy;
  if (strategy !== "record" && strategy !== "framed") throw new Error("--strategy must be framed or record");
  const n = Number(values.n);
  const rounds = Number(values.rounds);
  const batch = Number(values.batch);
  if (!Number.isInteger(n) || n < 1 || !Number.isInteger(rounds) || rounds < 1 || !Number.isInteger(batch) || batch < 1) {
    throw new Error("--n, --rounds and --batch must be positive integers");
  }
  const brokers = process.env.SLUICE_KAFKA?.trim() || "127.0.0.1:19092";
  if (!process.env.SLUICE_KAFKA) {
    const root = repoRoot();
    const r = spawnSync("bash", [path.join(root, "scripts/services.sh"), "start", "kafka"], { cwd: root, stdio: ["ignore", "ignore", "inherit"] });
    if (r.status !== 0) throw new Error("scripts/services.sh start kafka failed");
  }
  const kafka = new Kafka({ clientId: "sluice-bench", brokers: brokers.split(","), logLevel: logLevel.NOTHING });
  const admin = kafka.admin();
  await admin.connect();
  const input = await createTopic(admin, "bench-relay-in");
  try {
    await produceInput(kafka, input, n, KEYS);
    let bestBare = 0;
    let bestSluice = 0;
    for (let i = 0; i < rounds; i++) {
      bestBare = Math.max(bestBare, await bare(kafka, admin, input, n, batch));
      bestSluice = Math.max(bestSluice, await sluice(brokers, admin, input, n, batch, strategy));
    }
    console.log(`kafka-relay N=${n} records/s=${Math.round(bestSluice)} bare_records/s=${Math.round(bestBare)} ratio=${(bestSluice / bestBare).toFixed(2)}`);
  } finally {
    await admin.deleteTopics({ topics: [input] }).catch(() => {});
    await admin.disconnect();
  }
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  main(process.argv.slice(2)).then(
    () => process.exit(0),
    (e: unknown) => {
      process.stderr.write(`kafka-relay failed: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
      process.exit(1);
    },
  );
}
