/**
 * Sluice Expression Language: NiFi-style `${...}` expressions in property values.
 *
 * Compile once when a flow is validated or scheduled, evaluate per FlowFile:
 *
 * ```ts
 * const expr = compile("${filename:substringBefore('.'):toUpper()}.json");
 * expr.evaluate({ filename: "orders.csv" }); // "ORDERS.json"
 * ```
 *
 * The function reference is docs/expression-language.md, generated from FUNCTIONS by
 * scripts/gen-docs.ts (renderElReference); EL_COMPLETIONS feeds a property editor's autocompletion.
 */
import { compileText, type CompiledExpression } from "./compiler";
import { ElSyntaxError } from "./errors";

export type { CompiledExpression } from "./compiler";
export { ElEvaluationError, ElSyntaxError } from "./errors";
export { ElDecimal, ElInstant, isTruthy, toText, type ElAttributes, type ElValue } from "./values";
export {
  EL_COMPLETIONS,
  FUNCTIONS,
  MAX_RESULT_LENGTH,
  NOT_SUPPORTED,
  signature,
  type Category,
  type ElCompletion,
  type FunctionSpec,
  type ParamSpec,
} from "./functions";
export { renderElReference } from "./reference";

/**
 * Parses and compiles property text: literal text with embedded `${...}` expressions
 * (`$${` is a literal `${`). The result is immutable and safe to share and reuse.
 *
 * @throws ElSyntaxError for text that cannot be parsed, unknown functions, wrong argument
 * counts, a function used with/without a subject against its definition, and literal
 * arguments that can never work (bad regex, date pattern, time zone, non-number where a
 * number is required). `position` is the 0-based offset of the problem in `text`.
 */
export function compile(text: string): CompiledExpression {
  return compileText(text);
}

/**
 * Validation-time check with the same rules as `compile`, without throwing.
 * Returns the error's message and 0-based position when the text is invalid.
 */
export function validate(text: string): { ok: true } | { ok: false; message: string; position: number } {
  try {
    compileText(text);
    return { ok: true };
  } catch (e) {
    if (e instanceof ElSyntaxError) return { ok: false, message: e.message, position: e.position };
    throw e;
  }
}

/**
 * Quick check: does the text contain `${` at all (an expression or an escaped `$${`)?
 * When false, the text evaluates to itself and callers can skip compiling it.
 */
export function hasExpression(text: string): boolean {
  return text.includes("${");
}
