/**
 * Provenance end to end in a durable engine: a FlowFile that is cloned and routed has a full
 * lineage graph, content before and after each event can be read, and replay re-enqueues it.
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { Engine } from "../../engine/api/engine";
import { defineProcessor, erase, relationship } from "../../engine/sdk";

const arrivals: string[] = [];

const Upper = defineProcessor({
  type: "TestUppercase",
  summary: "Upper-cases the content.",
  input: "required",
  properties: {},
  relationships: { success: relationship("done") },
  onTrigger({ session }) {
    for (const ff of session.getBatch()) session.transfer(session.write(ff, session.readText(ff).toUpperCase()), "success");
  },
});

const Collect = defineProcessor({
  type: "TestCollect",
  summary: "Records arrivals and drops.",
  input: "required",
  properties: {},
  relationships: {},
  onTrigger({ session }) {
    for (const ff of session.getBatch()) {
      arrivals.push(session.readText(ff));
      session.remove(ff);
    }
  },
});

const flow = {
  sluice: 1,
  id: "prov",
  name: "provenance",
  processors: [
    { id: "gen", type: "GenerateFlowFile", properties: { totalCount: "1", customText: "hello", filename: "greeting.txt" }, scheduling: { runSchedule: "10 ms" } },
    { id: "route", type: "RouteOnAttribute", properties: { a: "${filename:startsWith('greet')}", b: "${filename:endsWith('.txt')}" }, autoTerminate: ["unmatched"] },
    { id: "upper", type: "TestUppercase" },
    { id: "sink", type: "TestCollect" },
  ],
  connections: [
    { id: "g-r", source: "gen", relationships: ["success"], destination: "route" },
    { id: "r-u", source: "route", relationships: ["a", "b"], destination: "upper" },
    { id: "u-s", source: "upper", relationships: ["success"], destination: "sink" },
  ],
};

const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "sluice-prov-"));
afterAll(() => fs.rmSync(dataDir, { recursive: true, force: true }));

describe("provenance: lineage, content and replay", () => {
  it("follows a cloned, routed FlowFile and replays it", async () => {
    const engine = Engine.open(flow, { dataDir, mode: "durable", silent: true, extraProcessors: [erase(Upper), erase(Collect)] });
    await engine.start();
    await engine.waitForIdle({ quietMs: 300, timeoutMs: 20_000 });
    expect(arrivals.sort()).toEqual(["HELLO", "HELLO"]);

    const [created] = await engine.searchProvenance({ type: "CREATE", componentId: "gen" });
    expect(created).toBeDefined();
    const original = created!.flowFileUuid;

    const graph = await engine.lineage(original);
    expect(graph.flowFiles).toHaveLength(2);
    const clone = graph.flowFiles.find((u) => u !== original)!;
    const types = (uuid: string) => graph.events.filter((e) => e.flowFileUuid === uuid).map((e) => e.type);
    expect(types(original)).toEqual(expect.arrayContaining(["CREATE", "CLONE", "ROUTE", "CONTENT_MODIFIED", "DROP"]));
    expect(types(clone)).toEqual(expect.arrayContaining(["CLONE", "ROUTE", "CONTENT_MODIFIED", "DROP"]));
    const routes = graph.events.filter((e) => e.type === "ROUTE").map((e) => e.relationship).sort();
    expect(routes).toEqual(["a", "b"]);
    expect(graph.edges.length).toBeGreaterThan(0);

    // Content before and after every event that has content.
    for (const e of graph.events) {
      if (e.type === "CONTENT_MODIFIED") {
        expect((await engine.provenanceContent(e.eventId, "input")).toString()).toBe("hello");
        expect((await engine.provenanceContent(e.eventId, "output")).toString()).toBe("HELLO");
      } else if (e.currentClaim) {
        const out = (await engine.provenanceContent(e.eventId, "output")).toString();
        expect(["hello", "HELLO"]).toContain(out);
      }
    }

    // Replay the clone's content change: it is queued again before Upper and arrives again.
    const modified = graph.events.find((e) => e.flowFileUuid === clone && e.type === "CONTENT_MODIFIED")!;
    const replayed = await engine.replay(modified.eventId);
    await engine.waitForIdle({ quietMs: 300, timeoutMs: 20_000 });
    expect(arrivals).toEqual(["HELLO", "HELLO", "HELLO"]);
    const [replayEvent] = await engine.searchProvenance({ type: "REPLAY" });
    expect(replayEvent?.flowFileUuid).toBe(replayed);
    expect(replayEvent?.parentUuids).toEqual([clone]);
    const replayLineage = await engine.lineage(replayed);
    expect(replayLineage.flowFiles).toContain(clone);
    const full = await engine.lineage(original);
    expect(full.flowFiles.sort()).toEqual([original, clone, replayed].sort());
    expect(full.events.length).toBe(graph.events.length + 3);
    await engine.shutdown();

    // Survives a restart: the same lineage from the repository on disk.
    const reopened = Engine.open(flow, { dataDir, mode: "durable", silent: true, extraProcessors: [erase(Upper), erase(Collect)] });
    const again = await reopened.lineage(original);
    expect(again.events.map((e) => e.eventId).sort((x, y) => x - y)).toEqual(full.events.map((e) => e.eventId).sort((x, y) => x - y));
    expect((await reopened.provenanceContent(modified.eventId, "input")).toString()).toBe("hello");
    await reopened.shutdown();
  });
});
