// Runs the ProvenanceRepository contract suite against every implementation, then what only one
// of them promises.
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import type { ProvenanceRepository } from "../../../engine/core/provenance";
import { FileProvenanceRepository } from "../../../engine/repository/provenance/file-provenance-repository";
import { MemoryProvenanceRepository } from "../../../engine/repository/provenance/memory-provenance-repository";
import { describeProvenanceRepository, event, type ProvenanceHarness } from "./provenance-repository.contract";

describeProvenanceRepository({
  name: "MemoryProvenanceRepository (volatile)",
  durable: false,
  harness(): ProvenanceHarness {
    const opened: ProvenanceRepository[] = [];
    return {
      open() {
        const repo = new MemoryProvenanceRepository();
        opened.push(repo);
        return repo;
      },
      dispose: async () => {
        for (const repo of opened) await repo.close();
      },
    };
  },
});

for (const indexThread of ["worker", "main"] as const) {
  describeProvenanceRepository({
    name: `FileProvenanceRepository (durable, index on the ${indexThread} thread)`,
    durable: true,
    harness(): ProvenanceHarness {
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), "sluice-prov-"));
      const opened: ProvenanceRepository[] = [];
      return {
        open() {
          const repo = new FileProvenanceRepository({ dir, indexThread });
          opened.push(repo);
          return repo;
        },
        async dispose() {
          for (const repo of opened) await repo.close();
          fs.rmSync(dir, { recursive: true, force: true });
        },
      };
    },
  });
}

describe("MemoryProvenanceRepository", () => {
  it("keeps only the newest maxEvents events", async () => {
    const repo = new MemoryProvenanceRepository({ maxEvents: 10 });
    repo.register(Array.from({ length: 25 }, (_, i) => event("ROUTE", `ff-${i}`)));
    expect(repo.maxEventId()).toBe(24);
    expect(await repo.getEvent(14)).toBeNull();
    expect((await repo.getEvent(15))?.flowFileUuid).toBe("ff-15");
    expect((await repo.search({})).map((e) => e.eventId)).toEqual([24, 23, 22, 21, 20, 19, 18, 17, 16, 15]);
    expect((await repo.lineage("ff-3")).events).toEqual([]);
  });
});
