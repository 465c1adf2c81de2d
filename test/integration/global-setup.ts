// Integration tier global setup: make sure Redis and the Kafka broker run (scripts/services.sh
// start is idempotent and takes well under a second when both are up), then hand their
// addresses to the tests through vitest's provide/inject (see helpers/services.ts).
// SLUICE_TEST_KAFKA (bootstrap servers) / SLUICE_TEST_REDIS (URL) point the tests at other
// services instead; the overridden service is then not started.
import { spawnSync } from "node:child_process";
import path from "node:path";
import { fileURLToPath } from "node:url";
import type { TestProject } from "vitest/node";
// Type-only: brings in the ProvidedContext declaration that types `provide` below.
import type {} from "./helpers/services";

/** The addresses scripts/services.sh listens on. */
const DEFAULT_KAFKA_BROKERS = "127.0.0.1:19092";
const DEFAULT_REDIS_URL = "redis://127.0.0.1:6379";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");

export default function setup(project: TestProject): void {
  const kafka = process.env.SLUICE_TEST_KAFKA?.trim();
  const redis = process.env.SLUICE_TEST_REDIS?.trim();
  const services = [...(redis ? [] : ["redis"]), ...(kafka ? [] : ["kafka"])];
  if (services.length > 0) {
    const r = spawnSync("bash", [path.join(root, "scripts/services.sh"), "start", ...services], {
      cwd: root,
      stdio: ["ignore", "inherit", "inherit"],
    });
    if (r.status !== 0) {
      throw new Error(`scripts/services.sh start ${services.join(" ")} failed (exit ${r.status ?? r.signal}); see its output above`);
    }
  }
  project.provide("kafkaBrokers", kafka || DEFAULT_KAFKA_BROKERS);
  project.provide("redisUrl", redis || DEFAULT_REDIS_URL);
}
