// Kafka processors' and KafkaConnection's configuration checks, and how a connection choice
// becomes client settings; no broker involved (nothing is started).
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { LocalCache } from "../../../engine/runtime/flow-controller";
import { testRunner } from "../../../processors/testing/runner";
import { ConsumeKafka } from "../../../processors/kafka/consume-kafka";
import { PublishKafka, sourceOf } from "../../../processors/kafka/publish-kafka";
import {
  kafkaSettingsFromService,
  resolveKafkaSettings,
  transitUri,
  validateKafkaConnection,
} from "../../../processors/kafka/kafka-connection";
import { chunkTopicMessages, kafkaErrorType, MAX_RECORDS_PER_SEND } from "../../../processors/kafka/transactions";
import { FileRoots, type FlowFile } from "../../../engine/sdk";

const consume = (props: Record<string, string>) => testRunner(ConsumeKafka, { properties: { topics: "in", groupId: "g", ...props } });
const publish = (props: Record<string, string>) => testRunner(PublishKafka, { properties: { topic: "out", ...props } });
/** Certificate files are read only inside these. */
const certDir = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), "sluice-kafka-certs-")));
const roots = new FileRoots([certDir]);
const messagesOf = (r: { problems: ReadonlyArray<{ property: string; message: string }> }) => r.problems.map((p) => `${p.property}: ${p.message}`);

describe("ConsumeKafka validation", () => {
  it("accepts a minimal configuration with inline bootstrap servers", () => {
    expect(messagesOf(consume({ bootstrapServers: "localhost:9092" }))).toEqual([]);
  });

  it("needs exactly one of Kafka Connection and Bootstrap Servers", () => {
    expect(messagesOf(consume({}))).toEqual(["kafkaConnection: set a Kafka Connection or Bootstrap Servers"]);
    expect(messagesOf(consume({ kafkaConnection: "k", bootstrapServers: "h:1" }))).toEqual([
      "bootstrapServers: set either a Kafka Connection or Bootstrap Servers, not both",
    ]);
    expect(messagesOf(consume({ kafkaConnection: "k" }))).toEqual([]);
  });

  it("checks broker lists, patterns, numbers and enums", () => {
    expect(messagesOf(consume({ bootstrapServers: "localhost" })).join()).toMatch(/host:port/);
    expect(messagesOf(consume({ bootstrapServers: "h:1", topicFormat: "pattern", topics: "(" })).join()).toMatch(/topics: not a valid regular expression/);
    expect(messagesOf(consume({ bootstrapServers: "h:1", topics: " , " })).join()).toMatch(/name at least one topic/);
    expect(messagesOf(consume({ bootstrapServers: "h:1", headerPattern: "[" })).join()).toMatch(/headerPattern: not a valid/);
    expect(messagesOf(consume({ bootstrapServers: "h:1", maxRecordsPerTrigger: "0" })).join()).toMatch(/at least 1/);
    expect(messagesOf(consume({ bootstrapServers: "h:1", offsetReset: "middle" })).join()).toMatch(/not one of earliest, latest/);
    expect(messagesOf(consume({ bootstrapServers: "h:1", keyEncoding: "utf-16" })).join()).toMatch(/not one of/);
    expect(messagesOf(consume({ bootstrapServers: "h:1", sessionTimeout: "1 sec" })).join()).toMatch(/at least 6000 ms/);
  });

  it("exactly-once needs per-record or framed output and read_committed", () => {
    expect(messagesOf(consume({ bootstrapServers: "h:1", exactlyOnce: "true" }))).toEqual([]);
    expect(messagesOf(consume({ bootstrapServers: "h:1", exactlyOnce: "true", outputStrategy: "framed" }))).toEqual([]);
    expect(messagesOf(consume({ bootstrapServers: "h:1", exactlyOnce: "true", outputStrategy: "demarcated" })).join()).toMatch(/outputStrategy: exactly-once/);
    expect(messagesOf(consume({ bootstrapServers: "h:1", exactlyOnce: "true", honorTransactions: "false" })).join()).toMatch(/honorTransactions/);
  });
});

describe("PublishKafka validation", () => {
  it("accepts a minimal configuration and Expression Language in topic and key", () => {
    expect(messagesOf(publish({ bootstrapServers: "h:1", topic: "${kafka.topic}-out", messageKey: "${kafka.key}" }))).toEqual([]);
  });

  it("rejects bad Expression Language, idempotence or transactions without acks=all, tiny request sizes", () => {
    expect(messagesOf(publish({ bootstrapServers: "h:1", topic: "${unclosed b}" })).join()).toMatch(/Expression Language/);
    expect(messagesOf(publish({ bootstrapServers: "h:1", acks: "1", idempotence: "true" }))).toEqual(["idempotence: idempotence needs Delivery Guarantee acks=all"]);
    expect(messagesOf(publish({ bootstrapServers: "h:1", acks: "0", transactional: "true" }))).toEqual(["transactional: transactions need Delivery Guarantee acks=all"]);
    expect(messagesOf(publish({ bootstrapServers: "h:1", maxRequestSize: "100 B" }))).toEqual(["maxRequestSize: must be at least 1 KB"]);
    expect(messagesOf(publish({ bootstrapServers: "h:1", compression: "snappy" })).join()).toMatch(/not one of none, gzip/);
  });

  it("routes FlowFiles whose topic or key cannot be evaluated to failure with kafka.error, without a broker", async () => {
    const r = publish({ bootstrapServers: "127.0.0.1:1", topic: "${missing}", messageKey: "${k}", keyEncoding: "hex" });
    r.enqueue("a", {});
    r.enqueue("b", { missing: "t", k: "zz" });
    await r.run();
    const failed = r.flowFiles("failure");
    expect(failed.map((f) => f.attributes["kafka.error"])).toEqual(["Topic Name evaluated to an empty string", 'key "zz" is not hexadecimal']);
    expect(failed.every((f) => f.penalized)).toBe(true);
  });
});

describe("exactly-once source offsets", () => {
  const ff = (attributes: Record<string, string>): FlowFile => ({ uuid: "u", attributes, size: 0, entryDate: 0, lineageStartDate: 0, penaltyExpiration: 0, getAttribute: (n) => attributes[n] });
  const attrs = { "kafka.consumer.group": "g", "kafka.topic": "in", "kafka.partition": "2", "kafka.offset": "41" };

  it("takes the record's offset for every part of a per-record FlowFile", () => {
    expect(sourceOf({ ff: ff(attrs), messages: [{ value: "a" }, { value: "b" }], offsets: null })).toEqual({
      source: { group: "g", topic: "in", partition: 2 },
      offsets: [41, 41],
    });
  });

  it("takes each record's own offset from framed content", () => {
    expect(sourceOf({ ff: ff({ ...attrs, "kafka.count": "2" }), messages: [{ value: "a" }, { value: "b" }], offsets: [41, 43] })).toEqual({
      source: { group: "g", topic: "in", partition: 2 },
      offsets: [41, 43],
    });
  });

  it("refuses FlowFiles without a consumer group or from demarcated batches", () => {
    expect(sourceOf({ ff: ff({ ...attrs, "kafka.consumer.group": "" }), messages: [], offsets: null })).toMatch(/exactly-once needs/);
    expect(sourceOf({ ff: ff({ ...attrs, "kafka.count": "5" }), messages: [{ value: "a" }], offsets: null })).toMatch(/exactly-once needs/);
  });
});

describe("KafkaConnection", () => {
  it("validates SASL and TLS settings", () => {
    expect(validateKafkaConnection({ bootstrapServers: "k1:9093,k2:9093" })).toEqual([]);
    expect(validateKafkaConnection({ bootstrapServers: "k1:9093", securityProtocol: "SASL_SSL" }).map((p) => p.property)).toEqual(["username", "password"]);
    expect(validateKafkaConnection({ bootstrapServers: "k1:9093", securityProtocol: "SSL", sslCert: "-----BEGIN CERTIFICATE-----" }).map((p) => p.property)).toEqual(["sslKey"]);
    expect(validateKafkaConnection({ bootstrapServers: "k1:9093", securityProtocol: "SASL_PLAINTEXT", saslMechanism: "GSSAPI", username: "u", password: "p" }).map((p) => p.property)).toEqual([
      "saslMechanism",
    ]);
  });

  it("builds kafkajs settings for SCRAM over TLS with inline PEM", () => {
    const s = kafkaSettingsFromService({
      bootstrapServers: "k1:9093, k2:9093",
      clientId: "etl",
      securityProtocol: "SASL_SSL",
      saslMechanism: "SCRAM-SHA-512",
      username: "alice",
      password: "secret",
      sslCa: "-----BEGIN CERTIFICATE-----\nabc\n-----END CERTIFICATE-----",
      sslVerifyServer: "false",
      connectionTimeout: "3 sec",
    }, roots);
    expect(s.brokers).toEqual(["k1:9093", "k2:9093"]);
    expect(s.sasl).toEqual({ mechanism: "scram-sha-512", username: "alice", password: "secret" });
    expect(s.ssl).toEqual({ rejectUnauthorized: false, ca: "-----BEGIN CERTIFICATE-----\nabc\n-----END CERTIFICATE-----" });
    expect(s.connectionTimeout).toBe(3000);
    expect(s.requestTimeout).toBe(30_000);
  });

  it("reads certificate PEM files inside the file roots, names a missing one and refuses one outside", () => {
    const pem = "-----BEGIN CERTIFICATE-----\nabc\n-----END CERTIFICATE-----\n";
    fs.writeFileSync(path.join(certDir, "ca.pem"), pem);
    expect(kafkaSettingsFromService({ bootstrapServers: "k:1", securityProtocol: "SSL", sslCa: path.join(certDir, "ca.pem") }, roots).ssl).toMatchObject({ ca: pem });
    const missing = path.join(certDir, "missing.pem");
    expect(() => kafkaSettingsFromService({ bootstrapServers: "k:1", securityProtocol: "SSL", sslCa: missing }, roots)).toThrow(`cannot read TLS CA certificate file ${missing}: ENOENT`);
    expect(() => kafkaSettingsFromService({ bootstrapServers: "k:1", securityProtocol: "SSL", sslCa: "/etc/hostname" }, roots)).toThrow(/^TLS CA certificate file: \/etc\/hostname is outside the file roots/);
  });

  it("resolves a processor's choice: the referenced service, or inline brokers", () => {
    const services = {
      cache: new LocalCache(),
      getControllerService: (id: string): Record<string, string> | undefined =>
        id === "kafka" ? { type: "KafkaConnection", bootstrapServers: "k:9092", clientId: "etl", securityProtocol: "SASL_PLAINTEXT", username: "u", password: "p" }
        : id === "redis" ? { type: "RedisConnection" }
        : undefined,
    };
    const viaService = resolveKafkaSettings({ kafkaConnection: "kafka" }, services, "p1", roots);
    expect(viaService.clientId).toBe("etl-p1");
    expect(viaService.sasl).toEqual({ mechanism: "plain", username: "u", password: "p" });
    expect(transitUri(viaService, "orders")).toBe("kafka://k:9092/orders");
    expect(resolveKafkaSettings({ bootstrapServers: "a:1,b:2" }, services, "p2", roots)).toMatchObject({ brokers: ["a:1", "b:2"], clientId: "sluice-p2" });
    expect(() => resolveKafkaSettings({ kafkaConnection: "nope" }, services, "p", roots)).toThrow(/no controller service with id "nope"/);
    expect(() => resolveKafkaSettings({ kafkaConnection: "redis" }, services, "p", roots)).toThrow(/is a RedisConnection, not a KafkaConnection/);
  });
});

describe("produce request chunks", () => {
  it("keeps order and splits by bytes and by record count", () => {
    const msgs = (topic: string, n: number) => Array.from({ length: n }, (_, i) => ({ value: `${topic}-${i}` }));
    const chunks = chunkTopicMessages(new Map([["a", msgs("a", MAX_RECORDS_PER_SEND + 10)], ["b", msgs("b", 5)]]), 10 * 1024 * 1024);
    expect(chunks.map((c) => c.map((t) => `${t.topic}:${t.messages.length}`))).toEqual([[`a:${MAX_RECORDS_PER_SEND}`], ["a:10", "b:5"]]);
    const small = chunkTopicMessages(new Map([["a", msgs("a", 10)]]), 60);
    expect(small.flatMap((c) => c.flatMap((t) => t.messages.map((m) => m.value)))).toEqual(msgs("a", 10).map((m) => m.value));
    expect(small.length).toBeGreaterThan(1);
  });

  it("finds the protocol error type in a kafkajs cause chain", () => {
    const inner = Object.assign(new Error("too large"), { type: "MESSAGE_TOO_LARGE" });
    expect(kafkaErrorType(Object.assign(new Error("retries exceeded"), { cause: inner }))).toBe("MESSAGE_TOO_LARGE");
    expect(kafkaErrorType(new Error("plain"))).toBeUndefined();
  });
});
