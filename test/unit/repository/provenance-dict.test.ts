// Reading events back while their log file is still being indexed must not disturb the file's
// string dictionary: a query decodes records that define dictionary strings, and those
// definitions were already taken when the record was indexed.
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import type { ProvenanceEventInput } from "../../../engine/core/provenance";
import { FileProvenanceRepository } from "../../../engine/repository/provenance/file-provenance-repository";

const cleanup: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const f of cleanup.splice(0)) await f();
});

function event(i: number, component: string): ProvenanceEventInput {
  const uuid = `ff-${i}`;
  return {
    type: "ATTRIBUTES_MODIFIED",
    timestamp: 1_700_000_000_000 + i,
    flowFileUuid: uuid,
    fileSize: 1,
    lineageStartDate: 1_700_000_000_000,
    componentId: component,
    componentType: `Type-${component}`,
    parentUuids: [],
    childUuids: [],
    previousAttributes: {},
    updatedAttributes: {},
    attributes: { uuid, [`attr-${component}`]: `value-${i}` },
    previousClaim: null,
    currentClaim: null,
    relationship: `rel-${component}`,
    details: null,
    transitUri: null,
    sourceQueueId: `queue-${component}`,
  };
}

describe.each(["main", "worker"] as const)("provenance dictionary with queries between flushes (index on %s thread)", (indexThread) => {
  it("decodes every event with its own strings after queries touched records that define strings", async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "sluice-prov-dict-"));
    const repo = new FileProvenanceRepository({ dir, indexThread });
    cleanup.push(() => fs.rmSync(dir, { recursive: true, force: true }), () => repo.close());
    for (let round = 0; round < 4; round++) {
      // Each round brings new strings (component, type, attribute name, relationship, queue).
      repo.register([event(round * 2, `c${round}`), event(round * 2 + 1, `c${round}`)]);
      repo.flush();
      const found = await repo.search({ componentId: `c${round}` });
      expect(found.map((e) => e.flowFileUuid).sort()).toEqual([`ff-${round * 2}`, `ff-${round * 2 + 1}`]);
      // Also the very first record (which defined c0's strings).
      expect((await repo.getEvent(0))?.componentType).toBe("Type-c0");
    }
    for (let i = 0; i < 8; i++) {
      const e = await repo.getEvent(i);
      const c = `c${Math.floor(i / 2)}`;
      expect(e).toMatchObject({ componentId: c, componentType: `Type-${c}`, relationship: `rel-${c}`, sourceQueueId: `queue-${c}` });
      expect(e?.attributes).toEqual({ uuid: `ff-${i}`, [`attr-${c}`]: `value-${i}` });
    }
  });
});
