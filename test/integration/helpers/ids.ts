import { randomBytes } from "node:crypto";

/**
 * A name no other test, run or engineer on this machine will pick: `<prefix>-<time>-<random>`.
 * Safe as a Kafka topic/group id and a Redis key prefix (only [a-z0-9-]).
 */
export function uniqueId(prefix: string): string {
  return `${prefix}-${Date.now().toString(36)}-${randomBytes(4).toString("hex")}`;
}
