import { CompressionTypes, Partitioners, type Kafka, type Message, type Producer } from "kafkajs";
import { defineProcessor, property, relationship, type FlowFile, type ProcessSession, type ProcessorContext, type SafeRegex } from "../../engine/sdk";
import { routeToFailure } from "../lib/failure-log";
import { regexProblem } from "../lib/regex";
import { KAFKA_ATTR } from "./consume-kafka";
import {
  connectionProperties,
  createKafkaClient,
  resolveKafkaSettings,
  transitUri,
  validateConnectionChoice,
  type KafkaSettings,
} from "./kafka-connection";
import {
  attributesToHeaders,
  decodeFramed,
  decodeKey,
  headersFromList,
  parseDemarcator,
  splitDemarcated,
  wholeNameRegex,
  type KeyEncoding,
} from "./records";
import {
  chunkTopicMessages,
  messageSize,
  StoppingError,
  TransactionalPublisher,
  type PartitionOutcome,
  type SourcePartition,
  type TransactionalItem,
} from "./transactions";

/** Attribute holding the broker's (or the validation's) error on FlowFiles routed to failure. */
export const KAFKA_ERROR_ATTR = "kafka.error";

type Rel = "success" | "failure";

/** A FlowFile turned into records, ready to send. */
interface Prepared {
  ff: FlowFile;
  topic: string;
  messages: Message[];
  /** Source offset per message, from framed content (null for the other formats). */
  offsets: number[] | null;
  bytes: number;
}

interface State {
  readonly kafka: Kafka;
  readonly settings: KafkaSettings;
  readonly headerPattern: SafeRegex | null;
  readonly format: "whole" | "demarcated" | "framed";
  readonly demarcator: Buffer;
  readonly compression: CompressionTypes;
  readonly acks: number;
  readonly uris: Map<string, string>;
  /** At-least-once mode. */
  producer: Producer | null;
  connecting: Promise<void> | null;
  /** Exactly-once mode. */
  readonly publisher: TransactionalPublisher | null;
  /** Records skipped as already published (exactly-once), for logs and tests. */
  duplicatesDropped: number;
}

export const PublishKafka = defineProcessor({
  type: "PublishKafka",
  summary: "Publishes FlowFile content to Kafka (one record per FlowFile, per demarcated part, or per record of a framed batch); a trigger's FlowFiles go in one batch.",
  description: [
    "Each trigger takes up to the batch size of FlowFiles and sends all their records with one kafkajs sendBatch (split only to respect Max Request Size); the session commits only after the broker acknowledged them, so nothing is reported sent that Kafka does not have. Keyed records are partitioned like the Java client (murmur2), so a key always lands on the same partition and keeps its order.",
    "",
    "**Content Format**: *whole* = the content is one record; *demarcated* = one record per part between demarcators; *framed* = a record batch from ConsumeKafka's framed output strategy, republished record by record with its own key and headers (attribute headers are added to every record), which is the fast way to relay Kafka to Kafka.",
    "",
    "On an error the FlowFiles go to **failure**, penalized, with the broker's message in `kafka.error`: route failure back here to retry (at-least-once; a retried batch may be partly published twice).",
    "",
    "**Exactly-once (Transactional)**: for FlowFiles from a ConsumeKafka with *Exactly-once via PublishKafka* (same cluster). Records are grouped by the input partition they were read from; each group is published in its own Kafka transaction (transactional id `<prefix>-<group>-<topic>-<partition>`, fencing zombies without KIP-447, which kafkajs lacks), together with the consumer group's offset, then committed. A read_committed consumer sees every input record's output exactly once, even across kill -9: FlowFiles whose source offset is below the group's committed offset were published already and are dropped (DROP event). Broker errors are retried inside the trigger until they succeed or the processor stops (failure would break the offset order); only record errors (e.g. a record too large) go to failure, and those records are not retried by the transaction's offset commit. A FlowFile that arrives late (below the committed offset, but not published by this producer since it read that offset, e.g. one that was penalized while later ones went ahead) is still published, once, and the group's offset does not move back; but if the engine crashes while such a FlowFile is still on its way, the offset already points past it and it counts as published after the restart. So keep FlowFiles in consumed order between the two processors (see ConsumeKafka), and use one transactional PublishKafka per consumer group.",
  ].join("\n"),
  tags: ["kafka", "publish", "egress", "sink", "pubsub", "exactly-once"],
  restricted: {
    kinds: ["network"],
    explanation: "Connects to the Kafka brokers it is configured with and sends FlowFile content to them.",
  },
  input: "required",
  properties: {
    ...connectionProperties,
    topic: property.string({
      displayName: "Topic Name",
      description: "Topic to publish to; Expression Language, evaluated per FlowFile.",
      required: true,
      expressionLanguage: "flowfile",
    }),
    messageKey: property.string({
      displayName: "Kafka Key",
      description: "Record key, e.g. ${kafka.key}; Expression Language. Empty or evaluating to empty = no key (round-robin partitions), or, for framed content, each record's own key.",
      expressionLanguage: "flowfile",
    }),
    keyEncoding: property.enum({
      displayName: "Key Attribute Encoding",
      description: "How the evaluated key text becomes bytes (matches ConsumeKafka's setting of the same name).",
      values: ["utf-8", "hex", "base64"],
      default: "utf-8",
    }),
    headerPattern: property.string({
      displayName: "Attributes to Send as Headers (Regex)",
      description: "Attributes whose name matches become record headers. Empty = none.",
    }),
    acks: property.enum({
      displayName: "Delivery Guarantee",
      description: "Acknowledgements to wait for: all in-sync replicas, the leader only, or none.",
      values: [
        { value: "all", displayName: "All replicas (acks=all)" },
        { value: "1", displayName: "Leader (acks=1)" },
        { value: "0", displayName: "Best effort (acks=0)" },
      ],
      default: "all",
    }),
    compression: property.enum({
      displayName: "Compression Type",
      description: "Record batch compression (kafkajs has gzip built in).",
      values: ["none", "gzip"],
      default: "none",
    }),
    idempotence: property.boolean({
      displayName: "Enable Idempotence",
      description: "Broker-side deduplication of producer retries (needs acks=all).",
      default: "false",
    }),
    transactional: property.boolean({
      displayName: "Exactly-once (Transactional)",
      description: "Publish records and the source consumer offsets in Kafka transactions; see the description.",
      default: "false",
    }),
    transactionalIdPrefix: property.string({
      displayName: "Transactional Id Prefix",
      description: "Prefix of the transactional ids; must stay the same across restarts. Default: sluice-<processor id>.",
      dependsOn: { property: "transactional", values: ["true"] },
    }),
    contentFormat: property.enum({
      displayName: "Content Format",
      description: "How content maps to records: whole content = one record, demarcated parts, or a framed record batch from ConsumeKafka.",
      values: [
        { value: "whole", displayName: "Whole content is one record" },
        { value: "demarcated", displayName: "Demarcated records" },
        { value: "framed", displayName: "Framed record batch (from ConsumeKafka)" },
      ],
      default: "whole",
    }),
    demarcator: property.string({
      displayName: "Message Demarcator",
      description: "Separates records in the content (\\n, \\r, \\t, \\\\ are escapes).",
      default: "\\n",
      dependsOn: { property: "contentFormat", values: ["demarcated"] },
    }),
    maxRequestSize: property.dataSize({
      displayName: "Max Request Size",
      description: "Largest record accepted (bigger ones go to failure) and largest single produce request.",
      default: "1 MB",
    }),
    ackWaitTime: property.duration({
      displayName: "Acknowledgment Wait Time",
      description: "How long the broker may take to acknowledge a batch.",
      default: "30 sec",
      minMs: 100,
    }),
  },
  relationships: {
    success: relationship("FlowFiles whose records Kafka acknowledged."),
    failure: relationship("FlowFiles that could not be published; kafka.error says why."),
  },
  readsAttributes: {
    [KAFKA_ATTR.group]: "Exactly-once: consumer group whose offset is committed.",
    [KAFKA_ATTR.topic]: "Exactly-once: input topic.",
    [KAFKA_ATTR.partition]: "Exactly-once: input partition.",
    [KAFKA_ATTR.offset]: "Exactly-once: input offset.",
  },
  writesAttributes: {
    [KAFKA_ERROR_ATTR]: "Why the FlowFile went to failure.",
    [KAFKA_ATTR.count]: "Records published from the FlowFile (demarcated and framed content).",
  },
  validate(config) {
    const problems = validateConnectionChoice(config);
    const header = config.headerPattern ? regexProblem(config.headerPattern, "full") : null;
    if (header) problems.push({ property: "headerPattern", message: header });
    if (config.idempotence && config.acks !== "all") problems.push({ property: "idempotence", message: "idempotence needs Delivery Guarantee acks=all" });
    if (config.transactional && config.acks !== "all") problems.push({ property: "transactional", message: "transactions need Delivery Guarantee acks=all" });
    if (config.maxRequestSize < 1024) problems.push({ property: "maxRequestSize", message: "must be at least 1 KB" });
    return problems;
  },
  onScheduled({ config, context }): State {
    const settings = resolveKafkaSettings(config, context.services, context.id, context.fileRoots);
    const kafka = createKafkaClient(settings, context.logger);
    const compression = config.compression === "gzip" ? CompressionTypes.GZIP : CompressionTypes.None;
    const publisher = config.transactional
      ? new TransactionalPublisher(kafka, {
          transactionalIdPrefix: config.transactionalIdPrefix?.trim() || `sluice-${context.id}`,
          compression,
          maxRequestBytes: config.maxRequestSize,
          timeoutMs: config.ackWaitTime,
          log: (level, message) => context.logger[level](message),
        })
      : null;
    return {
      kafka,
      settings,
      headerPattern: wholeNameRegex(config.headerPattern),
      format: config.contentFormat,
      demarcator: parseDemarcator(config.demarcator ?? "\\n"),
      compression,
      acks: config.acks === "all" ? -1 : Number(config.acks),
      uris: new Map(),
      producer: null,
      connecting: null,
      publisher,
      duplicatesDropped: 0,
    };
  },
  async onTrigger({ config, context, session, state }) {
    const flowFiles = session.getBatch();
    if (flowFiles.length === 0) return;
    const prepared: Prepared[] = [];
    for (const ff of flowFiles) {
      const p = prepare(session, ff, state, config.messageKey, config.keyEncoding, config.topic, config.maxRequestSize);
      if (typeof p === "string") fail(session, context, ff, p);
      else prepared.push(p);
    }
    if (prepared.length === 0) return;
    if (state.publisher) await publishTransactional(session, context, state, prepared);
    else await publishPlain(session, context, state, prepared, config.idempotence, config.ackWaitTime, config.maxRequestSize);
  },
  async onStopped({ state }) {
    if (!state) return;
    await state.publisher?.close();
    if (state.producer) await state.producer.disconnect().catch(() => {});
  },
});

/** Records of one FlowFile, or the reason it cannot be published. */
function prepare(
  session: ProcessSession<Rel>,
  ff: FlowFile,
  state: State,
  keyExpr: { evaluate(ff: FlowFile): string } | undefined,
  keyEncoding: KeyEncoding,
  topicExpr: { evaluate(ff: FlowFile): string },
  maxRequestSize: number,
): Prepared | string {
  let topic: string;
  let key: Buffer | null = null;
  try {
    topic = topicExpr.evaluate(ff).trim();
    if (!topic) return "Topic Name evaluated to an empty string";
    if (keyExpr) {
      const k = keyExpr.evaluate(ff);
      if (k !== "") key = decodeKey(k, keyEncoding);
    }
  } catch (e) {
    return (e as Error).message;
  }
  const headers = attributesToHeaders(ff.attributes, state.headerPattern);
  const content = session.read(ff);
  const messages: Message[] = [];
  let offsets: number[] | null = null;
  if (state.format === "framed") {
    let records;
    try {
      records = decodeFramed(content);
    } catch (e) {
      return (e as Error).message;
    }
    offsets = [];
    for (const r of records) {
      const own = headersFromList(r.headers);
      messages.push({ key: key ?? r.key, value: r.value, headers: headers ? { ...own, ...headers } : own });
      offsets.push(r.offset);
    }
  } else {
    const values = state.format === "demarcated" ? splitDemarcated(content, state.demarcator) : [content];
    for (const value of values) messages.push({ key, value, headers });
  }
  let bytes = 0;
  for (const m of messages) {
    const size = messageSize(m);
    if (size > maxRequestSize) return `a record of ${size} bytes exceeds Max Request Size (${maxRequestSize} bytes)`;
    bytes += size;
  }
  return { ff, topic, messages, offsets, bytes };
}

function fail(session: ProcessSession<Rel>, context: ProcessorContext, ff: FlowFile, error: string): void {
  routeToFailure(session, context, ff, KAFKA_ERROR_ATTR, error, { penalize: true });
}

function uriOf(state: State, topic: string): string {
  let u = state.uris.get(topic);
  if (u === undefined) {
    u = transitUri(state.settings, topic);
    state.uris.set(topic, u);
  }
  return u;
}

function succeed(session: ProcessSession<Rel>, state: State, p: Prepared): void {
  let ff = p.ff;
  if (state.format !== "whole") ff = session.putAttribute(ff, KAFKA_ATTR.count, String(p.messages.length));
  session.provenance.send(ff, uriOf(state, p.topic), p.messages.length === 1 ? undefined : `${p.messages.length} records`);
  session.transfer(ff, "success");
}

async function connectedProducer(state: State, idempotent: boolean): Promise<Producer> {
  if (!state.producer) {
    state.producer = state.kafka.producer({
      createPartitioner: Partitioners.DefaultPartitioner,
      idempotent,
      maxInFlightRequests: idempotent ? 1 : undefined,
      retry: { initialRetryTime: 200, retries: 6, maxRetryTime: 3_000 },
    });
    state.connecting = state.producer.connect();
  }
  const producer = state.producer;
  try {
    await state.connecting;
  } catch (e) {
    // Next trigger starts over with a fresh producer.
    state.producer = null;
    state.connecting = null;
    void producer.disconnect().catch(() => {});
    throw e;
  }
  return producer;
}

/** At-least-once: one sendBatch per request-size chunk, in order; a failed chunk and the rest go to failure. */
async function publishPlain(
  session: ProcessSession<Rel>,
  context: ProcessorContext,
  state: State,
  prepared: readonly Prepared[],
  idempotent: boolean,
  timeout: number,
  maxRequestSize: number,
): Promise<void> {
  let producer: Producer;
  try {
    producer = await connectedProducer(state, idempotent);
  } catch (e) {
    const msg = `cannot connect to Kafka: ${(e as Error).message}`;
    for (const p of prepared) fail(session, context, p.ff, msg);
    context.yield();
    return;
  }
  // FlowFiles are kept whole in a chunk (unless one alone exceeds the size), so each FlowFile's
  // outcome is known exactly.
  const chunks: Prepared[][] = [];
  let cur: Prepared[] = [];
  let bytes = 0;
  for (const p of prepared) {
    if (cur.length && bytes + p.bytes > maxRequestSize) {
      chunks.push(cur);
      cur = [];
      bytes = 0;
    }
    cur.push(p);
    bytes += p.bytes;
  }
  if (cur.length) chunks.push(cur);
  for (let i = 0; i < chunks.length; i++) {
    const chunk = chunks[i] as Prepared[];
    const byTopic = new Map<string, Message[]>();
    for (const p of chunk) {
      let list = byTopic.get(p.topic);
      if (!list) byTopic.set(p.topic, (list = []));
      for (const m of p.messages) list.push(m);
    }
    try {
      for (const topicMessages of chunkTopicMessages(byTopic, maxRequestSize)) {
        await producer.sendBatch({ topicMessages, acks: state.acks, compression: state.compression, timeout });
      }
    } catch (e) {
      const msg = (e as Error).message;
      context.logger.warn(`publishing ${chunks.slice(i).reduce((n, c) => n + c.length, 0)} FlowFile(s) failed: ${msg}`);
      for (const rest of chunks.slice(i)) for (const p of rest) fail(session, context, p.ff, msg);
      return;
    }
    for (const p of chunk) succeed(session, state, p);
  }
}

/**
 * Where a FlowFile's records came from (ConsumeKafka in exactly-once mode): the input partition
 * and each message's source offset; or why that is unknown.
 */
export function sourceOf(p: { ff: FlowFile; messages: readonly Message[]; offsets: readonly number[] | null }): { source: SourcePartition; offsets: number[] } | string {
  const a = p.ff.attributes;
  const group = a[KAFKA_ATTR.group];
  const topic = a[KAFKA_ATTR.topic];
  const partition = Number(a[KAFKA_ATTR.partition]);
  const why = `exactly-once needs FlowFiles from ConsumeKafka with Exactly-once via PublishKafka, one per record or framed (attributes ${KAFKA_ATTR.group}, ${KAFKA_ATTR.topic}, ${KAFKA_ATTR.partition}, ${KAFKA_ATTR.offset})`;
  if (!group || !topic || !Number.isInteger(partition)) return why;
  if (p.offsets) {
    if (p.offsets.some((o) => o < 0)) return why;
    return { source: { group, topic, partition }, offsets: [...p.offsets] };
  }
  const offset = Number(a[KAFKA_ATTR.offset]);
  // A demarcated batch carries only its first offset: its records cannot be told apart.
  if (!Number.isInteger(offset) || a[KAFKA_ATTR.count] !== undefined) return why;
  return { source: { group, topic, partition }, offsets: p.messages.map(() => offset) };
}

/** Exactly-once: one transaction per input partition, all partitions in parallel. */
async function publishTransactional(session: ProcessSession<Rel>, context: ProcessorContext, state: State, prepared: readonly Prepared[]): Promise<void> {
  const publisher = state.publisher as TransactionalPublisher;
  const groups = new Map<string, TransactionalItem<Prepared>[]>();
  for (const p of prepared) {
    const src = sourceOf(p);
    if (typeof src === "string") {
      fail(session, context, p.ff, src);
      continue;
    }
    const k = publisher.transactionalId(src.source);
    let list = groups.get(k);
    if (!list) groups.set(k, (list = []));
    list.push({ ref: p, source: src.source, topic: p.topic, messages: p.messages, offsets: src.offsets });
  }
  // allSettled: every partition's transaction has ended (committed or not) before deciding.
  const settled = await Promise.allSettled([...groups.values()].map((items) => publisher.publishPartition(items, context.signal)));
  const outcomes: PartitionOutcome<Prepared>[] = [];
  for (const s of settled) {
    if (s.status === "fulfilled") outcomes.push(s.value);
    else if (s.reason instanceof StoppingError) {
      // Stopping mid-retry: hand everything back un-penalized (a penalty would reorder them,
      // and offset order is what duplicate detection relies on). Transactions that did commit
      // are recognised as duplicates when these FlowFiles come back.
      session.rollback(false);
      return;
    } else throw s.reason;
  }
  for (const o of outcomes) {
    for (const p of o.published) succeed(session, state, p);
    for (const p of o.duplicates) session.remove(p.ff);
    for (const p of o.failed) fail(session, context, p.ff, o.error ?? "record error");
    state.duplicatesDropped += o.duplicateRecords;
    if (o.duplicateRecords) context.logger.info(`skipped ${o.duplicateRecords} record(s) already published by an earlier transaction`);
  }
}
