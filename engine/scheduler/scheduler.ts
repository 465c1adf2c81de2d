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
  /**
   * Earliest time this node could run again without an outside event: its run schedule, CRON
   * time, yield or an incoming penalty expiry. Infinity while it waits for an event instead
   * (not running, busy, held back by back pressure, no input): whatever ends that wait must
   * call `Scheduler.wake()` (queues do on their transitions, tasks on finishing, start on
   * starting). Contract: whenever `decideTrigger(view(now))` says no, this returns a time after
   * `now` or Infinity, never a time at or before `now` (that would make the loop spin).
   */
  nextWakeAt(now: number): number;
}

export interface SchedulerHooks {
  /** Called after every round: flush repositories (group commit), run onCommitted, checkpoint. */
  afterRound(): void;
}

/**
 * Longest timer Node accepts (a larger delay fires after 1 ms). Sleeping "forever" uses it: the
 * pending timer also keeps the process alive while the scheduler runs (`sluice run` waits on
 * nothing else when every processor is blocked).
 */
const MAX_TIMER_MS = 2 ** 31 - 1;

/**
 * Event-driven loop: a round asks every node whether it may run and triggers those that may;
 * after a round that ran nothing it sleeps until the earliest node timer or a `wake()`. An idle
 * or fully blocked flow therefore costs no rounds at all.
 */
export class Scheduler {
  private running = false;
  private loopDone: Promise<void> | null = null;
  private wakeUp: (() => void) | null = null;
  /** A wake() arrived since the current round began; the round may have missed its cause. */
  private wakePending = false;
  private pendingTasks = new Set<Promise<void>>();
  /** Rounds since start; tests and idle detection read it. */
  rounds = 0;
  /** Timestamp of the last round that triggered something. */
  lastActivity = Date.now();

  constructor(
    private readonly nodes: () => readonly Schedulable[],
    private readonly hooks: SchedulerHooks,
  ) {}

  /** True between start() and stop(). */
  get isRunning(): boolean {
    return this.running;
  }

  /** Starts the loop; idempotent. The first round runs at once. */
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

  /**
   * Something changed that may let a node run (a queue transition, a task finished, work
   * arrived from outside, a processor started): run a round now. Cheap and idempotent, so
   * callers need not know whether the scheduler is sleeping.
   */
  wake(): void {
    this.wakePending = true;
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
      // Wakes before this point are covered by this round, which sees their effect.
      this.wakePending = false;
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
      if (ran > 0) this.lastActivity = now;
      // A round that ran something may have made work for others; a wake during the round (an
      // onCommitted callback, say) may have come after its node was looked at.
      if (ran > 0 || this.wakePending) {
        await yieldToEventLoop();
        continue;
      }
      let wakeAt = Infinity;
      for (const node of this.nodes()) {
        const t = node.nextWakeAt(now);
        if (t < wakeAt) wakeAt = t;
      }
      const delay = wakeAt - Date.now();
      if (delay <= 0) {
        await yieldToEventLoop();
        continue;
      }
      await new Promise<void>((resolve) => {
        const t = setTimeout(() => {
          this.wakeUp = null;
          resolve();
        }, Math.min(delay, MAX_TIMER_MS));
        this.wakeUp = () => {
          clearTimeout(t);
          resolve();
        };
      });
    }
  }
}
