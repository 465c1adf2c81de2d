import { describe, expect, it } from "vitest";
import { decideTrigger, type TriggerView } from "../../../engine/scheduler/trigger";

const base: TriggerView = {
  state: "running",
  activeTasks: 0,
  concurrentTasks: 1,
  now: 1000,
  nextRunAt: 0,
  input: "required",
  hasIncoming: true,
  incomingAvailable: true,
  outgoingFull: false,
};

describe("decideTrigger", () => {
  it("runs a running processor with input and room downstream", () => {
    expect(decideTrigger(base)).toEqual({ run: true });
  });
  it("does not run unless running", () => {
    for (const state of ["stopped", "disabled", "starting", "stopping"] as const) {
      expect(decideTrigger({ ...base, state })).toEqual({ run: false, reason: "not-running" });
    }
  });
  it("respects concurrent tasks", () => {
    expect(decideTrigger({ ...base, activeTasks: 1 })).toEqual({ run: false, reason: "busy" });
    expect(decideTrigger({ ...base, activeTasks: 1, concurrentTasks: 2 })).toEqual({ run: true });
  });
  it("waits for the run schedule, CRON time or yield", () => {
    expect(decideTrigger({ ...base, nextRunAt: 1001 })).toEqual({ run: false, reason: "not-due" });
    expect(decideTrigger({ ...base, nextRunAt: 1000 })).toEqual({ run: true });
  });
  it("does not run without input when it has incoming connections", () => {
    expect(decideTrigger({ ...base, incomingAvailable: false })).toEqual({ run: false, reason: "no-input" });
    expect(decideTrigger({ ...base, input: "allowed", incomingAvailable: false })).toEqual({ run: false, reason: "no-input" });
  });
  it("runs a source with no input", () => {
    expect(decideTrigger({ ...base, input: "forbidden", hasIncoming: false, incomingAvailable: false })).toEqual({ run: true });
  });
  it("stops the upstream while any destination is full", () => {
    expect(decideTrigger({ ...base, outgoingFull: true })).toEqual({ run: false, reason: "back-pressure" });
    expect(decideTrigger({ ...base, input: "forbidden", hasIncoming: false, outgoingFull: true })).toEqual({ run: false, reason: "back-pressure" });
  });
});
