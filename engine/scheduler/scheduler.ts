/**
 * The scheduler loop. Node has one thread, so fairness comes from bounded work per trigger
 * (batch size) and from giving the event loop back after every round, never from a processor
 * looping forever.
 */
import { setImmediate as yieldToEventLoop } from "node:timers/promises";
import { decideTrigger, type TriggerView } from "./trigger";

/** Something the scheduler can trigger (a processor node). */
export interface Schedulable {
  view(now: number): TriggerView;
  /** Starts one task. Returns a promise only when the task is asynchronous. */
  trigger(now: number): void | Promise<void>;
  /** Earliest time this node could have work again without an outside event (penalties, timers). */
  nextWakeAt(now: number): number;
}

export interface SchedulerHooks {
  /** Called after every round: flush repositories (group commit), run onCommitted, checkpoint. */
  afterRound(): void;
}

/** Longest idle sleep; a `wake()` cuts it short. */
const MAX_IDLE_MS = 50;

export class Scheduler {
  private running = false;
  private loopDone: Promise<void> | null = null;
  private wakeUp: (() => void) | null = null;
  private pendingTasks = new Set<Promise<void>>();
  /** Rounds since start; tests and idle detection read it. */
  rounds = 0;
  /** Timestamp of the last round that triggered something. */
  lastActivity = Date.now();

  constructor(
    private readonly nodes: () => readonly Schedulable[],
    private readonly hooks: SchedulerHooks,
  ) {}

  get isRunning(): boolean {
    return this.running;
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    this.loopDone = this.loop();
  }

  /** Stops triggering and waits for in-flight tasks to finish. */
  async stop(): Promise<void> {
    this.running = false;
    this.wake();
    await this.loopDone;
    await Promise.allSettled([...this.pendingTasks]);
    this.hooks.afterRound();
  }

  /** Cuts an idle sleep short: work arrived from outside or a task finished. */
  wake(): void {
    const w = this.wakeUp;
    this.wakeUp = null;
    if (w) w();
  }

  /** Number of asynchronous tasks still running. */
  get inFlight(): number {
    return this.pendingTasks.size;
  }

  private async loop(): Promise<void> {
    while (this.running) {
      const now = Date.now();
      let ran = 0;
      for (const node of this.nodes()) {
        if (!decideTrigger(node.view(now)).run) continue;
        ran++;
        const p = node.trigger(now);
        if (p) {
          const tracked = p.finally(() => {
            this.pendingTasks.delete(tracked);
            this.wake();
          });
          this.pendingTasks.add(tracked);
        }
      }
      this.hooks.afterRound();
      this.rounds++;
      if (ran > 0) {
        this.lastActivity = now;
        await yieldToEventLoop();
        continue;
      }
      let wakeAt = now + MAX_IDLE_MS;
      for (const node of this.nodes()) wakeAt = Math.min(wakeAt, node.nextWakeAt(now));
      const delay = Math.max(0, wakeAt - Date.now());
      if (delay === 0) {
        await yieldToEventLoop();
        continue;
      }
      await new Promise<void>((resolve) => {
        const t = setTimeout(() => {
          this.wakeUp = null;
          resolve();
        }, delay);
        this.wakeUp = () => {
          clearTimeout(t);
          resolve();
        };
      });
    }
  }
}
