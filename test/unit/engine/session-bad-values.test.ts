// A processor that hands the session a value that is not a string (possible from plain
// JavaScript, or a cast) must fail like any other processor error: its session rolls back, a
// bulletin names the attribute, and the engine's repositories stay usable for everyone else.
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { Engine } from "../../../engine/api/engine";
import { defineProcessor, erase, property, relationship } from "../../../engine/sdk";

const cleanup: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const f of cleanup.splice(0).reverse()) await f();
});

const BadValues = defineProcessor({
  type: "BadValues",
  summary: "Puts a number where a string belongs.",
  input: "required",
  properties: { how: property.enum({ displayName: "How", description: "Which call gets the number.", values: ["putAttribute", "putAllAttributes", "provenance"], required: true }) },
  relationships: { success: relationship("ok") },
  onTrigger({ session, config }) {
    for (const ff of session.getBatch()) {
      const n = 5 as unknown as string;
      let out = ff;
      if (config.how === "putAttribute") out = session.putAttribute(ff, "n", n);
      else if (config.how === "putAllAttributes") out = session.putAllAttributes(ff, { ok: "1", n });
      else session.provenance.route(ff, "success", n);
      session.transfer(out, "success");
    }
  },
});

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe.each(["putAttribute", "putAllAttributes", "provenance"])("a non-string value via %s", (how) => {
  it("rolls back that session only; the rest of the flow still commits durably", async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "sluice-bad-values-"));
    cleanup.push(() => fs.rmSync(dir, { recursive: true, force: true }));
    const flow = {
      sluice: 1,
      id: "bad-values",
      name: "bad values",
      processors: [
        { id: "gen", type: "GenerateFlowFile", properties: { totalCount: "5", customText: "x" } },
        { id: "bad", type: "BadValues", properties: { how } },
        { id: "gen2", type: "GenerateFlowFile", properties: { totalCount: "5", customText: "y" } },
        { id: "good", type: "UpdateAttribute", properties: { fine: "yes" } },
      ],
      connections: [
        { id: "c1", source: "gen", relationships: ["success"], destination: "bad" },
        { id: "c2", source: "bad", relationships: ["success"], destination: "good" },
        { id: "c3", source: "gen2", relationships: ["success"], destination: "good" },
        { id: "c4", source: "good", relationships: ["success"], destination: "bad", prioritizers: [] },
      ],
    };
    const open = () => Engine.open(flow, { dataDir: dir, mode: "durable", silent: true, extraProcessors: [erase(BadValues)] });
    const engine = open();
    await engine.start();
    const queued = (e: Engine, id: string) => e.status().connections.find((c) => c.id === id)!.queued.count;
    const deadline = Date.now() + 10_000;
    while ((queued(engine, "c1") < 5 || queued(engine, "c4") + queued(engine, "c1") < 10) && Date.now() < deadline) await sleep(50);
    const st = engine.status();
    const message = how === "provenance" ? "provenance ROUTE: details must be a string, got number" : 'attribute "n" must be a string, got number';
    expect(st.bulletins.filter((b) => b.componentId === "bad").map((b) => b.message)).toContainEqual(expect.stringContaining(message));
    // Nothing passed the bad processor; gen2's FlowFiles went through "good" and were committed.
    expect(queued(engine, "c1")).toBe(5);
    expect(queued(engine, "c2")).toBe(0);
    expect(queued(engine, "c4")).toBe(5);
    await engine.shutdown();
    // Every commit was written whole: the same FlowFiles are back after a restart.
    const again = open();
    cleanup.push(() => again.shutdown());
    expect(queued(again, "c1")).toBe(5);
    expect(queued(again, "c4")).toBe(5);
  });
});
