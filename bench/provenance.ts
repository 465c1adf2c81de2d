/**
 * Provenance hot path: register + flush on the main thread, and the index worker's throughput.
 *
 * Registers 1,000,000 events (200 FlowFiles x RECEIVE, ATTRIBUTES_MODIFIED, CONTENT_MODIFIED,
 * ROUTE, SEND per batch of 1000; 8 attributes each; content claims), flushing after every batch
 * as the flow controller does at group commit, then waits until the index has caught up.
 * Building the batches is not timed; `events/s` is events / time spent in register + flush,
 * `index_events/s` is events / wall time from the first register until the index holds them all.
 * Prints one line: `provenance events/s=<n> index_events/s=<n> bytes_per_event=<n>`.
 */
import { randomUUID } from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { pathToFileURL } from "node:url";
import type { ClaimRef, ProvenanceEventInput, ProvenanceEventType } from "../engine/core/provenance";
import { FileProvenanceRepository } from "../engine/repository/provenance/file-provenance-repository";

const TOTAL = 1_000_000;
const BATCH = 1000;
const COMPONENTS = Array.from({ length: 6 }, () => randomUUID());

/**
 * Builds events with one fixed property order, as a session's single event factory would.
 * Why it matters: encoding reads ~20 properties per event, and objects of many shapes (e.g.
 * built with object spread in different orders) made those reads megamorphic, about 3x slower.
 */
function provenanceEvent(
  type: ProvenanceEventType,
  uuid: string,
  timestamp: number,
  fileSize: number,
  component: number,
  componentType: string,
  previousAttributes: Record<string, string | null>,
  updatedAttributes: Record<string, string | null>,
  attributes: Record<string, string>,
  previousClaim: ClaimRef | null,
  currentClaim: ClaimRef | null,
  relationship: string | null,
  details: string | null,
  transitUri: string | null,
  sourceQueueId: string | null,
): ProvenanceEventInput {
  return {
    type,
    timestamp,
    flowFileUuid: uuid,
    fileSize,
    lineageStartDate: timestamp,
    componentId: COMPONENTS[component]!,
    componentType,
    parentUuids: [],
    childUuids: [],
    previousAttributes,
    updatedAttributes,
    attributes,
    previousClaim,
    currentClaim,
    relationship,
    details,
    transitUri,
    sourceQueueId,
  };
}

function lifecycle(n: number, now: number): ProvenanceEventInput[] {
  const uuid = randomUUID();
  const received: Record<string, string> = {
    filename: `order-${n}.json`,
    path: "./in/",
    uuid,
    "mime.type": "application/json",
    "kafka.topic": "orders",
    "kafka.partition": String(n % 12),
    "kafka.offset": String(1_000_000 + n),
    "record.count": "1",
  };
  const modified = { ...received, "record.count": "12" };
  const claim = { resource: `${n % 16}/${Math.floor(n / 2000)}`, offset: (n % 2000) * 512, length: 512 };
  const transformed = { resource: `${(n + 7) % 16}/${Math.floor(n / 2000) + 1}`, offset: (n % 2000) * 700, length: 700 };
  return [
    provenanceEvent("RECEIVE", uuid, now, 512, 0, "ConsumeKafka", {}, { ...received }, received, null, claim, null, null, "kafka://broker-1:9092/orders", null),
    provenanceEvent("ATTRIBUTES_MODIFIED", uuid, now + 1, 512, 1, "UpdateAttribute", { "record.count": "1" }, { "record.count": "12" }, modified, claim, claim, null, null, null, "conn-receive"),
    provenanceEvent("CONTENT_MODIFIED", uuid, now + 2, 700, 2, "JoltTransformJSON", {}, {}, modified, claim, transformed, null, null, null, "conn-update"),
    provenanceEvent("ROUTE", uuid, now + 3, 700, 3, "RouteOnAttribute", {}, {}, modified, transformed, transformed, "large", "matched ${record.count:gt(10)}", null, "conn-transform"),
    provenanceEvent("SEND", uuid, now + 4, 700, 4, "PublishKafka", {}, {}, modified, transformed, transformed, null, null, "kafka://broker-1:9092/orders-enriched", "conn-route-large"),
  ];
}

function batch(first: number, now: number): ProvenanceEventInput[] {
  const events: ProvenanceEventInput[] = [];
  for (let i = 0; i < BATCH / 5; i++) events.push(...lifecycle(first / 5 + i, now));
  return events;
}

export async function main(_args: string[] = []): Promise<void> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "sluice-bench-provenance-"));
  const repo = new FileProvenanceRepository({ dir });
  try {
    let timedNs = 0n;
    const wallStart = process.hrtime.bigint();
    const now = Date.now();
    for (let done = 0; done < TOTAL; done += BATCH) {
      const events = batch(done, now + done);
      const t = process.hrtime.bigint();
      repo.register(events);
      repo.flush();
      timedNs += process.hrtime.bigint() - t;
    }
    const indexed = await repo.waitForIndex();
    const wallSeconds = Number(process.hrtime.bigint() - wallStart) / 1e9;
    if (indexed !== TOTAL) throw new Error(`index holds ${indexed} events, expected ${TOTAL}`);
    const sample = await repo.search({ type: "SEND", limit: 1 });
    if (sample[0]?.eventId !== TOTAL - 1) throw new Error("newest SEND event not found");
    const rate = Math.round(TOTAL / (Number(timedNs) / 1e9));
    const indexRate = Math.round(TOTAL / wallSeconds);
    const bytesPerEvent = Math.round(repo.storageBytes() / TOTAL);
    console.log(`provenance events/s=${rate} index_events/s=${indexRate} bytes_per_event=${bytesPerEvent}`);
  } finally {
    await repo.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main().then(
    () => process.exit(0),
    (error: unknown) => {
      console.error(error);
      process.exit(1);
    },
  );
}
