// Kafka helpers for integration tests: a quiet client on the test broker, and topics that belong
// to one test (created explicitly, because auto-creation is off and trips kafkajs under KRaft).
import { Kafka, logLevel, type Admin } from "kafkajs";
import { uniqueId } from "./ids";
import { kafkaBrokers } from "./services";

/**
 * A kafkajs client on the test broker. Logs only errors unless SLUICE_TEST_KAFKA_LOG is set to
 * a kafkajs level name (e.g. "info", "debug"): rebalances are chatty and expected in tests.
 */
export function testKafka(clientId = uniqueId("sluice-test")): Kafka {
  const level = process.env.SLUICE_TEST_KAFKA_LOG?.toUpperCase() as keyof typeof logLevel | undefined;
  return new Kafka({
    clientId,
    brokers: kafkaBrokers(),
    logLevel: level && level in logLevel ? logLevel[level] : logLevel.ERROR,
    retry: { retries: 8, initialRetryTime: 100 },
  });
}

/** Options for {@link createTestTopic}. */
export interface TestTopicOptions {
  /** Topic name prefix; a unique suffix is appended. @default "sluice-test" */
  prefix?: string;
  /** @default 3 */
  partitions?: number;
  /** Extra topic configs, e.g. { "retention.ms": "60000" }. */
  config?: Record<string, string>;
}

/**
 * Creates a new uniquely named topic and resolves with its name once every partition has a
 * leader, so a producer can write to it immediately. Fails if the topic already exists.
 */
export async function createTestTopic(admin: Admin, options: TestTopicOptions = {}): Promise<string> {
  const topic = uniqueId(options.prefix ?? "sluice-test");
  const created = await admin.createTopics({
    waitForLeaders: true,
    topics: [{
      topic,
      numPartitions: options.partitions ?? 3,
      replicationFactor: 1,
      configEntries: Object.entries(options.config ?? {}).map(([name, value]) => ({ name, value })),
    }],
  });
  if (!created) throw new Error(`topic ${topic} already existed`);
  return topic;
}

/** Deletes topics, ignoring ones that are already gone: for afterAll/finally blocks. */
export async function deleteTestTopics(admin: Admin, topics: string[]): Promise<void> {
  if (topics.length === 0) return;
  const existing = new Set(await admin.listTopics());
  const toDelete = topics.filter((t) => existing.has(t));
  if (toDelete.length > 0) await admin.deleteTopics({ topics: toDelete, timeout: 10_000 });
}
