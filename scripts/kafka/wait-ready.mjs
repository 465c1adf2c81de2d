#!/usr/bin/env node
// Waits until a Kafka broker answers a kafkajs admin describeCluster() and has a group
// coordinator: the second half of "ready" in scripts/services.sh (the first half is the
// "Kafka Server started" log line).
// Usage: node scripts/kafka/wait-ready.mjs [--brokers host:port[,host:port]] [--timeout-ms N]
// Exit 0 when ready (prints one line), 1 on timeout (prints the last error), 2 if kafkajs is
// not installed yet (services.sh then falls back to the log line alone).
import { createRequire } from "node:module";
import path from "node:path";

const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), "../..");
const args = process.argv.slice(2);
const opt = (name, fallback) => {
  const i = args.indexOf(name);
  return i >= 0 && i + 1 < args.length ? args[i + 1] : fallback;
};
const brokers = opt("--brokers", "127.0.0.1:19092").split(",");
const timeoutMs = Number(opt("--timeout-ms", "30000"));

let kafkajs;
try {
  // Resolve from the repo root so this works whatever the caller's working directory is.
  kafkajs = createRequire(path.join(root, "package.json"))("kafkajs");
} catch {
  console.error("wait-ready: kafkajs is not installed (run npm install)");
  process.exit(2);
}
const { Kafka, logLevel } = kafkajs;

const deadline = Date.now() + timeoutMs;
let lastError = "no attempt made";
while (Date.now() < deadline) {
  // A fresh client per attempt: kafkajs keeps a broken connection's state otherwise.
  const kafka = new Kafka({
    clientId: "sluice-wait-ready",
    brokers,
    logLevel: logLevel.NOTHING,
    connectionTimeout: 1000,
    requestTimeout: 3000,
    retry: { retries: 0 },
  });
  const admin = kafka.admin();
  try {
    await admin.connect();
    const cluster = await admin.describeCluster();
    if (cluster.brokers.length > 0 && cluster.controller !== null && cluster.controller >= 0) {
      // Also wait for the group coordinator: the first FindCoordinator makes the broker create
      // __consumer_offsets, and until that is done consumers get "group coordinator not
      // available". Doing it here keeps that start-up noise out of the first test.
      await admin.describeGroups(["sluice-wait-ready"]);
      console.log(`kafka ready: cluster ${cluster.clusterId}, ${cluster.brokers.length} broker(s), controller ${cluster.controller}, group coordinator up`);
      await admin.disconnect().catch(() => {});
      process.exit(0);
    }
    lastError = `describeCluster returned no broker/controller: ${JSON.stringify(cluster)}`;
  } catch (err) {
    lastError = err instanceof Error ? err.message : String(err);
  }
  await admin.disconnect().catch(() => {});
  await new Promise((r) => setTimeout(r, 300));
}
console.error(`wait-ready: broker ${brokers.join(",")} not ready after ${timeoutMs} ms: ${lastError}`);
process.exit(1);
