// The flow summary's rows (app/components/summary/rows.ts): figures per processor, connection
// and group from a flow document and a status; sorting and filtering.
import { describe, expect, it } from "vitest";
import { filterRows, sortRows, summaryRows } from "../../../app/components/summary/rows";
import type { FlowDocument, FlowStatus } from "../../../app/lib/engine-client";

const doc = {
  sluice: 1,
  id: "f",
  name: "F",
  groups: [
    { id: "outer", name: "Outer" },
    { id: "inner", name: "Inner", parent: "outer" },
  ],
  processors: [
    { id: "src", name: "Source", type: "GenerateFlowFile", state: "running" },
    { id: "mid", name: "Middle", type: "UpdateAttribute", group: "inner", state: "running" },
    { id: "end", name: "End", type: "LogAttribute", group: "outer", state: "stopped" },
    { id: "off", type: "LogAttribute", state: "disabled" },
  ],
  connections: [
    { id: "c1", source: "src", destination: "mid", relationships: ["success"] },
    { id: "c2", name: "mid to end", source: "mid", destination: "end", relationships: ["success"] },
  ],
  services: [],
} as unknown as FlowDocument;

const counts = (n: number) => ({ in: n, inBytes: 10 * n, out: n, outBytes: 10 * n });
const status = {
  processors: [
    { id: "src", name: "Source", type: "GenerateFlowFile", state: "running", problems: [], activeTasks: 0, stats: { ...counts(0), out: 9, outBytes: 90, read: 0, written: 0, tasks: 3, taskMs: 1 } },
    { id: "mid", name: "Middle", type: "UpdateAttribute", state: "running", problems: [], activeTasks: 1, stats: { ...counts(6), read: 0, written: 0, tasks: 2, taskMs: 1 } },
    { id: "end", name: "End", type: "LogAttribute", state: "stopped", problems: [], activeTasks: 0, stats: { ...counts(0), read: 0, written: 0, tasks: 0, taskMs: 0 } },
  ],
  connections: [
    { id: "c1", name: "", source: "src", destination: "mid", relationships: ["success"], queued: { count: 3, bytes: 30 }, objectThreshold: 3, bytesThreshold: 1e9, fill: 1, swapFiles: 0, stats: { in: 9, inBytes: 90, out: 6, outBytes: 60 } },
    { id: "c2", name: "mid to end", source: "mid", destination: "end", relationships: ["success"], queued: { count: 6, bytes: 60 }, objectThreshold: 100, bytesThreshold: 1e9, fill: 0.06, swapFiles: 0, stats: { in: 6, inBytes: 60, out: 0, outBytes: 0 } },
  ],
  bulletins: [
    { id: 1, timestamp: 1, level: "error", componentId: "mid", componentName: "Middle", message: "x" },
    { id: 2, timestamp: 2, level: "error", componentId: "mid", componentName: "Middle", message: "y" },
  ],
} as unknown as FlowStatus;

describe("summary rows", () => {
  const rows = summaryRows(doc, status);
  const row = (id: string) => rows.find((r) => r.id === id)!;

  it("gives processors their counters, incoming queue and bulletins", () => {
    expect(row("mid")).toMatchObject({ kind: "processor", group: "Inner", state: "running", in: 6, out: 6, queued: 3, queuedBytes: 30, tasks: 2, bulletins: 2 });
    expect(row("end")).toMatchObject({ group: "Outer", queued: 6, tasks: 0 });
    // Not in the status (not deployed there): its document state.
    expect(row("off")).toMatchObject({ name: "LogAttribute", state: "disabled", in: 0, queued: 0 });
  });

  it("gives connections their queue, counters and back pressure, named by their ends when unnamed", () => {
    expect(row("c1")).toMatchObject({ kind: "connection", name: "Source → Middle (success)", group: "", state: "back pressure", in: 9, out: 6, queued: 3, tasks: null });
    expect(row("c2")).toMatchObject({ name: "mid to end", group: "", state: "", queued: 6 });
  });

  it("gives groups what crosses their border, what is queued inside, and their processors' states", () => {
    // Outer holds mid (through Inner) and end: c1 comes in, c2 is inside.
    expect(row("outer")).toMatchObject({ kind: "group", state: "1 running, 1 stopped", in: 6, inBytes: 60, out: 0, queued: 6, tasks: 2, bulletins: 2 });
    // Inner holds mid only: c1 in, c2 out.
    expect(row("inner")).toMatchObject({ group: "Outer", state: "1 running", in: 6, out: 6, queued: 0 });
  });

  it("without a status every figure is 0", () => {
    for (const r of summaryRows(doc, null)) expect([r.in, r.out, r.queued, r.bulletins]).toEqual([0, 0, 0, 0]);
  });

  it("sorts numbers biggest first with ties by name, and filters by text and kind", () => {
    expect(sortRows(rows, "queued", true).map((r) => r.id).slice(0, 4)).toEqual(["end", "c2", "outer", "mid"]);
    expect(sortRows(rows, "name", false).map((r) => r.name)[0]).toBe("End");
    expect(filterRows(rows, "inner", new Set(["processor", "connection", "group"])).map((r) => r.id).sort()).toEqual(["inner", "mid"]);
    expect(filterRows(rows, "", new Set(["connection"])).map((r) => r.id)).toEqual(["c1", "c2"]);
  });
});
