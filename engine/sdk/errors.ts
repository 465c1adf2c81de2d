/** Errors of the processor SDK. */

/** A FlowFile taken or created in a session was neither transferred nor removed at commit. */
export class FlowFileAccountingError extends Error {
  override name = "FlowFileAccountingError";
}

/** A session method got a FlowFile it does not own, or an outdated version of one. */
export class FlowFileHandlingError extends Error {
  override name = "FlowFileHandlingError";
}

/**
 * Thrown by a processor that cannot work right now (remote down, misconfiguration found at run
 * time). The framework rolls the session back, penalizes the inputs, raises a bulletin and
 * yields the processor.
 */
export class ProcessException extends Error {
  override name = "ProcessException";
}
