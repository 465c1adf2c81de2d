/**
 * Errors raised by the Expression Language.
 *
 * Two kinds, on purpose: a syntax error is found once, when a property value is validated
 * or compiled, and should stop the flow from starting; an evaluation error happens per
 * FlowFile (a value that does not convert, a division by zero) and should route that one
 * FlowFile to failure.
 */

/**
 * The text is not a valid expression: it cannot be parsed, names an unknown function, passes
 * the wrong number of arguments, or passes a literal argument that can never work (a bad
 * regular expression, date pattern or time zone).
 *
 * `position` is a 0-based offset into the text that was compiled (nested expressions report
 * offsets into the whole text, not into the nested part). `message` names what was expected
 * and what was found, and ends with or contains "at position N".
 */
export class ElSyntaxError extends Error {
  override readonly name = "ElSyntaxError";
  /** 0-based character offset into the compiled text. */
  readonly position: number;

  constructor(message: string, position: number) {
    super(message);
    this.position = position;
  }
}

/**
 * A compiled expression failed for one set of attributes, e.g. `toNumber()` on "abc" or
 * `divide(0)`. `functionName` and `position` identify the call that failed (the position of
 * the function's name in the compiled text).
 */
export class ElEvaluationError extends Error {
  override readonly name = "ElEvaluationError";
  /** The Expression Language function that failed. */
  readonly functionName: string;
  /** 0-based offset of that function's name in the compiled text. */
  readonly position: number;

  constructor(message: string, functionName: string, position: number) {
    super(`${message} in '${functionName}' at position ${position}`);
    this.functionName = functionName;
    this.position = position;
  }
}
