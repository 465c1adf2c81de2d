// The broker goes away for 10 s in the middle of a relay and comes back with its data: the
// flow (durable engine) resumes by itself and no record is lost; at-least-once and exactly-once
// (transactions retried inside PublishKafka's trigger: still no duplicate for read_committed).
// Runs its own broker (scripts/services.sh with SLUICE_KAFKA_PORT/STATE/KEEP_DATA) so stopping
// it never disturbs the shared broker other tests use.
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { Kafka, logLevel, type Admin } from "kafkajs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Engine } from "../../engine/api/engine";
import { analyze, consumerLag, produceInput, readTopic, relayFlow, topicSize } from "../fixtures/kafka/relay";
import { uniqueId } from "./helpers/ids";
import { createTestTopic } from "./helpers/kafka";

const N = 30_000;
const KEYS = 1_000;
const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");

/** A port nothing listens on now (the OS picks it), so parallel runs never share a broker. */
async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.on("error", reject);
    srv.listen(0, "127.0.0.1", () => {
      const port = (srv.address() as net.AddressInfo).port;
      srv.close(() => resolve(port));
    });
  });
}

describe("kafka broker outage", () => {
  let BROKERS = "";
  const state = fs.mkdtempSync(path.join(os.tmpdir(), "sluice-kafka-outage-broker-"));
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "sluice-kafka-outage-"));
  let env: NodeJS.ProcessEnv = process.env;
  const services = (cmd: "start" | "stop"): void => {
    const r = spawnSync("bash", [path.join(root, "scripts/services.sh"), cmd, "kafka"], { cwd: root, env, stdio: ["ignore", "inherit", "inherit"] });
    if (r.status !== 0) throw new Error(`services.sh ${cmd} kafka (private broker) failed`);
  };
  let kafka: Kafka;
  let admin: Admin;
  const engines: Engine[] = [];

  beforeAll(async () => {
    const port = await freePort();
    let controllerPort = await freePort();
    while (controllerPort === port) controllerPort = await freePort();
    BROKERS = `127.0.0.1:${port}`;
    env = { ...process.env, SLUICE_KAFKA_PORT: String(port), SLUICE_KAFKA_CONTROLLER_PORT: String(controllerPort), SLUICE_KAFKA_STATE: state, SLUICE_KAFKA_KEEP_DATA: "1" };
    services("start");
    kafka = new Kafka({ clientId: uniqueId("sluice-outage"), brokers: [BROKERS], logLevel: logLevel.NOTHING, retry: { retries: 8, initialRetryTime: 100 } });
    admin = kafka.admin();
    await admin.connect();
  });

  afterAll(async () => {
    for (const e of engines) await e.shutdown();
    await admin?.disconnect();
    services("stop");
    fs.rmSync(state, { recursive: true, force: true });
    fs.rmSync(dataDir, { recursive: true, force: true });
  });

  async function outage(exactlyOnce: boolean): Promise<void> {
    const input = await createTestTopic(admin, { prefix: "sluice-outage-in" });
    const output = await createTestTopic(admin, { prefix: "sluice-outage-out" });
    const group = uniqueId(exactlyOnce ? "sluice-outage-eos" : "sluice-outage");
    await produceInput(kafka, input, N, KEYS);

    const engine = Engine.open(
      relayFlow({
        brokers: BROKERS,
        inputTopic: input,
        outputTopic: output,
        groupId: group,
        exactlyOnce,
        maxRecordsPerTrigger: 500,
        publishBatch: 500,
        sessionTimeout: "6 sec",
      }),
      { dataDir: fs.mkdtempSync(path.join(dataDir, "run-")), mode: "durable", silent: true },
    );
    engines.push(engine);
    await engine.start();
    const deadline = Date.now() + 60_000;
    while ((await topicSize(admin, output)) < N / 4) {
      if (Date.now() > deadline) throw new Error("no output before the outage");
      await new Promise((r) => setTimeout(r, 100));
    }
    await admin.disconnect();
    const before = engine.status().processors.map((p) => `${p.id}:${p.stats.out}`).join(" ");
    services("stop");
    await new Promise((r) => setTimeout(r, 10_000));
    services("start");
    await admin.connect();

    // Back by itself: everything consumed (committed) and published.
    let lastSize = -1;
    let stableSince = Date.now();
    const resumeDeadline = Date.now() + 150_000;
    for (;;) {
      const size = await topicSize(admin, output).catch(() => -1);
      if (size !== lastSize) {
        lastSize = size;
        stableSince = Date.now();
      }
      const lag = await consumerLag(admin, group, input).catch(() => -1);
      if (lag === 0 && size >= N && Date.now() - stableSince > 2_000) break;
      if (Date.now() > resumeDeadline) throw new Error(`relay did not resume: lag ${lag}, output ${size}/${N}`);
      await new Promise((r) => setTimeout(r, 250));
    }
    const warnings = engine.status().bulletins.length;
    const read = await readTopic(kafka, output, { expected: N, groupId: `${group}-verify`, readCommitted: true });
    const report = analyze(read, N);
    console.log(
      `kafka outage (${exactlyOnce ? "exactly-once" : "at-least-once"}): before stop [${before}]; ${warnings} bulletins during the outage; after recovery ${report.distinct}/${N} distinct, duplicates=${report.duplicates}`,
    );
    expect(report.missing.slice(0, 10)).toEqual([]);
    expect(report.distinct).toBe(N);
    expect(report.damaged).toBe(0);
    if (exactlyOnce) expect(report.duplicates).toBe(0);
    await engine.shutdown();
    engines.splice(engines.indexOf(engine), 1);
  }

  it("at-least-once: resumes by itself after the broker is down for 10 s, nothing lost", async () => {
    await outage(false);
  });

  it("exactly-once: resumes by itself, nothing lost, no duplicate for read_committed", async () => {
    await outage(true);
  });
});
