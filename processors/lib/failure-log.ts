/**
 * How a processor says it routed a FlowFile to a failure relationship, as NiFi's processors do:
 * `context.logger.error`, which logs and raises an error bulletin on the processor, so a failure
 * with an auto-terminated relationship no longer vanishes without a word.
 *
 * Rate-limited per processor: a processor failing every FlowFile of a 10,000-FlowFile batch
 * must not flood the log and push every other bulletin off the board. At most one error per
 * processor per FAILURE_LOG_INTERVAL_MS; the next one says how many were left out meanwhile.
 */
import type { FlowFile, ProcessorContext, ProcessorLogger, ProcessSession } from "../../engine/sdk";

/** At most one failure error per processor in this many milliseconds. */
export const FAILURE_LOG_INTERVAL_MS = 1000;

/**
 * Logs at most one message per `intervalMs` through `error`; messages in between are counted,
 * and the next one logged says how many. `clock` is injectable for tests.
 */
export class RateLimitedLog {
  private last = -Infinity;
  private skipped = 0;

  constructor(
    private readonly intervalMs = FAILURE_LOG_INTERVAL_MS,
    private readonly clock: () => number = Date.now,
  ) {}

  /** Logs `message` (with the count left out since the last one) unless one was logged within the interval. */
  log(error: (message: string, fields?: Record<string, unknown>) => void, message: string, fields?: Record<string, unknown>): boolean {
    const now = this.clock();
    if (now - this.last < this.intervalMs) {
      this.skipped++;
      return false;
    }
    const more = this.skipped;
    this.last = now;
    this.skipped = 0;
    error(more > 0 ? `${message} (and ${more} more failure${more === 1 ? "" : "s"} since the last report)` : message, fields);
    return true;
  }
}

/** One limiter per processor: contexts live as long as their processor node. */
const limiters = new WeakMap<ProcessorLogger, RateLimitedLog>();

/**
 * Logs that `flowFile` went to `relationship` (default "failure") and why: an error bulletin on
 * the processor, rate-limited per processor (see the module comment). The message names the
 * FlowFile by its filename and uuid; `reason` must hold no secret (it is shown to every viewer).
 */
export function logFailure(context: Pick<ProcessorContext, "logger">, flowFile: FlowFile, reason: string, relationship = "failure"): void {
  let limiter = limiters.get(context.logger);
  if (!limiter) {
    limiter = new RateLimitedLog();
    limiters.set(context.logger, limiter);
  }
  const name = flowFile.attributes.filename;
  const what = name && name !== flowFile.uuid ? `${JSON.stringify(name)} (${flowFile.uuid})` : flowFile.uuid;
  limiter.log((m, f) => context.logger.error(m, f), `routed ${what} to ${relationship}: ${reason}`, { uuid: flowFile.uuid, relationship });
}

/**
 * The usual failure route: sets `attribute` to `reason` (e.g. "putfile.error"), routes the
 * FlowFile to "failure" (penalized with `penalize`), and logs it with logFailure.
 */
export function routeToFailure(
  session: Pick<ProcessSession<"failure">, "putAttribute" | "penalize" | "transfer">,
  context: Pick<ProcessorContext, "logger">,
  flowFile: FlowFile,
  attribute: string,
  reason: string,
  opts: { penalize?: boolean } = {},
): void {
  let ff = session.putAttribute(flowFile, attribute, reason);
  if (opts.penalize) ff = session.penalize(ff);
  session.transfer(ff, "failure");
  logFailure(context, ff, reason);
}
