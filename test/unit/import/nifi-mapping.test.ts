/**
 * The NiFi importer as a pure function: the mapping table against Sluice's catalog, each rule
 * kind on a small NiFi definition written here, port/funnel collapsing, scheduling, queue
 * settings, sensitive values, parameters, placeholders, and every kind of bad input (with the
 * JSON path it names).
 */
import { gzipSync } from "node:zlib";
import { describe, expect, it } from "vitest";
import { processorCatalog } from "../../../engine/api/designer-catalog";
import { PROCESSOR_MAPPINGS, SERVICE_MAPPINGS, NifiImportError, convertNifiFlow, importNifiFile, quartzToCron, type NifiImportResult } from "../../../engine/import/nifi";
import { defaultComposition } from "../../../engine/runtime/composition-root";

const catalog = processorCatalog();
const G = "11111111-0000-0000-0000-000000000000";

type Json = Record<string, unknown>;

function proc(id: string, type: string, extra: Json = {}): Json {
  return {
    identifier: id,
    name: id,
    type,
    position: { x: 10, y: 20 },
    properties: {},
    propertyDescriptors: {},
    schedulingPeriod: "0 sec",
    schedulingStrategy: "TIMER_DRIVEN",
    concurrentlySchedulableTaskCount: 1,
    runDurationMillis: 0,
    autoTerminatedRelationships: [],
    scheduledState: "ENABLED",
    ...extra,
  };
}

function conn(id: string, from: [string, string], rels: string[], to: [string, string], extra: Json = {}): Json {
  return {
    identifier: id,
    source: { id: from[0], type: from[1], groupId: G },
    destination: { id: to[0], type: to[1], groupId: G },
    selectedRelationships: rels,
    backPressureObjectThreshold: 10000,
    backPressureDataSizeThreshold: "1 GB",
    flowFileExpiration: "0 sec",
    prioritizers: [],
    loadBalanceStrategy: "DO_NOT_LOAD_BALANCE",
    ...extra,
  };
}

function definition(group: Json, top: Json = {}): Json {
  return { flowContents: { identifier: G, name: "Test group", ...group }, parameterContexts: {}, flowEncodingVersion: "1.0", ...top };
}

const S = "org.apache.nifi.processors.standard.";
const run = (json: unknown, parameters: "contexts" | "inline" = "contexts"): NifiImportResult => convertNifiFlow(json, { catalog, parameters });
function fail(fn: () => unknown): NifiImportError {
  try {
    fn();
  } catch (e) {
    if (e instanceof NifiImportError) return e;
    throw e;
  }
  throw new Error("expected a NifiImportError");
}

describe("the mapping table", () => {
  it("names only Sluice processor types, properties and relationships that exist", () => {
    const byType = new Map(catalog.map((t) => [t.type, t]));
    for (const [nifi, m] of Object.entries(PROCESSOR_MAPPINGS)) {
      const info = byType.get(m.sluiceType);
      expect(info, `${nifi} → ${m.sluiceType}`).toBeDefined();
      const props = new Set(info?.properties.map((p) => p.name));
      for (const [name, rule] of Object.entries(m.properties)) {
        const to = typeof rule === "string" ? rule : "to" in rule ? rule.to : undefined;
        if (to !== undefined) expect(props.has(to), `${nifi}.${name} → ${m.sluiceType}.${to}`).toBe(true);
        if (typeof rule === "object" && "alsoSet" in rule) for (const k of Object.keys(rule.alsoSet ?? {})) expect(props.has(k)).toBe(true);
      }
      for (const rule of Object.values(m.properties)) {
        if (typeof rule !== "object" || !("fromService" in rule)) continue;
        for (const folded of Object.values(rule.fromService)) {
          for (const r of Object.values(folded.properties ?? {})) expect(props.has(typeof r === "string" ? r : r.to)).toBe(true);
          for (const k of Object.keys(folded.defaults ?? {})) expect(props.has(k)).toBe(true);
        }
      }
      const rels = new Set(info?.relationships.map((r) => r.name));
      for (const to of Object.values(m.relationships ?? {})) if (to !== null) expect(rels.has(to)).toBe(true);
      for (const r of m.sluiceOnlyRelationships ?? []) expect(rels.has(r), `${m.sluiceType}.${r}`).toBe(true);
    }
  });

  it("names only Sluice service types and their properties", () => {
    const types = new Map(defaultComposition().serviceTypes.map((t) => [t.type, t]));
    for (const m of Object.values(SERVICE_MAPPINGS)) {
      const t = types.get(m.sluiceType);
      expect(t).toBeDefined();
      for (const rule of Object.values(m.properties)) {
        const to = typeof rule === "string" ? rule : "to" in rule ? rule.to : undefined;
        if (to !== undefined) expect(Object.keys(t?.properties ?? {})).toContain(to);
      }
    }
  });
});

describe("processors", () => {
  it("maps properties by name (1.x and 2.x names), through value tables, and reports what changes", () => {
    const { flow, report } = run(
      definition({
        processors: [
          proc("gen", `${S}GenerateFlowFile`, {
            properties: { "File Size": "10 B", "Batch Size": "3", "generate-ff-custom-text": "hi", "character-set": "ISO-8859-1", "Unique FlowFiles": "False", "mime-type": null },
            schedulingPeriod: "5 sec",
          }),
          proc("log", `${S}LogAttribute`, {
            properties: { "Log Level": "trace", "Attributes to Log": "a, b.c", "Log Payload": "true", "Output Format": "Line per Attribute" },
            autoTerminatedRelationships: ["success"],
          }),
        ],
        connections: [conn("c1", ["gen", "PROCESSOR"], ["success"], ["log", "PROCESSOR"])],
      }),
    );
    const gen = flow.processors.find((p) => p.id === "gen");
    expect(gen?.type).toBe("GenerateFlowFile");
    expect(gen?.properties).toEqual({ fileSize: "10 B", batchSize: "3", customText: "hi", uniqueFlowFiles: "false" });
    expect(gen?.scheduling.runSchedule).toBe("5 sec");
    expect(gen?.position).toEqual({ x: 10, y: 20 });
    const log = flow.processors.find((p) => p.id === "log");
    expect(log?.properties).toEqual({ logLevel: "debug", attributesToLog: "^(a|b\\.c)$", logPayload: "true" });
    expect(log?.autoTerminate).toEqual(["success"]);
    const genEntry = report.changed.find((e) => e.id === "gen");
    expect(genEntry?.changes).toEqual([
      'property "character-set" = "ISO-8859-1" is dropped: Sluice reads and writes text as UTF-8',
      '"Unique FlowFiles" = "False" becomes uniqueFlowFiles = "false"',
    ]);
    const logEntry = report.changed.find((e) => e.id === "log");
    expect(logEntry?.changes).toContain('"Log Level" = "trace" becomes logLevel = "debug"');
    expect(logEntry?.changes).toContain('"Attributes to Log" (a list) becomes the regular expression "^(a|b\\.c)$"');
    expect(report.mapped.map((e) => e.kind)).toEqual(["connection"]);
  });

  it("maps NiFi 1.x's ConsumeKafka_2_6: inline brokers, a demarcator switches to demarcated batches, security goes to a service", () => {
    const { flow, report } = run(
      definition({
        processors: [
          proc("kafka", "org.apache.nifi.processors.kafka.pubsub.ConsumeKafka_2_6", {
            properties: {
              "bootstrap.servers": "k1:9092",
              topic: "orders",
              topic_type: "names",
              "group.id": "g1",
              "auto.offset.reset": "earliest",
              "message-demarcator": "\n",
              "security.protocol": "SASL_SSL",
              "sasl.password": null,
              "max.poll.records": "10000",
            },
            propertyDescriptors: { "sasl.password": { sensitive: true } },
            autoTerminatedRelationships: ["success"],
          }),
        ],
      }),
    );
    expect(flow.processors[0].type).toBe("ConsumeKafka");
    expect(flow.processors[0].properties).toEqual({
      bootstrapServers: "k1:9092",
      topics: "orders",
      topicFormat: "names",
      groupId: "g1",
      offsetReset: "earliest",
      demarcator: "\n",
      outputStrategy: "demarcated",
    });
    expect(report.changed.find((e) => e.id === "kafka")?.changes).toEqual([
      '"message-demarcator" is set, so outputStrategy = "demarcated"',
      'property "security.protocol" = "SASL_SSL" is dropped: inline Kafka settings are plaintext in Sluice: add a KafkaConnection service for SASL or SSL and select it',
    ]);
  });

  it("keeps NiFi dynamic properties where the Sluice type takes them (RouteOnAttribute's become relationships)", () => {
    const { flow } = run(
      definition({
        processors: [
          proc("gen", `${S}GenerateFlowFile`),
          proc("route", `${S}RouteOnAttribute`, { properties: { "Routing Strategy": "Route to Property name", big: "${size:gt(10)}" }, autoTerminatedRelationships: ["unmatched"] }),
          proc("log", `${S}LogAttribute`, { autoTerminatedRelationships: ["success"] }),
        ],
        connections: [conn("c1", ["gen", "PROCESSOR"], ["success"], ["route", "PROCESSOR"]), conn("c2", ["route", "PROCESSOR"], ["big"], ["log", "PROCESSOR"])],
      }),
    );
    expect(flow.processors[1].properties).toEqual({ strategy: "Route to Property name", big: "${size:gt(10)}" });
    expect(flow.connections.find((c) => c.id === "c2")?.relationships).toEqual(["big"]);
  });

  it("turns an unknown type into a disabled placeholder that keeps properties and connections and names the NiFi type", () => {
    const { flow, report } = run(
      definition({
        processors: [
          proc("sql", `${S}ExecuteSQL`, {
            properties: { "SQL select query": "select 1", "Database Connection Pooling Service": null },
            bundle: { group: "org.apache.nifi", artifact: "nifi-standard-nar", version: "2.0.0" },
            comments: "nightly",
          }),
          proc("log", `${S}LogAttribute`, { autoTerminatedRelationships: ["success"] }),
        ],
        connections: [conn("c1", ["sql", "PROCESSOR"], ["success"], ["log", "PROCESSOR"])],
      }),
    );
    const sql = flow.processors[0];
    expect(sql.type).toBe("nifi:org.apache.nifi.processors.standard.ExecuteSQL");
    expect(sql.state).toBe("disabled");
    expect(sql.properties).toEqual({ "SQL select query": "select 1" });
    expect(sql.comments).toMatch(/^Placeholder for NiFi's org\.apache\.nifi\.processors\.standard\.ExecuteSQL \(nifi-standard-nar 2\.0\.0\)/);
    expect(sql.comments).toMatch(/nightly$/);
    expect(flow.connections).toEqual([expect.objectContaining({ source: "sql", destination: "log", relationships: ["success"] })]);
    expect(report.unsupported).toEqual([expect.objectContaining({ kind: "processor", id: "sql", nifiType: `${S}ExecuteSQL` })]);
  });

  it("maps scheduling: CRON (Quartz → croner), concurrency bounds, run duration → batch size, primary node, disabled", () => {
    const { flow, report } = run(
      definition({
        processors: [
          proc("a", `${S}GenerateFlowFile`, { schedulingStrategy: "CRON_DRIVEN", schedulingPeriod: "0 0 13 ? * 2-6", executionNode: "PRIMARY" }),
          proc("b", `${S}LogAttribute`, { concurrentlySchedulableTaskCount: 100, runDurationMillis: 25, scheduledState: "DISABLED", autoTerminatedRelationships: ["success"], penaltyDuration: "10 sec" }),
        ],
        connections: [conn("c1", ["a", "PROCESSOR"], ["success"], ["b", "PROCESSOR"])],
      }),
    );
    const [a, b] = flow.processors;
    expect(a.scheduling).toMatchObject({ strategy: "cron", cron: "0 0 13 ? * 1-5", executionNode: "primary" });
    expect(a.state).toBe("running");
    expect(b.scheduling).toMatchObject({ strategy: "timer", concurrentTasks: 64, batchSize: 1000, penaltyDuration: "10 sec" });
    expect(b.state).toBe("disabled");
    expect(report.changed.find((e) => e.id === "b")?.changes).toEqual([
      "100 concurrent tasks become 64 (Sluice allows 1 to 64)",
      "run duration 25 ms becomes batch size 1000 (Sluice bounds a trigger by FlowFile count, not time)",
    ]);
  });

  it("rewrites Quartz CRON into croner's dialect", () => {
    expect(quartzToCron("0 0 0 1/1 * ?").cron).toBe("0 0 0 1-31/1 * ?");
    expect(quartzToCron("0 0/5 * * * ?").cron).toBe("0 0-59/5 * * * ?");
    expect(quartzToCron("0 15 10 ? * 6L").cron).toBe("0 15 10 ? * 5L");
    expect(quartzToCron("0 15 10 ? * 6#3").cron).toBe("0 15 10 ? * 5#3");
    expect(quartzToCron("0 0 12 ? * 1,7").cron).toBe("0 0 12 ? * 0,6");
    expect(quartzToCron("0 0 12 ? * MON-FRI").cron).toBe("0 0 12 ? * MON-FRI");
    expect(quartzToCron("0 0 12 * * ? 2030")).toEqual({ cron: "0 0 12 * * ?", changes: ['the year field "2030" is dropped (Sluice\'s CRON has no year)'] });
    expect(quartzToCron("0 0 12 * * ? *")).toEqual({ cron: "0 0 12 * * ?", changes: [] });
    expect(quartzToCron("0 0 12 * * ?").changes).toEqual([]);
  });
});

describe("connections", () => {
  it("keeps thresholds, expiration, prioritizers and load balancing; a NiFi 0 (no limit) becomes a very large limit", () => {
    const { flow, report } = run(
      definition({
        processors: [proc("a", `${S}GenerateFlowFile`), proc("b", `${S}LogAttribute`, { autoTerminatedRelationships: ["success"] })],
        connections: [
          conn("c1", ["a", "PROCESSOR"], ["success"], ["b", "PROCESSOR"], {
            name: "to log",
            backPressureObjectThreshold: 0,
            backPressureDataSizeThreshold: "0 MB",
            flowFileExpiration: "5 min",
            prioritizers: ["org.apache.nifi.prioritizer.PriorityAttributePrioritizer", "org.apache.nifi.prioritizer.OldestFlowFileFirstPrioritizer", "com.example.MyPrioritizer"],
            loadBalanceStrategy: "PARTITION_BY_ATTRIBUTE",
            partitioningAttribute: "customer",
            loadBalanceCompression: "COMPRESS_ATTRIBUTES_ONLY",
          }),
        ],
      }),
    );
    expect(flow.connections[0]).toEqual({
      id: "c1",
      name: "to log",
      source: "a",
      relationships: ["success"],
      destination: "b",
      backPressure: { objectThreshold: 2_147_483_647, dataSizeThreshold: "1024 TB" },
      prioritizers: ["PriorityAttribute", "OldestFirst"],
      expiration: "5 min",
      swapThreshold: 20_000,
      loadBalance: { strategy: "partition-by-attribute", partitionAttribute: "customer" },
    });
    expect(report.changed.find((e) => e.id === "c1")?.changes).toEqual([
      "back pressure object threshold 0 (no limit) becomes 2147483647",
      'back pressure size threshold "0 MB" (no limit) becomes 1024 TB',
      "prioritizer com.example.MyPrioritizer is not available in Sluice: dropped",
      "load-balance compression COMPRESS_ATTRIBUTES_ONLY is not available in Sluice: sent uncompressed",
    ]);
  });

  it("collapses ports and funnels into direct connections across nested groups, fanning out like NiFi", () => {
    const child = {
      identifier: "child",
      name: "Child",
      position: { x: 5, y: 6 },
      inputPorts: [{ identifier: "in", name: "In" }],
      outputPorts: [{ identifier: "out", name: "Out" }],
      processors: [proc("up", "org.apache.nifi.processors.attributes.UpdateAttribute", { properties: { "x-y": "1" } })],
      connections: [conn("c-in", ["in", "INPUT_PORT"], [""], ["up", "PROCESSOR"]), conn("c-out", ["up", "PROCESSOR"], ["success"], ["out", "OUTPUT_PORT"])],
    };
    const { flow, report } = run(
      definition({
        processors: [
          proc("gen", `${S}GenerateFlowFile`),
          proc("l1", `${S}LogAttribute`, { autoTerminatedRelationships: ["success"] }),
          proc("l2", `${S}LogAttribute`, { autoTerminatedRelationships: ["success"] }),
        ],
        funnels: [{ identifier: "f" }],
        processGroups: [child],
        connections: [
          conn("c-gen", ["gen", "PROCESSOR"], ["success"], ["in", "INPUT_PORT"], { backPressureObjectThreshold: 5 }),
          conn("c-f", ["out", "OUTPUT_PORT"], [""], ["f", "FUNNEL"]),
          conn("c-l1", ["f", "FUNNEL"], [""], ["l1", "PROCESSOR"]),
          conn("c-l2", ["f", "FUNNEL"], [""], ["l2", "PROCESSOR"]),
        ],
      }),
    );
    expect(flow.groups).toEqual([{ id: "child", name: "Child", position: { x: 5, y: 6 } }]);
    expect(flow.processors.find((p) => p.id === "up")?.group).toBe("child");
    expect(flow.connections.map((c) => [c.id, c.source, c.relationships, c.destination, c.backPressure.objectThreshold])).toEqual([
      ["c-gen", "gen", ["success"], "up", 5],
      ["c-out-1", "up", ["success"], "l1", 10_000],
      ["c-out-2", "up", ["success"], "l2", 10_000],
    ]);
    const ports = report.changed.filter((e) => e.kind === "input-port" || e.kind === "output-port" || e.kind === "funnel");
    expect(ports.map((e) => `${e.kind} ${e.name}`).sort()).toEqual(["funnel funnel", "input-port In", "output-port Out"]);
    expect(report.changed.find((e) => e.id === "c-out-1")?.changes?.[0]).toBe('runs through output port "Out" (Child) → funnel "funnel" (Test group): one Sluice connection with the first hop\'s queue settings');
  });

  it("auto-terminates a relationship that led only to a top-level output port or a remote process group, and says so", () => {
    const { flow, report } = run(
      definition({
        processors: [proc("gen", `${S}GenerateFlowFile`), proc("log", `${S}LogAttribute`)],
        outputPorts: [{ identifier: "out", name: "Out" }],
        remoteProcessGroups: [{ identifier: "rpg", name: "Remote", targetUris: "https://nifi:8443", inputPorts: [{ identifier: "rin", name: "In" }] }],
        connections: [conn("c1", ["gen", "PROCESSOR"], ["success"], ["rin", "REMOTE_INPUT_PORT"]), conn("c2", ["gen", "PROCESSOR"], ["success"], ["log", "PROCESSOR"]), conn("c3", ["log", "PROCESSOR"], ["success"], ["out", "OUTPUT_PORT"])],
      }),
    );
    expect(flow.processors.find((p) => p.id === "log")?.autoTerminate).toEqual(["success"]);
    expect(flow.processors.find((p) => p.id === "gen")?.autoTerminate).toEqual([]);
    expect(report.changed.find((e) => e.id === "log")?.changes).toEqual(['relationship "success" led only to output port "Out" (nothing reads it in Sluice): auto-terminated (connect it to keep those FlowFiles)']);
    expect(report.unsupported.map((e) => e.kind).sort()).toEqual(["output-port", "remote-process-group"]);
  });
});

describe("sensitive values, services and parameters", () => {
  const svcType = "org.apache.nifi.kafka.service.Kafka3ConnectionService";
  const kafkaFlow = () =>
    definition(
        {
          parameterContextName: "ctx",
          controllerServices: [
            {
              identifier: "kafka",
              name: "Kafka",
              type: svcType,
              properties: { "bootstrap.servers": "#{brokers}", "sasl.username": "me", "sasl.password": "enc{abcdef}" },
              propertyDescriptors: { "sasl.password": { name: "sasl.password", sensitive: true } },
            },
            { identifier: "unused", name: "Unused", type: svcType, properties: {} },
          ],
          processors: [
            proc("pub", "org.apache.nifi.kafka.processors.PublishKafka", {
              properties: { "Kafka Connection Service": "kafka", "Topic Name": "#{topic}", "Transactional ID Prefix": "#{secret}" },
              propertyDescriptors: { "Kafka Connection Service": { name: "Kafka Connection Service", identifiesControllerService: true } },
              autoTerminatedRelationships: ["success", "failure"],
            }),
            proc("gen", `${S}GenerateFlowFile`),
          ],
          connections: [conn("c", ["gen", "PROCESSOR"], ["success"], ["pub", "PROCESSOR"])],
        },
        {
          parameterContexts: {
            ctx: {
              name: "ctx",
              parameters: [
                { name: "brokers", value: "k1:9092,k2:9092", sensitive: false },
                { name: "topic", value: "orders", sensitive: false },
                { name: "secret", sensitive: true },
              ],
            },
          },
        },
      );

  it("inline: never imports a sensitive value (plain, encrypted or from a sensitive parameter) and lists where to enter it", () => {
    const { flow, report } = run(kafkaFlow(), "inline");
    expect(JSON.stringify(flow)).not.toContain("enc{");
    expect(flow.parameterContexts).toBeUndefined();
    expect(flow.services).toEqual([{ id: "kafka", type: "KafkaConnection", name: "Kafka", properties: { bootstrapServers: "k1:9092,k2:9092", username: "me" } }]);
    const pub = flow.processors.find((p) => p.id === "pub");
    expect(pub?.properties).toEqual({ kafkaConnection: "kafka", topic: "orders" });
    expect(report.mustEnter).toEqual([
      { component: "pub", path: "processors[0].properties.transactionalIdPrefix", nifiProperty: "Transactional ID Prefix" },
      { component: "Kafka", path: "services[0].properties.password", nifiProperty: "sasl.password" },
    ]);
    expect(report.unsupported.find((e) => e.kind === "controller-service")).toMatchObject({ name: "Unused", reason: "not imported: no imported processor uses it" });
    expect(report.changed.find((e) => e.id === "pub")?.changes).toContain('"Transactional ID Prefix" uses a sensitive parameter, whose value NiFi does not export: enter it');
  });

  it("contexts: keeps the parameter context, its binding and the references; the sensitive parameter is to be entered", () => {
    const { flow, report } = run(kafkaFlow());
    expect(JSON.stringify(flow)).not.toContain("enc{");
    expect(flow.parameterContext).toBe("ctx-ctx");
    expect(flow.parameterContexts).toEqual([
      { id: "ctx-ctx", name: "ctx", parameters: [{ name: "brokers", value: "k1:9092,k2:9092" }, { name: "topic", value: "orders" }, { name: "secret", sensitive: true }] },
    ]);
    expect(flow.services[0].properties).toEqual({ bootstrapServers: "#{brokers}", username: "me" });
    expect(flow.processors.find((p) => p.id === "pub")?.properties).toEqual({ kafkaConnection: "kafka", topic: "#{topic}", transactionalIdPrefix: "#{secret}" });
    expect(report.mustEnter).toEqual([
      { component: "Kafka", path: "services[0].properties.password", nifiProperty: "sasl.password" },
      { component: 'parameter context "ctx"', path: "parameterContexts[0].parameters[2].value", nifiProperty: "#{secret}" },
    ]);
  });

  it("contexts: a group's inherited contexts are copied into the one it binds; unbound contexts are not imported", () => {
    const { flow, report } = run(
      definition(
        {
          processors: [proc("a", `${S}GenerateFlowFile`, { properties: { "Custom Text": "#{a} #{b} ##{c}" }, autoTerminatedRelationships: ["success"] })],
          processGroups: [{ identifier: "g", name: "G", parameterContextName: "child", processors: [] }],
        },
        {
          parameterContexts: {
            base: { name: "base", parameters: [{ name: "a", value: "from base" }, { name: "b", value: "B" }] },
            child: { name: "child", parameters: [{ name: "a", value: "A" }], inheritedParameterContexts: ["base"] },
            lonely: { name: "lonely", parameters: [] },
          },
        },
      ),
    );
    expect(flow.parameterContext).toBeUndefined();
    expect(flow.groups[0].parameterContext).toBe("ctx-child");
    expect(flow.parameterContexts).toEqual([{ id: "ctx-child", name: "child", parameters: [{ name: "a", value: "A" }, { name: "b", value: "B" }] }]);
    expect(report.changed.find((e) => e.kind === "parameter-context")?.changes).toEqual(['parameter "b" is inherited from "base": copied in (Sluice contexts do not inherit)']);
    expect(report.unsupported.filter((e) => e.kind === "parameter-context").map((e) => e.name)).toEqual(["base", "lonely"]);
    // The root group binds no context: its references are named in the report.
    expect(report.changed.find((e) => e.id === "a")?.changes).toEqual([
      '"Custom Text" references parameter #{a}, which no parameter context of its group defines',
      '"Custom Text" references parameter #{b}, which no parameter context of its group defines',
    ]);
  });

  it("folds ConvertRecord's record reader and writer services into its properties", () => {
    const cs = (id: string, type: string, properties: Json) => ({ identifier: id, name: id, type, properties });
    const { flow, report } = run(
      definition({
        controllerServices: [
          cs("csv-in", "org.apache.nifi.csv.CSVReader", { "Value Separator": ";", "Skip Header Line": "true", "Quote Character": null }),
          cs("json-out", "org.apache.nifi.json.JsonRecordSetWriter", { "Pretty Print JSON": "true", "output-grouping": "output-oneline" }),
          cs("avro", "org.apache.nifi.avro.AvroReader", {}),
        ],
        processors: [
          proc("gen", `${S}GenerateFlowFile`),
          proc("conv", `${S}ConvertRecord`, {
            properties: { "record-reader": "csv-in", "record-writer": "json-out" },
            propertyDescriptors: { "record-reader": { identifiesControllerService: true }, "record-writer": { identifiesControllerService: true } },
            autoTerminatedRelationships: ["success", "failure"],
          }),
          proc("conv2", `${S}ConvertRecord`, {
            properties: { "Record Reader": "avro", "Record Writer": "json-out" },
            propertyDescriptors: { "Record Reader": { identifiesControllerService: true }, "Record Writer": { identifiesControllerService: true } },
            autoTerminatedRelationships: ["success", "failure"],
          }),
        ],
        connections: [conn("c1", ["gen", "PROCESSOR"], ["success"], ["conv", "PROCESSOR"]), conn("c2", ["gen", "PROCESSOR"], ["success"], ["conv2", "PROCESSOR"])],
      }),
    );
    expect(flow.services).toEqual([]);
    expect(flow.processors[1].properties).toEqual({
      recordReader: "CSV",
      valueSeparator: ";",
      treatFirstLineAsHeader: "true",
      quoteCharacter: '"',
      escapeCharacter: "\\",
      trimFields: "true",
      recordWriter: "JSON",
      prettyPrint: "true",
      outputGrouping: "One Line Per Object",
    });
    expect(flow.processors[2].properties).toEqual({ recordWriter: "JSON", prettyPrint: "true", outputGrouping: "One Line Per Object" });
    expect(report.changed.find((e) => e.id === "conv2")?.changes).toContain('"Record Reader" uses AvroReader "avro", which Sluice cannot read or write: recordReader is left unset');
    expect(report.changed.find((e) => e.name === "json-out")?.changes).toEqual(['not imported as a service: its type and settings became properties of "conv", "conv2"']);
  });

  it("refuses a reference to a controller service that is not in the file, naming the property's JSON path", () => {
    const json = definition({
      processors: [
        proc("conv", `${S}ConvertRecord`, {
          properties: { "record-reader": "gone" },
          propertyDescriptors: { "record-reader": { name: "record-reader", identifiesControllerService: true } },
        }),
      ],
    });
    const e = fail(() => run(json));
    expect(e.problems).toEqual([{ path: 'flowContents.processors[0].properties["record-reader"]', message: "references controller service gone, which is not in the file" }]);
  });
});

describe("bad input", () => {
  const opts = { catalog, fileName: "x.json" };
  it("not JSON, truncated JSON, XML, an empty file", () => {
    expect(fail(() => importNifiFile('{"flowContents": {"identifier": "a", "processors": [', opts)).message).toMatch(/^x\.json is not valid JSON .*\(the file looks truncated\)/);
    expect(fail(() => importNifiFile("<template><name>t</name></template>", opts)).message).toMatch(/is XML, not JSON: NiFi 1\.x templates/);
    expect(fail(() => importNifiFile("  ", opts)).message).toBe("x.json is empty");
  });

  it("a gzip that does not decompress, and a gzip of something that is not a flow", () => {
    const gz = gzipSync(Buffer.from(JSON.stringify(definition({}))));
    expect(fail(() => importNifiFile(gz.subarray(0, gz.length - 10), { catalog, fileName: "flow.json.gz" })).message).toMatch(/^flow\.json\.gz is a gzip file that does not decompress/);
    expect(fail(() => importNifiFile(gzipSync(Buffer.from("name,age\nx,1\n")), { catalog, fileName: "flow.json.gz" })).message).toMatch(/^flow\.json\.gz \(inside the gzip\) is not valid JSON/);
    expect(fail(() => importNifiFile(gzipSync(Buffer.from('{"hello": 1}')), { catalog, fileName: "flow.json.gz" })).problems).toEqual([
      { path: "(root)", message: 'expected "flowContents" (a flow definition or registry snapshot) or "rootGroup" (a flow.json.gz); found keys hello' },
    ]);
  });

  it("JSON that is not a NiFi flow: an array, a Sluice flow file, a REST API answer", () => {
    expect(fail(() => run([1, 2])).problems[0]).toEqual({ path: "(root)", message: "expected a JSON object, found an array" });
    expect(fail(() => run({ sluice: 1, id: "x", name: "x", processors: [] })).problems[0].path).toBe("sluice");
    expect(fail(() => run({ processGroupFlow: {} })).problems[0].message).toMatch(/REST API/);
  });

  it("a malformed NiFi flow: the first wrong fields, with their paths", () => {
    const e = fail(() => run(definition({ processors: [proc("a", `${S}GenerateFlowFile`), { identifier: "b", properties: {} }], connections: [{ identifier: "c" }] })));
    expect(e.problems.map((p) => p.path)).toEqual(["flowContents.processors[1].type", "flowContents.connections[0].source", "flowContents.connections[0].destination"]);
  });

  it("a connection to a component that is not in the file", () => {
    const e = fail(() => run(definition({ processors: [proc("a", `${S}GenerateFlowFile`)], connections: [conn("c", ["a", "PROCESSOR"], ["success"], ["nope", "PROCESSOR"])] })));
    expect(e.problems).toEqual([{ path: "flowContents.connections[0].destination.id", message: "no component with id nope (PROCESSOR) in the file" }]);
  });
});

describe("ids", () => {
  it("makes NiFi ids safe and unique", () => {
    const { flow } = run(definition({ processors: [proc("a b/c", `${S}GenerateFlowFile`, { autoTerminatedRelationships: ["success"] }), proc("a-b-c", `${S}GenerateFlowFile`, { autoTerminatedRelationships: ["success"] })] }));
    expect(flow.processors.map((p) => p.id)).toEqual(["a-b-c", "a-b-c-2"]);
  });
});
