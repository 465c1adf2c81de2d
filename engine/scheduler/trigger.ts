/**
 * The trigger decision: a pure function of what the scheduler can see about a processor.
 * Kept pure so every rule (run state, concurrency, schedule, input, back pressure) is pinned
 * by plain unit tests.
 */

export type RunState = "stopped" | "starting" | "running" | "stopping" | "disabled";

export interface TriggerView {
  readonly state: RunState;
  readonly activeTasks: number;
  readonly concurrentTasks: number;
  readonly now: number;
  /** Earliest time the next trigger may start (run schedule, CRON, yield). */
  readonly nextRunAt: number;
  /** "required" | "forbidden" | "allowed" */
  readonly input: "required" | "forbidden" | "allowed";
  readonly hasIncoming: boolean;
  /** Some incoming queue has a FlowFile that is not penalized. */
  readonly incomingAvailable: boolean;
  /** Some outgoing connection is at its back-pressure threshold. */
  readonly outgoingFull: boolean;
}

export type TriggerDecision =
  | { run: true }
  | { run: false; reason: "not-running" | "busy" | "not-due" | "no-input" | "back-pressure" };

export function decideTrigger(v: TriggerView): TriggerDecision {
  if (v.state !== "running") return { run: false, reason: "not-running" };
  if (v.activeTasks >= v.concurrentTasks) return { run: false, reason: "busy" };
  if (v.now < v.nextRunAt) return { run: false, reason: "not-due" };
  // NiFi: a processor with incoming connections runs only when one of them has data.
  if (v.hasIncoming && !v.incomingAvailable) return { run: false, reason: "no-input" };
  if (v.input === "required" && !v.hasIncoming) return { run: false, reason: "no-input" };
  if (v.outgoingFull) return { run: false, reason: "back-pressure" };
  return { run: true };
}
