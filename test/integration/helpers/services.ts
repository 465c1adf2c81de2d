// Where the integration tier's real services are. test/integration/global-setup.ts starts them
// (scripts/services.sh) and provides their addresses; tests read them through these functions.
import { inject } from "vitest";

declare module "vitest" {
  export interface ProvidedContext {
    /** Comma-separated Kafka bootstrap servers, e.g. "127.0.0.1:19092" (env SLUICE_TEST_KAFKA). */
    kafkaBrokers: string;
    /** Redis URL, e.g. "redis://127.0.0.1:6379" (env SLUICE_TEST_REDIS). */
    redisUrl: string;
  }
}

/** Kafka bootstrap servers for this test run, as a list for kafkajs. */
export function kafkaBrokers(): string[] {
  return inject("kafkaBrokers").split(",").map((b) => b.trim()).filter(Boolean);
}

/** Redis URL for this test run. */
export function redisUrl(): string {
  return inject("redisUrl");
}
