import { compileJavaRegex, defineProcessor, property, relationship, type ProcessSession, type SafeRegex } from "../../engine/sdk";
import { regexProblem } from "../lib/regex";
import {
  connectionProperties,
  createKafkaClient,
  resolveKafkaSettings,
  transitUri,
  validateConnectionChoice,
  type KafkaSettings,
} from "./kafka-connection";
import { KafkaSource, type BufferedRecord, type TakenRange } from "./kafka-source";
import {
  encodeFramed,
  encodeKey,
  FRAMED_MIME_TYPE,
  headerList,
  headersToAttributes,
  joinDemarcated,
  parseDemarcator,
  wholeNameRegex,
  type KeyEncoding,
} from "./records";

/** The attribute names ConsumeKafka writes (and a transactional PublishKafka reads). */
export const KAFKA_ATTR = {
  topic: "kafka.topic",
  partition: "kafka.partition",
  offset: "kafka.offset",
  timestamp: "kafka.timestamp",
  key: "kafka.key",
  count: "kafka.count",
  group: "kafka.consumer.group",
} as const;

interface State {
  readonly source: KafkaSource;
  readonly settings: KafkaSettings;
  readonly headerPattern: SafeRegex | null;
  readonly demarcator: Buffer;
  readonly uris: Map<string, string>;
}

export const ConsumeKafka = defineProcessor({
  type: "ConsumeKafka",
  summary: "Consumes records from Kafka topics as FlowFiles, committing offsets only once the FlowFiles are safely stored.",
  description: [
    "A kafkajs consumer (opened when the processor starts, closed when it stops) fills a bounded in-memory buffer; each trigger turns up to **Max Records per Trigger** buffered records into FlowFiles.",
    "",
    "**At-least-once** (default): the offsets of a trigger's records are committed only after the session holding them is durable (FlowFile repository flushed), so a crash never loses a record; at worst records after the last commit are delivered again.",
    "",
    "**Back pressure**: when the buffer or the outgoing connection is full, fetching is paused (consumer lag grows, memory does not) and resumes once they drain.",
    "",
    "**Rebalances**: records buffered for a partition that is revoked are dropped without committing (the new owner reads them again); partitions that stay assigned continue after the records already taken.",
    "",
    "**Framed record batches** (" + FRAMED_MIME_TYPE + "): one FlowFile per partition and trigger holding the records with their keys, headers, offsets and timestamps; PublishKafka with the framed Content Format republishes them one by one. Per-FlowFile costs (repository, provenance) are then paid once per batch, which is how a Kafka → Kafka relay keeps up with Kafka.",
    "",
    "**Exactly-once via PublishKafka**: with that property set, this processor commits nothing. It adds `kafka.consumer.group` to every FlowFile, and a PublishKafka in transactional mode (same Kafka cluster) publishes the records and commits these offsets in one Kafka transaction per input partition (kafkajs has no KIP-447, so one transactional id per input partition fences zombies). Records read again after a crash or rebalance are recognised by their offset and dropped by PublishKafka. Requirements: one FlowFile per record or framed batches, honor transactions, and FlowFiles must reach PublishKafka in the order consumed (FIFO connections, one concurrent task, no processor in between that splits, merges, penalizes or reorders them; dropping some is fine); only one transactional PublishKafka may serve a consumer group.",
  ].join("\n"),
  tags: ["kafka", "consume", "ingest", "source", "pubsub", "exactly-once"],
  restricted: {
    kinds: ["network"],
    explanation: "Connects to the Kafka brokers it is configured with and reads their records.",
  },
  input: "forbidden",
  properties: {
    ...connectionProperties,
    topics: property.string({
      displayName: "Topics",
      description: "Comma-separated topic names, or a regular expression when Topic Name Format is pattern.",
      required: true,
    }),
    topicFormat: property.enum({
      displayName: "Topic Name Format",
      description: "Whether Topics is a list of names or a regular expression (matched against the topics existing when the processor starts).",
      values: [
        { value: "names", displayName: "Names" },
        { value: "pattern", displayName: "Pattern" },
      ],
      default: "names",
    }),
    groupId: property.string({ displayName: "Group ID", description: "Kafka consumer group id.", required: true }),
    offsetReset: property.enum({
      displayName: "Offset Reset",
      description: "Where to start in a partition the group has no committed offset for.",
      values: ["earliest", "latest"],
      default: "latest",
    }),
    outputStrategy: property.enum({
      displayName: "Output Strategy",
      description:
        "One FlowFile per record; one FlowFile per partition and trigger with the values joined by the Message Demarcator; or one framed record batch per partition and trigger that keeps every record's key, headers and offset (for PublishKafka's framed Content Format).",
      values: [
        { value: "record", displayName: "One FlowFile per record" },
        { value: "demarcated", displayName: "Demarcated batches" },
        { value: "framed", displayName: "Framed record batches" },
      ],
      default: "record",
    }),
    demarcator: property.string({
      displayName: "Message Demarcator",
      description: "Put between record values in a batch; \\n, \\r, \\t and \\\\ are escapes.",
      default: "\\n",
      dependsOn: { property: "outputStrategy", values: ["demarcated"] },
    }),
    maxRecordsPerTrigger: property.integer({
      displayName: "Max Records per Trigger",
      description: "Upper bound of records turned into FlowFiles in one trigger (one session commit).",
      default: "2000",
      min: 1,
      max: 100_000,
    }),
    headerPattern: property.string({
      displayName: "Headers to Add as Attributes (Regex)",
      description: "Record headers whose name matches become attributes of the same name (value as UTF-8). Empty = none.",
    }),
    keyEncoding: property.enum({
      displayName: "Key Attribute Encoding",
      description: "How the record key is written to kafka.key.",
      values: ["utf-8", "hex", "base64"],
      default: "utf-8",
    }),
    honorTransactions: property.boolean({
      displayName: "Honor Transactions",
      description: "Read only committed records of transactional producers (isolation read_committed).",
      default: "true",
    }),
    exactlyOnce: property.boolean({
      displayName: "Exactly-once via PublishKafka",
      description: "Commit no offsets here; a transactional PublishKafka commits them with its output. See the description.",
      default: "false",
    }),
    maxBufferedRecords: property.integer({
      displayName: "Max Buffered Records",
      description: "Fetched records held in memory before fetching pauses.",
      default: "10000",
      min: 1,
      max: 1_000_000,
    }),
    maxBufferedSize: property.dataSize({
      displayName: "Max Buffered Size",
      description: "Fetched bytes held in memory before fetching pauses.",
      default: "16 MB",
    }),
    sessionTimeout: property.duration({
      displayName: "Session Timeout",
      description: "Group session timeout: how long the broker waits for a silent member (e.g. a killed engine) before reassigning its partitions.",
      default: "30 sec",
      minMs: 6_000,
    }),
  },
  relationships: { success: relationship("FlowFiles made from Kafka records.") },
  writesAttributes: {
    [KAFKA_ATTR.topic]: "Topic of the record(s).",
    [KAFKA_ATTR.partition]: "Partition of the record(s).",
    [KAFKA_ATTR.offset]: "Offset of the record (of the first record in a batch).",
    [KAFKA_ATTR.timestamp]: "Record timestamp, epoch millis (of the first record in a batch).",
    [KAFKA_ATTR.key]: "Record key in the Key Attribute Encoding (absent for null keys and for batches).",
    [KAFKA_ATTR.count]: "Number of records in a batch.",
    "mime.type": `${FRAMED_MIME_TYPE} for framed batches.`,
    [KAFKA_ATTR.group]: "Consumer group id (exactly-once mode), for PublishKafka's offset commit.",
    "<header name>": "Headers matching Headers to Add as Attributes.",
  },
  validate(config) {
    const problems = validateConnectionChoice(config);
    const header = config.headerPattern ? regexProblem(config.headerPattern, "full") : null;
    if (header) problems.push({ property: "headerPattern", message: header });
    if (config.topicFormat === "pattern") {
      const topics = regexProblem(config.topics, "find");
      if (topics) problems.push({ property: "topics", message: topics });
    } else if (config.topics.split(",").every((t) => t.trim() === "")) {
      problems.push({ property: "topics", message: "name at least one topic" });
    }
    if (config.exactlyOnce) {
      if (config.outputStrategy === "demarcated") {
        problems.push({ property: "outputStrategy", message: "exactly-once needs one FlowFile per record or framed batches (PublishKafka tracks every record's offset)" });
      }
      if (!config.honorTransactions) {
        problems.push({ property: "honorTransactions", message: "exactly-once needs Honor Transactions (read_committed)" });
      }
    }
    return problems;
  },
  onScheduled({ config, context }): State {
    const settings = resolveKafkaSettings(config, context.services, context.id, context.fileRoots);
    const kafka = createKafkaClient(settings, context.logger);
    const topics =
      config.topicFormat === "pattern" ? compileJavaRegex(config.topics, "find") : config.topics.split(",").map((t) => t.trim()).filter(Boolean);
    const source = new KafkaSource(
      kafka,
      {
        groupId: config.groupId,
        topics,
        fromBeginning: config.offsetReset === "earliest",
        readUncommitted: !config.honorTransactions,
        commitOffsets: !config.exactlyOnce,
        maxBufferedRecords: config.maxBufferedRecords,
        maxBufferedBytes: config.maxBufferedSize,
        sessionTimeoutMs: config.sessionTimeout,
        outputRelationship: "success",
      },
      context,
    );
    source.start();
    return {
      source,
      settings,
      headerPattern: wholeNameRegex(config.headerPattern),
      demarcator: parseDemarcator(config.demarcator ?? "\\n"),
      uris: new Map(),
    };
  },
  onTrigger({ config, context, session, state }) {
    const { source } = state;
    if (source.fatal) throw new Error(`the Kafka consumer stopped: ${source.fatal.message}; stop and start the processor`);
    // One FlowFile per record: take no more than the connection holds before back pressure.
    // The other strategies pack a partition's records into one FlowFile, so they take a full batch.
    const max = config.outputStrategy === "record" ? Math.min(config.maxRecordsPerTrigger, context.freeRoom("success")) : config.maxRecordsPerTrigger;
    const { records, ranges } = source.take(Math.max(1, max));
    if (records.length === 0) {
      // Nothing buffered: the next fetch calls context.wake(), which lifts this yield.
      context.yield();
      return;
    }
    const group = config.exactlyOnce ? config.groupId : null;
    if (config.outputStrategy === "record") emitRecords(session, records, state, config.keyEncoding, group);
    else if (config.outputStrategy === "framed") emitFramed(session, records, state, group);
    else emitBatches(session, records, state);
    track(session, source, ranges);
  },
  async onStopped({ state }) {
    await state?.source.stop();
  },
});

function uriOf(state: State, topic: string): string {
  let u = state.uris.get(topic);
  if (u === undefined) {
    u = transitUri(state.settings, topic);
    state.uris.set(topic, u);
  }
  return u;
}

function emitRecords(session: ProcessSession<"success">, records: readonly BufferedRecord[], state: State, keyEncoding: KeyEncoding, group: string | null): void {
  for (const r of records) {
    let ff = session.create();
    const attrs: Record<string, string> = {
      [KAFKA_ATTR.topic]: r.topic,
      [KAFKA_ATTR.partition]: String(r.partition),
      [KAFKA_ATTR.offset]: String(r.offset),
      [KAFKA_ATTR.timestamp]: r.timestamp,
    };
    if (r.key) attrs[KAFKA_ATTR.key] = encodeKey(r.key, keyEncoding);
    if (group !== null) attrs[KAFKA_ATTR.group] = group;
    headersToAttributes(r.headers, state.headerPattern, attrs);
    ff = session.putAllAttributes(ff, attrs);
    if (r.value && r.value.length) ff = session.write(ff, r.value);
    session.provenance.receive(ff, uriOf(state, r.topic));
    session.transfer(ff, "success");
  }
}

function byPartition(records: readonly BufferedRecord[]): BufferedRecord[][] {
  const m = new Map<string, BufferedRecord[]>();
  for (const r of records) {
    const k = `${r.topic}\u0000${r.partition}`;
    const list = m.get(k);
    if (list) list.push(r);
    else m.set(k, [r]);
  }
  return [...m.values()];
}

/** One framed record batch per partition: keys, headers, offsets and timestamps kept. */
function emitFramed(session: ProcessSession<"success">, records: readonly BufferedRecord[], state: State, group: string | null): void {
  for (const list of byPartition(records)) {
    const first = list[0] as BufferedRecord;
    let ff = session.create();
    const attrs: Record<string, string> = {
      [KAFKA_ATTR.topic]: first.topic,
      [KAFKA_ATTR.partition]: String(first.partition),
      [KAFKA_ATTR.offset]: String(first.offset),
      [KAFKA_ATTR.timestamp]: first.timestamp,
      [KAFKA_ATTR.count]: String(list.length),
      "mime.type": FRAMED_MIME_TYPE,
    };
    if (group !== null) attrs[KAFKA_ATTR.group] = group;
    ff = session.putAllAttributes(ff, attrs);
    ff = session.write(
      ff,
      encodeFramed(list.map((r) => ({ offset: r.offset, timestamp: Number(r.timestamp), key: r.key, value: r.value, headers: headerList(r.headers) }))),
    );
    session.provenance.receive(ff, uriOf(state, first.topic), `${list.length} records`);
    session.transfer(ff, "success");
  }
}

/**
 * One FlowFile per run of consecutive records of a partition that share the same matched
 * header values: consecutive, so per-partition order survives across FlowFiles.
 */
function emitBatches(session: ProcessSession<"success">, records: readonly BufferedRecord[], state: State): void {
  for (const list of byPartition(records)) {
    let run: BufferedRecord[] = [];
    let runHeaders: Record<string, string> = {};
    let runSig = "";
    const flush = (): void => {
      if (run.length === 0) return;
      const first = run[0] as BufferedRecord;
      let ff = session.create();
      ff = session.putAllAttributes(ff, {
        [KAFKA_ATTR.topic]: first.topic,
        [KAFKA_ATTR.partition]: String(first.partition),
        [KAFKA_ATTR.offset]: String(first.offset),
        [KAFKA_ATTR.timestamp]: first.timestamp,
        [KAFKA_ATTR.count]: String(run.length),
        ...runHeaders,
      });
      const content = joinDemarcated(run.map((r) => r.value), state.demarcator);
      if (content.length) ff = session.write(ff, content);
      session.provenance.receive(ff, uriOf(state, first.topic), `${run.length} records`);
      session.transfer(ff, "success");
      run = [];
    };
    for (const r of list) {
      const headers: Record<string, string> = {};
      headersToAttributes(r.headers, state.headerPattern, headers);
      const sig = state.headerPattern ? JSON.stringify(headers) : "";
      if (run.length > 0 && sig !== runSig) flush();
      if (run.length === 0) {
        runSig = sig;
        runHeaders = headers;
      }
      run.push(r);
    }
    flush();
  }
}

/** Offsets are committed (at-least-once) only once this session is durable; a failure rewinds. */
function track(session: ProcessSession<"success">, source: KafkaSource, ranges: readonly TakenRange[]): void {
  source.sessionStaged();
  session.onCommitted(() => source.durableRanges(ranges));
  session.onFailure(() => source.failedRanges(ranges));
}
