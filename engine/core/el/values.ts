/**
 * Values inside the Expression Language and the conversions between them, with NiFi's number
 * model: whole numbers (Java `long`, exact to 64 bits) and decimals (Java `double`).
 *
 * Representation, chosen so the common cases allocate nothing:
 * - a whole number is a JavaScript `number` holding a safe integer, or a `bigint` when it is
 *   outside ±2^53 (always within the signed 64-bit range; arithmetic wraps as Java's does);
 * - a decimal is a `number` that is not an integer (2.5), or an `ElDecimal` box when its value
 *   is integral or not finite (16.0, Infinity, NaN), so it stays a decimal and prints as Java
 *   prints it; only those decimals allocate;
 * - a missing attribute is `null`; attributes are strings; dates are `Date`; instants (with
 *   nanoseconds) are `ElInstant`.
 * Conversions follow NiFi's cast evaluators: a string that is not a number is "no value" (null),
 * not an error; a decimal made whole is truncated toward zero.
 */
import { dateToText } from "./dates";
import { ElEvaluationError } from "./errors";

/** A NiFi decimal (Java double). Immutable. */
export class ElDecimal {
  constructor(readonly value: number) {}
}

/** A NiFi instant: epoch milliseconds plus nanoseconds within that millisecond (0..999999). */
export class ElInstant {
  constructor(
    readonly epochMs: number,
    readonly nanoOfMs: number = 0,
  ) {}
}

/** A whole number: a safe integer, or a bigint outside ±2^53 (within 64 bits). */
export type ElWhole = number | bigint;

/** A number: whole, or decimal (a non-integer `number` or an ElDecimal). */
export type ElNumber = ElWhole | ElDecimal;

/** A double as a decimal value: a plain number when it is not integral, else boxed so it stays a decimal. */
export function decimalOf(d: number): number | ElDecimal {
  return Number.isInteger(d) || !Number.isFinite(d) ? new ElDecimal(d) : d;
}

/** True for a decimal: an ElDecimal or a non-integer number. */
export function isDecimal(n: ElNumber): boolean {
  return typeof n === "number" ? !Number.isInteger(n) : n instanceof ElDecimal;
}

/** A value during evaluation: `null` means "no value" (a missing attribute). */
export type ElValue = string | number | bigint | boolean | Date | ElDecimal | ElInstant | null;

/** FlowFile attributes, or the `extra` lookup (variables, parameters) consulted after them. */
export type ElAttributes = Readonly<Record<string, string>>;

/** One compiled piece of an expression. */
export type Evaluator = (attributes: ElAttributes, extra: ElAttributes | undefined) => ElValue;

/** Where a function call sits in the text, for error messages. */
export interface CallSite {
  readonly fn: string;
  readonly position: number;
}

const MIN_LONG = -(2n ** 63n);
const MAX_LONG = 2n ** 63n - 1n;
const TWO_63 = 2 ** 63;

/** A bigint as a whole value: wrapped to 64 bits as Java's long arithmetic does, a number when safe. */
export function wholeOf(b: bigint): ElWhole {
  const w = BigInt.asIntN(64, b);
  return w >= -9007199254740991n && w <= 9007199254740991n ? Number(w) : w;
}

/** Java's Double.toString: `16.0`, `0.001`, `1.0E7`, `1.234E-5`, `NaN`, `Infinity`. */
export function javaDouble(d: number): string {
  if (d !== d) return "NaN";
  if (d === Infinity) return "Infinity";
  if (d === -Infinity) return "-Infinity";
  if (d === 0) return Object.is(d, -0) ? "-0.0" : "0.0";
  const abs = d < 0 ? -d : d;
  if (abs >= 1e-3 && abs < 1e7) {
    const s = String(d);
    return s.includes(".") ? s : s + ".0";
  }
  const e = d.toExponential();
  const at = e.indexOf("e");
  let mantissa = e.slice(0, at);
  if (!mantissa.includes(".")) mantissa += ".0";
  const exp = e.slice(at + 1);
  return mantissa + "E" + (exp[0] === "+" ? exp.slice(1) : exp);
}

/** Java's Instant.toString (ISO-8601 in UTC, fraction in groups of three digits). */
function instantText(i: ElInstant): string {
  const iso = new Date(i.epochMs).toISOString();
  const ms = iso.slice(20, 23);
  const base = iso.slice(0, 19);
  if (i.nanoOfMs === 0) return ms === "000" ? base + "Z" : base + "." + ms + "Z";
  const nanos = ms + String(i.nanoOfMs).padStart(6, "0");
  return base + "." + (nanos.endsWith("000") ? nanos.slice(0, 6) : nanos) + "Z";
}

/**
 * The text form of a value: null is "", whole numbers without ".0", decimals as Java prints
 * doubles (`16.0`), booleans "true"/"false", dates as Java's Date.toString() in UTC
 * ("Wed Jan 03 10:00:00 UTC 2024"), instants as ISO-8601.
 */
export function toText(v: ElValue): string {
  if (typeof v === "string") return v;
  if (v === null) return "";
  if (typeof v === "number") return Number.isInteger(v) ? String(v) : javaDouble(v);
  if (typeof v === "boolean") return v ? "true" : "false";
  if (typeof v === "bigint") return v.toString();
  if (v instanceof ElDecimal) return javaDouble(v.value);
  if (v instanceof ElInstant) return instantText(v);
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

/** NiFi's NumberParsing: whole is `[+-]digits` or `[+-]0x hex`; decimal is Java's floating-point literal. */
const WHOLE_TEXT = /^[-+]?(?:\d+|0[xX][0-9a-fA-F]+)$/;
const DECIMAL_TEXT =
  /^[-+]?(?:Infinity|NaN|\d+\.\d+|\d+(?:\.\d+)?[eE][-+]?\d+|\.\d+(?:[eE][-+]?\d+)?|0[xX][0-9a-fA-F]+\.?[pP][-+]?\d+|0[xX][0-9a-fA-F]+(?:\.[0-9a-fA-F]+)?[pP][-+]?\d+|0[xX]\.[0-9a-fA-F]+(?:[pP][-+]?\d+)?)$/;

/** Java's Double.valueOf for text DECIMAL_TEXT accepted (decimal and hexadecimal floating point). */
function parseJavaDouble(s: string): number {
  const hex = /^([-+]?)0[xX]([0-9a-fA-F]*)(?:\.([0-9a-fA-F]*))?(?:[pP]([-+]?\d+))?$/.exec(s);
  if (hex === null) return Number(s);
  const digits = hex[2] + (hex[3] ?? "");
  let m = 0;
  for (const c of digits) m = m * 16 + parseInt(c, 16);
  const v = m * Math.pow(2, Number(hex[4] ?? "0") - 4 * (hex[3] ?? "").length);
  return hex[1] === "-" ? -v : v;
}

function parseJavaLong(s: string, site: CallSite): ElWhole {
  let neg = false;
  let body = s;
  if (body[0] === "+" || body[0] === "-") {
    neg = body[0] === "-";
    body = body.slice(1);
  }
  const isHex = body.length > 1 && (body[1] === "x" || body[1] === "X");
  if (!isHex && body.length <= 15) return neg ? -Number(body) : Number(body);
  let b = BigInt(isHex ? "0x" + body.slice(2) : body);
  if (neg) b = -b;
  if (b < MIN_LONG || b > MAX_LONG) throw new ElEvaluationError(`Number '${s}' does not fit in 64 bits`, site.fn, site.position);
  return wholeOf(b);
}

/** Java's (long) cast of a double: truncates toward zero, saturates, NaN is 0. */
export function longOfDouble(d: number): ElWhole {
  if (d !== d) return 0;
  const t = Math.trunc(d);
  if (Number.isSafeInteger(t)) return t === 0 ? 0 : t;
  // 2^63 as a double: Java saturates from there.
  if (t >= TWO_63) return MAX_LONG;
  if (t <= -TWO_63) return MIN_LONG;
  return BigInt(t);
}

/** A whole number as a double (Java's long → double). */
export function doubleOf(n: ElNumber): number {
  if (typeof n === "number") return n;
  if (typeof n === "bigint") return Number(n);
  return n.value;
}

/** 10^0 .. 10^15, each exact as a double. */
const POW10 = [1, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15];

/**
 * The value of plain number text, `[+-]digits[.digits]` with at most 15 digits in all, read in
 * one pass; NaN for any other text (the general path decides) and for an integral decimal such
 * as `16.0`, which needs a box. Most numeric attributes look like this. Why no `Number(s)`: it
 * is a call into V8's runtime, and was most of the cost of `${amount:toNumber():gt(50)}`.
 * Exactness: the digits form an integer M < 10^15 and 10^k is exact, so M / 10^k is one
 * correctly rounded division, the same double Java's Double.valueOf gives. Truncated
 * (`wholeOnly`), the integer part is the answer: with at most 15 digits the nearest double
 * is never rounded up to the next whole number (it is within 10^15 * 2^-53 * 10^-k < 10^-k).
 */
function plainNumber(s: string, wholeOnly: boolean): number {
  const n = s.length;
  let i = 0;
  const c = s.charCodeAt(0);
  const neg = c === 45;
  if (neg || c === 43) i = 1;
  const start = i;
  let m = 0;
  for (; i < n; i++) {
    const d = s.charCodeAt(i) - 48;
    if (d < 0 || d > 9) break;
    m = m * 10 + d;
  }
  const intDigits = i - start;
  if (intDigits === 0 || intDigits > 15) return NaN;
  // 0 - m: a whole "-0" is Java's long 0, not JavaScript's -0.
  if (i === n) return neg ? 0 - m : m;
  if (s.charCodeAt(i) !== 46) return NaN;
  const dot = ++i;
  let f = m;
  for (; i < n; i++) {
    const d = s.charCodeAt(i) - 48;
    if (d < 0 || d > 9) break;
    f = f * 10 + d;
  }
  const fracDigits = i - dot;
  if (i !== n || fracDigits === 0 || intDigits + fracDigits > 15) return NaN;
  if (wholeOnly) return neg ? 0 - m : m;
  const scale = POW10[fracDigits];
  if (f === m * scale) return NaN;
  const d = f / scale;
  return neg ? -d : d;
}

/**
 * NiFi's number cast of text (trimmed): whole text gives a whole number, decimal text a
 * decimal, anything else null. `wholeOnly` truncates a decimal (toNumber, whole arguments).
 */
export function parseNumberText(text: string, site: CallSite, wholeOnly: boolean): ElNumber | null {
  const plain = plainNumber(text, wholeOnly);
  return plain === plain ? plain : parseOtherNumberText(text, site, wholeOnly);
}

/** parseNumberText for text that is not plain: surrounding whitespace, hex, exponents, long digit runs. */
function parseOtherNumberText(text: string, site: CallSite, wholeOnly: boolean): ElNumber | null {
  const s = text.trim();
  if (s !== text) {
    const trimmed = plainNumber(s, wholeOnly);
    if (trimmed === trimmed) return trimmed;
  }
  if (WHOLE_TEXT.test(s)) return parseJavaLong(s, site);
  if (DECIMAL_TEXT.test(s)) {
    const d = parseJavaDouble(s);
    return wholeOnly ? longOfDouble(d) : decimalOf(d);
  }
  return null;
}

function notConvertible(v: ElValue, site: CallSite, to: string): ElEvaluationError {
  return new ElEvaluationError(`Cannot convert ${show(v)} to ${to}`, site.fn, site.position);
}

/** NiFi's NumberCastEvaluator: whole or decimal as the value is; dates give epoch millis; non-numeric text is null. */
export function toNumberValue(v: ElValue, site: CallSite): ElNumber | null {
  if (typeof v === "number") return v;
  if (typeof v === "string") return parseNumberText(v, site, false);
  if (v === null) return null;
  if (v instanceof ElDecimal || typeof v === "bigint") return v;
  if (v instanceof Date) return v.getTime();
  if (v instanceof ElInstant) return v.epochMs;
  throw notConvertible(v, site, "a number");
}

/** NiFi's WholeNumberCastEvaluator: like toNumberValue, but decimals are truncated to whole numbers. */
export function toWholeValue(v: ElValue, site: CallSite): ElWhole | null {
  if (typeof v === "number") return Number.isInteger(v) ? v : longOfDouble(v);
  if (typeof v === "string") {
    // The common case first, one call deep: it is what runs until the JIT has inlined this.
    const plain = plainNumber(v, true);
    return plain === plain ? plain : (parseOtherNumberText(v, site, true) as ElWhole | null);
  }
  if (v === null) return null;
  if (typeof v === "bigint") return v;
  if (v instanceof ElDecimal) return longOfDouble(v.value);
  if (v instanceof Date) return v.getTime();
  if (v instanceof ElInstant) return v.epochMs;
  throw notConvertible(v, site, "a whole number");
}

/** NiFi's DecimalCastEvaluator: the value as a double, or null. */
export function toDecimalValue(v: ElValue, site: CallSite): number | null {
  if (v instanceof ElDecimal) return v.value;
  const n = toNumberValue(v, site);
  return n === null ? null : doubleOf(n);
}

/** A whole value as a JavaScript integer for an index or a count (Java's intValue of a long, clamped). */
export function intOf(n: ElWhole): number {
  if (typeof n === "number") return n;
  return n > 0n ? Number.MAX_SAFE_INTEGER : Number.MIN_SAFE_INTEGER;
}

/** Like toWholeValue, but a missing value is an error too (for required numeric arguments). */
export function toWholeArg(v: ElValue, site: CallSite, what: string): ElWhole {
  const n = toWholeValue(v, site);
  if (n === null) throw new ElEvaluationError(`${what} is ${v === null ? "empty" : show(v)}, expected a whole number`, site.fn, site.position);
  return n;
}
