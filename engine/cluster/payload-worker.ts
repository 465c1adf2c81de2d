/**
 * The payload writer thread (see payload-writer.ts): signs each batch payload it is given and
 * stores it in Redis on its own connection, so that a node's event loop does neither the hash
 * nor the megabyte copies and socket writes of the SET.
 *
 * Messages in: { id, key, bytes: ArrayBuffer (transferred), offset, length }, or { close: true }.
 * Messages out: { id, mac } once Redis acknowledged the SET, or { id, error }; { ready: true }
 * each time its connection to Redis is ready.
 */
import { createHmac } from "node:crypto";
import { parentPort, workerData } from "node:worker_threads";
import { Redis } from "ioredis";

interface Init {
  url: string;
  macKey: Uint8Array;
  commandTimeoutMs: number;
}

interface WriteRequest {
  id: number;
  key: string;
  bytes: ArrayBuffer;
  offset: number;
  length: number;
}

const port = parentPort;
if (port === null) throw new Error("payload-worker must run in a worker thread");
const init = workerData.init as Init;
const macKey = Buffer.from(init.macKey);
// As RedisLink's command connection: one reconnect attempt per command, and a time limit, so a
// Redis that is away fails the handover (which rolls back) instead of holding it.
const redis = new Redis(init.url, { enableReadyCheck: true, maxRetriesPerRequest: 1, commandTimeout: init.commandTimeoutMs });
// Errors reach the caller through the failed SET; the node's RedisLink logs outages.
redis.on("error", () => {});
// Connected (again): PayloadWriter.ready waits for the first.
redis.on("ready", () => port.postMessage({ ready: true }));

port.on("message", (m: WriteRequest | { close: true }) => {
  if ("close" in m) {
    void redis.quit().catch(() => redis.disconnect()).finally(() => port.close());
    return;
  }
  const bytes = Buffer.from(m.bytes, m.offset, m.length);
  const mac = createHmac("sha256", macKey).update(bytes).digest("hex");
  redis.set(m.key, bytes).then(
    () => port.postMessage({ id: m.id, mac }),
    (e: unknown) => port.postMessage({ id: m.id, error: e instanceof Error ? e.message : String(e) }),
  );
});
