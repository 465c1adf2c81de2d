/**
 * Values inside the Expression Language and the conversions between them.
 *
 * Attributes are strings, but functions produce numbers, booleans and dates; a missing
 * attribute is `null`. Conversions are strict where a silent guess would hide a bad
 * FlowFile (a non-numeric string is not 0), and lenient where NiFi is (a missing value is
 * "empty", not an error).
 */
import { dateToText } from "./dates";
import { ElEvaluationError } from "./errors";

/** A value during evaluation: `null` means "no value" (a missing attribute). */
export type ElValue = string | number | boolean | Date | null;

/** FlowFile attributes, or the `extra` lookup (variables, parameters) consulted after them. */
export type ElAttributes = Readonly<Record<string, string>>;

/** One compiled piece of an expression. */
export type Evaluator = (attributes: ElAttributes, extra: ElAttributes | undefined) => ElValue;

/** Where a function call sits in the text, for error messages. */
export interface CallSite {
  readonly fn: string;
  readonly position: number;
}

/**
 * The text form of a value: null is "", integers have no ".0", booleans are "true"/"false",
 * dates use Java's Date.toString() layout in UTC ("Wed Jan 03 10:00:00 UTC 2024").
 */
export function toText(v: ElValue): string {
  if (typeof v === "string") return v;
  if (v === null) return "";
  if (typeof v === "number") return String(v);
  if (typeof v === "boolean") return v ? "true" : "false";
  return dateToText(v);
}

/**
 * The condition rule (RouteOnAttribute and the boolean functions): true iff the value is the
 * boolean true or the string "true" in any case (Java's Boolean.parseBoolean).
 */
export function isTruthy(v: ElValue): boolean {
  if (v === true) return true;
  return typeof v === "string" && v.length === 4 && v.toLowerCase() === "true";
}

/** Short, quoted rendering of a value for error messages. */
export function show(v: ElValue): string {
  if (v === null) return "null";
  const s = toText(v);
  return `'${s.length > 60 ? s.slice(0, 57) + "..." : s}'`;
}

const NUMERIC = /^[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?$/;

/**
 * A value as a number: numbers as they are, dates as epoch millis, numeric strings
 * (decimal, optional sign and exponent; surrounding whitespace ignored) parsed; null and
 * blank strings are null. Anything else throws ElEvaluationError at `site`.
 */
export function toNumberOrNull(v: ElValue, site: CallSite): number | null {
  if (typeof v === "number") return v;
  if (typeof v === "string") {
    if (NUMERIC.test(v)) return Number(v);
    const t = v.trim();
    if (t === "") return null;
    if (NUMERIC.test(t)) return Number(t);
    throw new ElEvaluationError(`Cannot convert ${show(v)} to a number`, site.fn, site.position);
  }
  if (v === null) return null;
  if (v instanceof Date) return v.getTime();
  throw new ElEvaluationError(`Cannot convert ${show(v)} to a number`, site.fn, site.position);
}

/** Like toNumberOrNull, but a missing value is an error too (for numeric arguments). */
export function toNumberArg(v: ElValue, site: CallSite, what: string): number {
  const n = toNumberOrNull(v, site);
  if (n === null) throw new ElEvaluationError(`${what} is empty, expected a number`, site.fn, site.position);
  return n;
}
