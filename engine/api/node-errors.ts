/**
 * The node API's error catalogue. Every failure a caller can act on carries one of these codes;
 * callers switch on `code`, never on the message (the message is for people and may change).
 *
 * Errors cross transports (a worker thread today, Redis for worker nodes) as plain data
 * (`toWire`/`fromWire`), so the class identity survives only through the code.
 */

/** Stable error codes. Adding one is fine; renaming or removing one breaks clients. */
export const NODE_ERROR_CODES = [
  /** The flow snapshot does not validate (details.problems lists them with paths). */
  "invalid-flow",
  /** The flow has no deployment on this node. */
  "not-deployed",
  /** A processor, connection, FlowFile or provenance event with that id does not exist. */
  "not-found",
  /** A change would drop FlowFiles: a connection that still holds data cannot be removed. */
  "queue-not-empty",
  /** The component cannot do that in its current state (an invalid processor cannot start...). */
  "invalid-state",
  /** The request itself is malformed (a field is missing or of the wrong type). */
  "bad-request",
  /** Content referred to by provenance has aged out of the content archive. */
  "content-gone",
  /** The provenance event cannot be replayed (details say why). */
  "not-replayable",
  /** Another process holds the node's data dir. */
  "data-dir-locked",
  /** The node did not answer in time, or is gone. */
  "node-unavailable",
  /** Anything else: a bug or an I/O failure. The message says what. */
  "internal",
] as const;

export type NodeErrorCode = (typeof NODE_ERROR_CODES)[number];

/** Plain-data form of a NodeError, as it travels over a transport. */
export interface WireError {
  code: NodeErrorCode;
  message: string;
  details?: Record<string, unknown>;
}

/** An error the node API reports to its caller. */
export class NodeError extends Error {
  override name = "NodeError";
  constructor(
    readonly code: NodeErrorCode,
    message: string,
    /** Structured extras, e.g. `{ problems: FlowProblem[] }` for invalid-flow. Plain data only. */
    readonly details?: Record<string, unknown>,
  ) {
    super(message);
  }

  toWire(): WireError {
    return { code: this.code, message: this.message, ...(this.details ? { details: this.details } : {}) };
  }

  static fromWire(w: WireError): NodeError {
    return new NodeError((NODE_ERROR_CODES as readonly string[]).includes(w.code) ? w.code : "internal", w.message, w.details);
  }
}

/** True when `e` is a NodeError with `code` (works across module copies: checks the shape). */
export function isNodeError(e: unknown, code?: NodeErrorCode): e is NodeError {
  return e instanceof Error && (e as NodeError).name === "NodeError" && typeof (e as NodeError).code === "string" && (code === undefined || (e as NodeError).code === code);
}
