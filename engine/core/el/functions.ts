/**
 * The function table: NiFi 2.x's Expression Language functions with NiFi's semantics (names,
 * arguments, whole versus decimal results, null and empty handling; see values.ts for the
 * number model). Each entry declares its shape (subject, parameters, result) for compile-time
 * checks, the generated reference (docs/expression-language.md) and the designer's
 * autocompletion, and a `build` that turns compiled subject and arguments into one closure.
 *
 * Builders do per-expression work once: a literal regex, date pattern, time zone or number
 * argument is converted when the expression is compiled, not per FlowFile, and a literal
 * that can never work is a syntax error pointing at that argument.
 *
 * Bounds: every function's work is linear in the size of its inputs (regular expressions run
 * in linear time, see regex.ts), and a function whose result can be longer than its inputs
 * (`padLeft`, `repeat`, `replaceAll`, `join`, the escapes, ...) fails with an evaluation error
 * before building a result longer than MAX_RESULT_LENGTH. So no function can run away in
 * time or memory; a FlowFile that would make one do so goes to failure like a bad argument.
 */
import { createHash, getHashes, randomUUID } from "node:crypto";
import os from "node:os";
import { compileDatePattern, DateError, formatDate, parseDate, resolveZone, UTC, type DatePattern, type Zone } from "./dates";
import { ElEvaluationError, ElSyntaxError } from "./errors";
import { escapeCsv, escapeHtml3, escapeHtml4, escapeJson, escapeXml, unescapeCsv, unescapeHtml3, unescapeHtml4, unescapeJson, unescapeXml } from "./escapes";
import { arithmetic, callMath, compareNumbers, DOUBLE_OPS, fromRadix, NumberError, toRadix, type Op } from "./numbers";
import { compileJavaRegex, compileJavaReplacement, RegexError, type RegexMode, type SafeRegex } from "./regex";
import {
  decimalOf,
  ElDecimal,
  ElInstant,
  intOf,
  isTruthy,
  show,
  toDecimalValue,
  toNumberValue,
  toText,
  toWholeArg,
  toWholeValue,
  type CallSite,
  type ElAttributes,
  type ElNumber,
  type ElValue,
  type ElWhole,
  type Evaluator,
} from "./values";

/** A compiled argument: its closure, and its value when it is known at compile time. */
export interface CompiledArg {
  readonly fn: Evaluator;
  readonly constant: boolean;
  /** The value when `constant`; null otherwise. */
  readonly value: ElValue;
  readonly position: number;
}

/** "number" parameters reject string and boolean literals at compile time. */
export interface ParamSpec {
  readonly name: string;
  readonly kind: "any" | "number";
  readonly optional?: boolean;
}

/** The documentation groups, in the order the reference lists them. */
export type Category = "Subjectless" | "Multiple attributes" | "Strings" | "Searching" | "Encoding" | "Null and empty" | "Boolean logic" | "Numbers" | "Dates and instants" | "Lists";

/** One Expression Language function. */
export interface FunctionSpec {
  readonly name: string;
  /** "required": `${x:fn()}` only; "none": `${fn()}` only. */
  readonly subject: "required" | "none";
  /** With subject "required": may also stand alone (`${math('random')}`). */
  readonly subjectOptional?: boolean;
  readonly params: readonly ParamSpec[];
  /** The last parameter repeats (e.g. `in('a', 'b', ...)`). */
  readonly variadic?: boolean;
  /** Same inputs, same output, no side effects: may be folded at compile time. */
  readonly pure: boolean;
  /** Returned type, for docs: string, boolean, whole number, decimal, number (whole or decimal), date, instant, any. */
  readonly returns: string;
  readonly category: Category;
  /** What it does, NiFi's null and empty handling included. */
  readonly summary: string;
  /** An example expression and its result, for the reference. */
  readonly example?: readonly [expression: string, result: string];
  /** The result can be longer than the inputs: checked against MAX_RESULT_LENGTH. */
  readonly grows?: boolean;
  /** A reducing function (`join`, `count`) over a multi-attribute subject. */
  readonly reduce?: "join" | "count";
  /** `subjectless` is true when called without a subject (only for subjectOptional functions). */
  build(site: CallSite, subject: Evaluator, args: readonly CompiledArg[], subjectless: boolean): Evaluator;
}

type Build = FunctionSpec["build"];

/** Longest text any one function may produce, in UTF-16 code units (10 M). */
export const MAX_RESULT_LENGTH = 10_000_000;

const p = (name: string, kind: ParamSpec["kind"] = "any", optional = false): ParamSpec => ({ name, kind, optional });

export function tooLong(site: CallSite, length: number): ElEvaluationError {
  return new ElEvaluationError(`Result would be ${length} characters, more than the limit of ${MAX_RESULT_LENGTH}`, site.fn, site.position);
}

/** Wraps a growing function's closure with the output-length bound. */
export function boundedBy(spec: FunctionSpec, site: CallSite, fn: Evaluator): Evaluator {
  if (spec.grows !== true) return fn;
  return (a, x) => {
    const v = fn(a, x);
    if (typeof v === "string" && v.length > MAX_RESULT_LENGTH) throw tooLong(site, v.length);
    return v;
  };
}

function evalError(site: CallSite, message: string): ElEvaluationError {
  return new ElEvaluationError(message, site.fn, site.position);
}

/**
 * The converted value of a constant argument, or undefined when the argument is not constant
 * or its conversion fails. A literal that cannot convert (`gt(${literal('x')})`) then fails per
 * evaluation, like the same value from an attribute would: validation rejects only what it
 * can see in the syntax.
 */
function constantOf<T>(arg: CompiledArg, convert: (v: ElValue) => T): { readonly value: T } | undefined {
  if (!arg.constant) return undefined;
  try {
    return { value: convert(arg.value) };
  } catch (e) {
    if (e instanceof ElEvaluationError) return undefined;
    throw e;
  }
}

/** A getter for an argument: constant arguments are converted once. */
function getter<T>(arg: CompiledArg, convert: (v: ElValue) => T): (a: ElAttributes, x: ElAttributes | undefined) => T {
  const constant = constantOf(arg, convert);
  if (constant !== undefined) {
    const value = constant.value;
    return () => value;
  }
  const fn = arg.fn;
  return (a, x) => convert(fn(a, x));
}

/** A getter that converts per evaluation but caches by input, for compiled resources (regexes, patterns). */
function cachedGetter<T>(arg: CompiledArg, make: (text: string) => T, onCompileError: (e: unknown) => never, onRuntimeError: (e: unknown) => never): (a: ElAttributes, x: ElAttributes | undefined) => T {
  if (arg.constant) {
    let value: T;
    try {
      value = make(toText(arg.value));
    } catch (e) {
      return onCompileError(e);
    }
    return () => value;
  }
  const cache = new Map<string, T>();
  const fn = arg.fn;
  return (a, x) => {
    const text = toText(fn(a, x));
    let value = cache.get(text);
    if (value === undefined) {
      try {
        value = make(text);
      } catch (e) {
        return onRuntimeError(e);
      }
      // Dynamic patterns usually come from a handful of attribute values; the bound keeps a
      // pattern built from unbounded data from growing memory.
      if (cache.size >= 64) cache.clear();
      cache.set(text, value);
    }
    return value;
  };
}

function message(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

function regexGetter(site: CallSite, arg: CompiledArg, mode: RegexMode): (a: ElAttributes, x: ElAttributes | undefined) => SafeRegex {
  return cachedGetter(
    arg,
    (text) => compileJavaRegex(text, mode),
    (e) => {
      throw new ElSyntaxError(`Invalid regular expression ${show(arg.value)} for '${site.fn}': ${message(e)} at position ${arg.position}`, arg.position);
    },
    (e) => {
      throw evalError(site, `Invalid regular expression: ${e instanceof RegexError ? e.message : message(e)}`);
    },
  );
}

function patternGetter(site: CallSite, arg: CompiledArg): (a: ElAttributes, x: ElAttributes | undefined) => DatePattern {
  return cachedGetter(
    arg,
    compileDatePattern,
    (e) => {
      throw new ElSyntaxError(`${message(e)} for '${site.fn}' at position ${arg.position}`, arg.position);
    },
    (e) => {
      throw evalError(site, message(e));
    },
  );
}

function zoneGetter(site: CallSite, arg: CompiledArg | undefined): (a: ElAttributes, x: ElAttributes | undefined) => Zone {
  if (arg === undefined) return () => UTC;
  const make = (text: string): Zone => {
    const zone = resolveZone(text);
    if (zone === undefined) throw new DateError(`Unknown time zone '${text}'`);
    return zone;
  };
  return cachedGetter(
    arg,
    make,
    (e) => {
      throw new ElSyntaxError(`${message(e)} for '${site.fn}' at position ${arg.position}`, arg.position);
    },
    (e) => {
      throw evalError(site, message(e));
    },
  );
}

function str(v: ElValue): string {
  return typeof v === "string" ? v : toText(v);
}

/** Subject → value, null stays null. */
function stringFn(f: (s: string) => ElValue, onNull: ElValue = null): Build {
  return (_site, subject) => (a, x) => {
    const v = subject(a, x);
    return v === null ? onNull : f(typeof v === "string" ? v : toText(v));
  };
}

/** Subject and one string argument; a null subject gives `onNull`, a null argument counts as `nullArg`. */
function stringArgFn(onNull: ElValue, f: (s: string, arg: string | null) => ElValue): Build {
  return (_site, subject, args) => {
    const arg = getter(args[0], (v) => (v === null ? null : str(v)));
    return (a, x) => {
      const v = subject(a, x);
      if (v === null) return onNull;
      return f(typeof v === "string" ? v : toText(v), arg(a, x));
    };
  };
}

/** Subject and a regex argument; a null subject (or a null dynamic regex) gives `onNull`. */
function regexFn(mode: RegexMode, onNull: ElValue, f: (s: string, re: SafeRegex) => ElValue): Build {
  return (site, subject, args) => {
    const re = regexGetter(site, args[0], mode);
    const raw = args[0].fn;
    return (a, x) => {
      const v = subject(a, x);
      if (v === null) return onNull;
      if (!args[0].constant && raw(a, x) === null) return onNull;
      return f(typeof v === "string" ? v : toText(v), re(a, x));
    };
  };
}

function numberError(site: CallSite, e: unknown): never {
  if (e instanceof NumberError) throw evalError(site, e.message);
  throw e;
}

/** NiFi's comparison evaluators: false when either side is empty or not a number. */
function compareFn(fast: (l: number, r: number) => boolean): Build {
  const test = (c: number): boolean => fast(c, 0);
  return (site, subject, args) => {
    const arg = args[0];
    const constant = constantOf(arg, (v) => toNumberValue(v, site));
    if (constant !== undefined) {
      const r = constant.value;
      if (r === null) return () => false;
      if (typeof r === "number") {
        // The common case: a whole literal such as gt(50); a whole subject compares directly.
        return (a, x) => {
          const v = subject(a, x);
          const l = typeof v === "number" ? v : toNumberValue(v, site);
          if (l === null) return false;
          // Two plain numbers compare the same as doubles or as longs.
          return typeof l === "number" ? fast(l, r) : test(compareNumbers(l, r));
        };
      }
      return (a, x) => {
        const l = toNumberValue(subject(a, x), site);
        return l !== null && test(compareNumbers(l, r));
      };
    }
    const fn = arg.fn;
    return (a, x) => {
      const l = toNumberValue(subject(a, x), site);
      if (l === null) return false;
      const r = toNumberValue(fn(a, x), site);
      return r !== null && test(compareNumbers(l, r));
    };
  };
}

/** NiFi's arithmetic evaluators: null when either side is empty or not a number. */
function mathFn(op: Op): Build {
  const dop = DOUBLE_OPS[op];
  const exactInDoubles = op === "plus" || op === "minus" || op === "multiply";
  return (site, subject, args) => {
    const arg = getter(args[0], (v) => toNumberValue(v, site));
    return (a, x) => {
      const l = toNumberValue(subject(a, x), site);
      if (l === null) return null;
      const r = arg(a, x);
      if (r === null) return null;
      // Fast path without allocation: two plain numbers (decimals, or whole numbers whose result stays safe).
      if (typeof l === "number" && typeof r === "number") {
        if (!Number.isInteger(l) || !Number.isInteger(r)) return decimalOf(dop(l, r));
        if (exactInDoubles) {
          const v = dop(l, r);
          if (Number.isSafeInteger(v)) return v + 0;
        }
      }
      try {
        return arithmetic(op, l, r);
      } catch (e) {
        return numberError(site, e);
      }
    };
  };
}

function wholeArg(site: CallSite, arg: CompiledArg, what: string): (a: ElAttributes, x: ElAttributes | undefined) => ElWhole {
  return getter(arg, (v) => toWholeArg(v, site, what));
}

function optionalWholeArg(site: CallSite, arg: CompiledArg): (a: ElAttributes, x: ElAttributes | undefined) => ElWhole | null {
  return getter(arg, (v) => toWholeValue(v, site));
}

/** Java's URLEncoder.encode(s, UTF-8): form encoding, space as '+', only .-*_ left as is. */
function urlEncode(s: string): string {
  return encodeURIComponent(s)
    .replace(/%20/g, "+")
    .replace(/[!'()~]/g, (c) => "%" + c.charCodeAt(0).toString(16).toUpperCase());
}

const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}(?:==)?|[A-Za-z0-9+/]{3}=?)?$/;
const BASE64_URL = /^[A-Za-z0-9_-]*$/;

const DATE_TO_STRING = /^(?:[a-zA-Z]{3} ){2}\d{2} \d{2}:\d{2}:\d{2} .*? \d{4}$/;
const ALTERNATE_DATE = /^\d{4}\/\d{2}\/\d{2} \d{2}:\d{2}:\d{2}(\.\d{3})?$/;
const DATE_TO_STRING_PATTERN = compileDatePattern("EEE MMM dd HH:mm:ss zzz yyyy");
const ALTERNATE_PATTERN = compileDatePattern("yyyy/MM/dd HH:mm:ss");
const ALTERNATE_PATTERN_MS = compileDatePattern("yyyy/MM/dd HH:mm:ss.SSS");

/**
 * NiFi's DateCastEvaluator, as epoch millis: dates and numbers as they are; text in Date's
 * toString layout, digits (epoch millis), or `yyyy/MM/dd HH:mm:ss[.SSS]` (in UTC, Sluice's zone).
 */
function toDateValue(v: ElValue, site: CallSite): number | null {
  if (v === null) return null;
  if (v instanceof Date) return v.getTime();
  if (v instanceof ElInstant) return v.epochMs;
  if (typeof v === "number") return Math.trunc(v);
  if (typeof v === "bigint") return Number(v);
  if (v instanceof ElDecimal) return Math.trunc(v.value);
  if (typeof v === "string") {
    const t = v.trim();
    try {
      if (DATE_TO_STRING.test(t)) return parseDate(t, DATE_TO_STRING_PATTERN, UTC);
      if (/^\d+$/.test(t)) return Number(t);
      const alt = ALTERNATE_DATE.exec(t);
      if (alt !== null) return parseDate(t, alt[1] === undefined ? ALTERNATE_PATTERN : ALTERNATE_PATTERN_MS, UTC);
    } catch (e) {
      throw evalError(site, `Could not parse ${show(v)} as a date: ${message(e)}`);
    }
  }
  throw evalError(site, `Could not implicitly convert ${show(v)} to a date: expected epoch milliseconds, 'yyyy/MM/dd HH:mm:ss[.SSS]' or Date's text form (parse other text with toDate(pattern) first)`);
}

type JsonStep = { readonly kind: "key"; readonly key: string } | { readonly kind: "index"; readonly index: number } | { readonly kind: "all" };

/** A JSONPath subset: $, .name, ['name'], [n] (negative from the end), .* and [*]. */
function compileJsonPath(path: string): JsonStep[] {
  if (!path.startsWith("$")) throw new Error(`JSON path must start with '$'`);
  const steps: JsonStep[] = [];
  let i = 1;
  while (i < path.length) {
    const rest = path.slice(i);
    let m: RegExpExecArray | null;
    if ((m = /^\.\*|^\[\*\]/.exec(rest)) !== null) steps.push({ kind: "all" });
    else if ((m = /^\.([A-Za-z_$][\w$-]*)/.exec(rest)) !== null) steps.push({ kind: "key", key: m[1] });
    else if ((m = /^\[(-?\d+)\]/.exec(rest)) !== null) steps.push({ kind: "index", index: Number(m[1]) });
    else if ((m = /^\['((?:[^'\\]|\\.)*)'\]|^\["((?:[^"\\]|\\.)*)"\]/.exec(rest)) !== null) steps.push({ kind: "key", key: (m[1] ?? m[2]).replace(/\\(.)/g, "$1") });
    else throw new Error(`Unsupported JSON path syntax at '${rest}'`);
    i += m[0].length;
  }
  return steps;
}

function applyJsonPath(root: unknown, steps: readonly JsonStep[]): { found: unknown[]; definite: boolean } {
  let current: unknown[] = [root];
  let definite = true;
  for (const step of steps) {
    const next: unknown[] = [];
    for (const node of current) {
      if (step.kind === "all") {
        definite = false;
        if (Array.isArray(node)) next.push(...node);
        else if (node !== null && typeof node === "object") next.push(...Object.values(node));
      } else if (step.kind === "index") {
        if (Array.isArray(node)) {
          const idx = step.index < 0 ? node.length + step.index : step.index;
          if (idx >= 0 && idx < node.length) next.push(node[idx]);
        }
      } else if (node !== null && typeof node === "object" && !Array.isArray(node) && Object.prototype.hasOwnProperty.call(node, step.key)) {
        next.push((node as Record<string, unknown>)[step.key]);
      }
    }
    current = next;
  }
  return { found: current, definite };
}

function jsonToValue(v: unknown): ElValue {
  if (v === undefined || v === null) return "";
  if (typeof v === "string" || typeof v === "number" || typeof v === "boolean") return v;
  return JSON.stringify(v);
}


function pad(side: "left" | "right"): Build {
  return (site, subject, args) => {
    const length = optionalWholeArg(site, args[0]);
    const padArg = args[1] === undefined ? () => null : getter(args[1], (v) => (v === null ? null : str(v)));
    return (a, x) => {
      const v = subject(a, x);
      if (v === null) return null;
      const s = str(v);
      const n = length(a, x);
      // NiFi: no length, a length <= 0 or beyond Java's int range leaves the subject as it is.
      if (n === null || typeof n === "bigint" || n <= 0 || n > 2147483647) return s;
      if (n > MAX_RESULT_LENGTH) throw tooLong(site, n);
      const fill = padArg(a, x);
      const f = fill === null || fill === "" ? "_" : fill;
      return side === "left" ? s.padStart(n, f) : s.padEnd(n, f);
    };
  };
}

const hexByte = (b: number): string => (b + 0x100).toString(16).slice(1);

/** NiFi's Uuid3/Uuid5Evaluator: a name-based UUID of the namespace's 16 bytes followed by the subject's UTF-8 bytes. */
function nameUuid(version: 3 | 5, namespace: string | null, name: string): string {
  const ns = namespace ?? "00000000-0000-0000-0000-000000000000";
  const m = /^([0-9a-fA-F]{1,8})-([0-9a-fA-F]{1,4})-([0-9a-fA-F]{1,4})-([0-9a-fA-F]{1,4})-([0-9a-fA-F]{1,12})$/.exec(ns);
  if (m === null) throw new Error(`Invalid UUID string: ${ns}`);
  const nsHex = m[1].padStart(8, "0") + m[2].padStart(4, "0") + m[3].padStart(4, "0") + m[4].padStart(4, "0") + m[5].padStart(12, "0");
  const digest = createHash(version === 3 ? "md5" : "sha1")
    .update(Buffer.from(nsHex, "hex"))
    .update(Buffer.from(name, "utf8"))
    .digest();
  digest[6] = (digest[6] & 0x0f) | (version << 4);
  digest[8] = (digest[8] & 0x3f) | 0x80;
  const h = Array.from(digest.subarray(0, 16), hexByte).join("");
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20, 32)}`;
}

/** Java MessageDigest names → Node's. */
const HASHES: Record<string, string> = {
  MD5: "md5", "SHA-1": "sha1", SHA: "sha1", "SHA-224": "sha224", "SHA-256": "sha256", "SHA-384": "sha384", "SHA-512": "sha512",
  "SHA-512/224": "sha512-224", "SHA-512/256": "sha512-256", "SHA3-224": "sha3-224", "SHA3-256": "sha3-256", "SHA3-384": "sha3-384", "SHA3-512": "sha3-512",
};
const AVAILABLE_HASHES = new Set(getHashes());
const HASH_NAMES = Object.keys(HASHES).filter((k) => AVAILABLE_HASHES.has(HASHES[k]));

function hashAlgorithm(name: string): string {
  const node = HASHES[name.toUpperCase()];
  if (node === undefined || !AVAILABLE_HASHES.has(node)) throw new Error(`Invalid hash algorithm: ${name} not in set [${HASH_NAMES.join(", ")}]`);
  return node;
}

/** NiFi's GetDelimitedFieldEvaluator (1-based index; quotes and an escape character honoured). */
function delimitedField(s: string, index: number, delimiter: string, quote: string, escape: string, strip: boolean): string {
  const check = (v: string, what: string): string => {
    if (v.length !== 1) throw new Error(`the ${what} must be a single character, found '${v}'`);
    return v;
  };
  const d = check(delimiter, "delimiter");
  const q = check(quote, "quote character");
  const e = check(escape, "escape character");
  if (q === d) throw new Error("the quote character and the delimiter are the same");
  if (q === e) throw new Error("the quote character and the escape character are the same");
  if (d === e) throw new Error("the delimiter and the escape character are the same");
  let field = "";
  let inQuote = false;
  let current = 1;
  let lastEscape = false;
  for (let i = 0; i < s.length; i++) {
    const c = s[i];
    if (c === q && !lastEscape) {
      inQuote = !inQuote;
      if (!strip && current === index) field += c;
    } else if (c === d && !lastEscape && !inQuote) {
      if (current++ === index) return field;
    } else if (current === index && (c !== e || !strip)) {
      field += c;
    }
    lastEscape = c === e && !lastEscape;
  }
  return current === index ? field : "";
}

const DURATION = /^\s*(\d+)\s+(nanoseconds?|seconds?|minutes?|hours?|days?|weeks?|months?|years?)\s*$/i;
const DURATION_HELP = "expected '<integer> <unit>' (e.g. '2 weeks', '1 month') with unit nanosecond(s), second(s), minute(s), hour(s), day(s), week(s), month(s) or year(s)";

/** NiFi's DateAmountParser: `<n> <unit>`. */
function parseDuration(text: string): { amount: number; unit: string } {
  const m = DURATION.exec(text);
  if (m === null) throw new Error(`Invalid amount expression: '${text}'; ${DURATION_HELP}`);
  const amount = Number(m[1]);
  if (!Number.isSafeInteger(amount)) throw new Error(`Numeric overflow in expression: '${text}'`);
  const raw = m[2].toLowerCase();
  return { amount, unit: raw.endsWith("s") ? raw.slice(0, -1) : raw };
}

/**
 * Adds (sign 1) or subtracts (-1) a parsed duration to epoch millis + nanos in `zone`: exact
 * units as time, days/weeks/months/years on the local calendar (a month clamps the day, as
 * java.time does).
 */
function addDuration(ms: number, nanos: number, d: { amount: number; unit: string }, sign: number, zone: Zone): { ms: number; nanos: number } {
  const n = d.amount * sign;
  const exact: Record<string, number> = { second: 1000, minute: 60000, hour: 3600000 };
  if (d.unit === "nanosecond") {
    const total = BigInt(ms) * 1000000n + BigInt(nanos) + BigInt(n);
    const msOut = total >= 0n ? total / 1000000n : -((-total + 999999n) / 1000000n);
    return { ms: Number(msOut), nanos: Number(total - msOut * 1000000n) };
  }
  if (exact[d.unit] !== undefined) return { ms: ms + n * exact[d.unit], nanos };
  const offset = zone.offsetMinutes(ms) * 60000;
  const local = new Date(ms + offset);
  if (d.unit === "day" || d.unit === "week") local.setUTCDate(local.getUTCDate() + n * (d.unit === "week" ? 7 : 1));
  else {
    const months = d.unit === "month" ? n : n * 12;
    const day = local.getUTCDate();
    local.setUTCDate(1);
    local.setUTCMonth(local.getUTCMonth() + months);
    const last = new Date(Date.UTC(local.getUTCFullYear(), local.getUTCMonth() + 1, 0)).getUTCDate();
    local.setUTCDate(Math.min(day, last));
  }
  const guess = local.getTime() - offset;
  return { ms: local.getTime() - zone.offsetMinutes(guess) * 60000, nanos };
}

/** Java's String.split(regex) as the delineated-value functions use it: trailing empty strings dropped. */
export function splitter(site: CallSite, delimiter: CompiledArg): (s: string, a: ElAttributes, x: ElAttributes | undefined) => string[] {
  const re = regexGetter(site, delimiter, "find");
  return (s, a, x) => {
    const r = re(a, x);
    const out: string[] = [];
    let from = 0;
    for (const m of r.matchAll(s)) {
      const text = m[0] ?? "";
      if (text === "" && m.index === 0) continue;
      if (m.index >= s.length && text === "") break;
      out.push(s.slice(from, m.index));
      from = m.index + text.length;
    }
    out.push(s.slice(from));
    while (out.length > 1 && out[out.length - 1] === "") out.pop();
    return s === "" ? [""] : out;
  };
}

const instantOf = (v: ElValue, site: CallSite): ElInstant | null => {
  if (v instanceof ElInstant) return v;
  const ms = toDateValue(v, site);
  return ms === null ? null : new ElInstant(ms, 0);
};

/** Multi-attribute subjects; they appear only at the start of an expression (see compiler.ts). */
export const MULTI_SOURCES: ReadonlySet<string> = new Set(["anyAttribute", "allAttributes", "anyMatchingAttribute", "allMatchingAttributes", "anyDelineatedValue", "allDelineatedValues"]);

/** A placeholder build for the multi-attribute subjects: the compiler handles them. */
const multiBuild: Build = (site) => {
  throw new ElSyntaxError(`'${site.fn}' can only start an expression, at position ${site.position}`, site.position);
};

const SPECS: FunctionSpec[] = [
  // --- Subjectless -------------------------------------------------------------------------
  {
    name: "now", subject: "none", params: [], pure: false, returns: "date", category: "Subjectless",
    summary: "The current time.", example: ["${now():format('yyyy')}", "2026"],
    build: () => () => new Date(),
  },
  {
    name: "UUID", subject: "none", params: [], pure: false, returns: "string", category: "Subjectless",
    summary: "A random type 4 UUID.",
    build: () => () => randomUUID(),
  },
  {
    name: "literal", subject: "none", params: [p("value")], pure: true, returns: "any", category: "Subjectless",
    summary: "The argument itself: `${literal('x')}`, `${literal(5)}` (whole), `${literal(2.5)}` (decimal), `${literal(true)}`.",
    example: ["${literal(2):plus(3)}", "5"],
    build: (_site, _subject, args) => args[0].fn,
  },
  {
    name: "random", subject: "none", params: [], pure: false, returns: "whole number", category: "Subjectless",
    summary: "A random non-negative whole number.",
    build: () => () => Math.floor(Math.random() * Number.MAX_SAFE_INTEGER),
  },
  {
    name: "nextInt", subject: "none", params: [], pure: false, returns: "whole number", category: "Subjectless",
    summary: "A counter that starts at 0 and grows by one per call, per Sluice process (not across a cluster).",
    build: () => () => nextInt++,
  },
  {
    name: "hostname", subject: "none", params: [p("fullyQualified", "any", true)], pure: false, returns: "string", category: "Subjectless",
    summary: "This machine's host name (the argument, for a fully qualified name, is accepted; the operating system's name is returned either way).",
    build: () => () => os.hostname(),
  },
  {
    name: "ip", subject: "none", params: [], pure: false, returns: "string", category: "Subjectless",
    summary: "This machine's first non-internal IPv4 address (127.0.0.1 when it has none).",
    build: () => () => {
      for (const list of Object.values(os.networkInterfaces())) for (const i of list ?? []) if (i.family === "IPv4" && !i.internal) return i.address;
      return "127.0.0.1";
    },
  },
  {
    name: "math", subject: "required", subjectOptional: true, params: [p("method"), p("number", "any", true)], pure: true, returns: "number", category: "Numbers",
    summary: "Calls the java.lang.Math method of that name with the subject (and the number): `abs`, `pow`, `max`, `sqrt`, `cbrt`, ... Whole numbers use the `long` overloads and decimals the `double` ones, as Java would pick; `${math('random')}` stands alone. No such method is an evaluation error.",
    example: ["${literal(-64):math('abs')}", "64"],
    build: (site, subject, args, subjectless) => {
      const method = getter(args[0], (v) => (v === null ? null : str(v)));
      const arg = args[1] === undefined ? undefined : getter(args[1], (v) => toNumberValue(v, site));
      return (a, x) => {
        const name = method(a, x);
        if (name === null) return null;
        let s: ElNumber | undefined;
        if (!subjectless) {
          const v = toNumberValue(subject(a, x), site);
          if (v === null) return null;
          s = v;
        }
        let r: ElNumber | undefined;
        if (arg !== undefined) {
          const v = arg(a, x);
          if (v === null) return null;
          r = v;
        }
        try {
          return callMath(name, s, r);
        } catch (e) {
          return numberError(site, e);
        }
      };
    },
  },
  {
    name: "anyAttribute", subject: "none", params: [p("name")], variadic: true, pure: false, returns: "boolean", category: "Multiple attributes",
    summary: "Starts an expression: the rest of it runs on each named attribute's value and is true if it is true for any of them.",
    example: ["${anyAttribute('a', 'b'):contains('x')}", "true when a or b contains x"], build: multiBuild,
  },
  {
    name: "allAttributes", subject: "none", params: [p("name")], variadic: true, pure: false, returns: "boolean", category: "Multiple attributes",
    summary: "Starts an expression: true if the rest of it is true for every named attribute; ending in `join` or `count`, reduces the values instead.",
    example: ["${allAttributes('a', 'b'):join(',')}", "the values of a and b joined with ,"], build: multiBuild,
  },
  {
    name: "anyMatchingAttribute", subject: "none", params: [p("regex")], variadic: true, pure: false, returns: "boolean", category: "Multiple attributes",
    summary: "Like anyAttribute, over every attribute whose name matches one of the regular expressions (whole name).",
    example: ["${anyMatchingAttribute('kafka\\..*'):isEmpty()}", "true when a kafka.* attribute is empty"], build: multiBuild,
  },
  {
    name: "allMatchingAttributes", subject: "none", params: [p("regex")], variadic: true, pure: false, returns: "boolean", category: "Multiple attributes",
    summary: "Like allAttributes, over every attribute whose name matches one of the regular expressions (whole name).",
    build: multiBuild,
  },
  {
    name: "anyDelineatedValue", subject: "none", params: [p("value"), p("delimiter")], pure: false, returns: "boolean", category: "Multiple attributes",
    summary: "Starts an expression: splits value on the delimiter (a regular expression, as Java's String.split: trailing empty values dropped) and is true if the rest of the expression is true for any part.",
    example: ["${anyDelineatedValue('a,b,c', ','):equals('b')}", "true"], build: multiBuild,
  },
  {
    name: "allDelineatedValues", subject: "none", params: [p("value"), p("delimiter")], pure: false, returns: "boolean", category: "Multiple attributes",
    summary: "Like anyDelineatedValue, true if the rest is true for every part; ending in `join` or `count`, reduces the parts instead.",
    example: ["${allDelineatedValues('a,b,c', ','):count()}", "3"], build: multiBuild,
  },
  {
    name: "join", subject: "required", params: [p("delimiter")], pure: true, returns: "string", category: "Multiple attributes", reduce: "join", grows: true,
    summary: "Reduces an allAttributes/allMatchingAttributes/allDelineatedValues expression to its values joined with the delimiter (a missing value joins as empty). On a single value, that value (`''` when missing).",
    example: ["${allAttributes('a.a', 'a.b'):join(', ')}", "a, b"],
    build: (_site, subject) => (a, x) => str(subject(a, x)),
  },
  {
    name: "count", subject: "required", params: [], pure: true, returns: "whole number", category: "Multiple attributes", reduce: "count",
    summary: "Reduces a multi-attribute expression to the number of values that are present and not false. On a single value, 1 or 0.",
    example: ["${allDelineatedValues('1,2,3', ','):gt(1):count()}", "2"],
    build: (_site, subject) => (a, x) => {
      const v = subject(a, x);
      return v === null || v === false ? 0 : 1;
    },
  },

  // --- Strings -----------------------------------------------------------------------------
  {
    name: "toUpper", subject: "required", params: [], pure: true, returns: "string", category: "Strings",
    summary: "Upper case (locale-independent); missing stays missing.", example: ["${literal('abc'):toUpper()}", "ABC"],
    build: stringFn((s) => s.toUpperCase()),
  },
  {
    name: "toLower", subject: "required", params: [], pure: true, returns: "string", category: "Strings",
    summary: "Lower case (locale-independent); missing stays missing.",
    build: stringFn((s) => s.toLowerCase()),
  },
  {
    name: "trim", subject: "required", params: [], pure: true, returns: "string", category: "Strings",
    summary: "Removes leading and trailing whitespace; missing stays missing.",
    build: stringFn((s) => s.trim()),
  },
  {
    name: "length", subject: "required", params: [], pure: true, returns: "whole number", category: "Strings",
    summary: "Length in UTF-16 code units, as Java's String.length(); 0 for a missing value.",
    build: (_site, subject) => (a, x) => {
      const v = subject(a, x);
      return v === null ? 0 : str(v).length;
    },
  },
  {
    name: "substring", subject: "required", params: [p("start", "number"), p("end", "number", true)], pure: true, returns: "string", category: "Strings",
    summary: "Characters from start (inclusive) to end (exclusive, default: the end). As in NiFi, indices outside the string (negative, past the end, end before start) give `''`, and a missing subject gives `''`.",
    example: ["${literal('hello'):substring(1, 3)}", "el"],
    build: (site, subject, args) => {
      const start = optionalWholeArg(site, args[0]);
      const end = args[1] === undefined ? undefined : optionalWholeArg(site, args[1]);
      return (a, x) => {
        const v = subject(a, x);
        if (v === null) return "";
        const s = str(v);
        const from = start(a, x);
        const to = end === undefined ? s.length : end(a, x);
        if (from === null || to === null) throw evalError(site, "Index is empty, expected a whole number");
        const f = intOf(from);
        const t = intOf(to);
        if (f < 0 || t > s.length || f > t) return "";
        return s.slice(f, t);
      };
    },
  },
  {
    name: "substringBefore", subject: "required", params: [p("value")], pure: true, returns: "string", category: "Strings",
    summary: "Text before the first occurrence of value; the whole subject if value does not occur or is empty; `''` for a missing subject.",
    build: stringArgFn("", (s, d) => {
      if (d === null || d === "") return s;
      const i = s.indexOf(d);
      return i < 0 ? s : s.slice(0, i);
    }),
  },
  {
    name: "substringBeforeLast", subject: "required", params: [p("value")], pure: true, returns: "string", category: "Strings",
    summary: "Text before the last occurrence of value (an empty value occurs at the end: the whole subject); the whole subject if value does not occur; `''` for a missing subject.",
    build: stringArgFn("", (s, d) => {
      const i = s.lastIndexOf(d ?? "null");
      return i < 0 ? s : s.slice(0, i);
    }),
  },
  {
    name: "substringAfter", subject: "required", params: [p("value")], pure: true, returns: "string", category: "Strings",
    summary: "Text after the first occurrence of value; the whole subject if value does not occur or is empty; `''` for a missing subject.",
    build: stringArgFn("", (s, d) => {
      if (d === null || d === "") return s;
      const i = s.indexOf(d);
      return i < 0 ? s : s.slice(i + d.length);
    }),
  },
  {
    name: "substringAfterLast", subject: "required", params: [p("value")], pure: true, returns: "string", category: "Strings",
    summary: "Text after the last occurrence of value; the whole subject if value does not occur or is empty (NiFi: an empty value is found at the end); `''` for a missing subject.",
    build: stringArgFn("", (s, d) => {
      const t = d ?? "null";
      const i = s.lastIndexOf(t);
      return i < 0 || i >= s.length ? s : s.slice(i + t.length);
    }),
  },
  {
    name: "append", subject: "required", params: [p("value")], pure: true, returns: "string", category: "Strings", grows: true,
    summary: "Subject followed by value; a missing subject or value counts as empty.",
    build: (_site, subject, args) => {
      const arg = getter(args[0], str);
      return (a, x) => str(subject(a, x)) + arg(a, x);
    },
  },
  {
    name: "prepend", subject: "required", params: [p("value")], pure: true, returns: "string", category: "Strings", grows: true,
    summary: "Value followed by subject; a missing subject or value counts as empty.",
    build: (_site, subject, args) => {
      const arg = getter(args[0], str);
      return (a, x) => {
        const s = str(subject(a, x));
        return arg(a, x) + s;
      };
    },
  },
  {
    name: "replace", subject: "required", params: [p("search"), p("replacement")], pure: true, returns: "string", category: "Strings", grows: true,
    summary: "Replaces every occurrence of the literal search text; missing stays missing.",
    build: (_site, subject, args) => {
      const search = getter(args[0], str);
      const replacement = getter(args[1], str);
      return (a, x) => {
        const v = subject(a, x);
        if (v === null) return null;
        const r = replacement(a, x);
        // A function replacer: the replacement is literal, "$&" included.
        return str(v).replaceAll(search(a, x), () => r);
      };
    },
  },
  {
    name: "replaceFirst", subject: "required", params: [p("regex"), p("replacement")], pure: true, returns: "string", category: "Strings", grows: true,
    summary: "Replaces the first match of a regular expression; `$1`, `${name}` refer to groups.",
    build: (site, subject, args) => {
      const re = regexGetter(site, args[0], "find");
      const replacement = getter(args[1], (v) => compileJavaReplacement(str(v)));
      return (a, x) => {
        const v = subject(a, x);
        return v === null ? null : re(a, x).replaceWith(str(v), replacement(a, x), false);
      };
    },
  },
  {
    name: "replaceAll", subject: "required", params: [p("regex"), p("replacement")], pure: true, returns: "string", category: "Strings", grows: true,
    summary: "Replaces every match of a regular expression; `$1`, `${name}` refer to groups, `\\$` is a literal $.",
    example: ["${literal('a1b22'):replaceAll('\\d+', '#')}", "a#b#"],
    build: (site, subject, args) => {
      const re = regexGetter(site, args[0], "find");
      const replacement = getter(args[1], (v) => compileJavaReplacement(str(v)));
      return (a, x) => {
        const v = subject(a, x);
        if (v === null) return null;
        const s = str(v);
        let length = 0;
        const repl = replacement(a, x);
        return re(a, x).replaceWith(s, (m) => {
          const r = repl(m);
          length += r.length;
          if (length > MAX_RESULT_LENGTH) throw tooLong(site, length + s.length);
          return r;
        }, true);
      };
    },
  },
  {
    name: "replaceByPattern", subject: "required", params: [p("mappings")], pure: true, returns: "string", category: "Strings",
    summary: "Mappings `regex:value,regex:value`: the value of the first regular expression that matches the whole subject, else the subject. Mappings with an empty side or an invalid regex are skipped.",
    example: ["${literal('fr-FR'):replaceByPattern('en-.*:English,fr-.*:French')}", "French"],
    build: (_site, subject, args) => {
      const mappings = getter(args[0], (v) => (v === null ? [] : compileMappings(str(v))));
      return (a, x) => {
        const v = subject(a, x);
        if (v === null) return null;
        const s = str(v);
        for (const [re, to] of mappings(a, x)) if (re.test(s)) return to;
        return s;
      };
    },
  },
  {
    name: "replaceNull", subject: "required", params: [p("value")], pure: true, returns: "any", category: "Null and empty",
    summary: "The subject, or value when the subject is missing.",
    build: (_site, subject, args) => {
      const alt = args[0].fn;
      return (a, x) => {
        const v = subject(a, x);
        return v === null ? alt(a, x) : v;
      };
    },
  },
  {
    name: "replaceEmpty", subject: "required", params: [p("value")], pure: true, returns: "any", category: "Null and empty",
    summary: "The subject, or value when the subject is missing, empty or only whitespace.",
    build: (_site, subject, args) => {
      const alt = args[0].fn;
      return (a, x) => {
        const v = subject(a, x);
        return v === null || str(v).trim() === "" ? alt(a, x) : v;
      };
    },
  },
  {
    name: "padLeft", subject: "required", params: [p("length", "number"), p("padding", "any", true)], pure: true, returns: "string", category: "Strings", grows: true,
    summary: "Pads on the left to length with padding (default and for `''`: `_`). A length that is missing, <= 0 or beyond 2^31-1 leaves the subject as it is; one above the output limit is an evaluation error.",
    example: ["${literal('7'):padLeft(3, '0')}", "007"],
    build: pad("left"),
  },
  {
    name: "padRight", subject: "required", params: [p("length", "number"), p("padding", "any", true)], pure: true, returns: "string", category: "Strings", grows: true,
    summary: "Pads on the right to length with padding (default and for `''`: `_`), as padLeft.",
    build: pad("right"),
  },
  {
    name: "repeat", subject: "required", params: [p("min", "number"), p("max", "number", true)], pure: false, returns: "string", category: "Strings", grows: true,
    summary: "The subject repeated min times, or a random number of times between min and max. A count below 1, or min above max, is an evaluation error; `''` for a missing subject.",
    example: ["${literal('ab'):repeat(3)}", "ababab"],
    build: (site, subject, args) => {
      const min = wholeArg(site, args[0], "the number of repeats");
      const max = args[1] === undefined ? undefined : wholeArg(site, args[1], "the maximum number of repeats");
      return (a, x) => {
        const v = subject(a, x);
        if (v === null) return "";
        const s = str(v);
        const lo = intOf(min(a, x));
        if (lo <= 0) throw evalError(site, max === undefined ? "Number of repeats must be > 0" : "Minimum number of repeats must be > 0");
        let n = lo;
        if (max !== undefined) {
          const hi = intOf(max(a, x));
          if (lo > hi) throw evalError(site, "Min repeats must not be greater than max repeats");
          n = lo + Math.floor(Math.random() * (hi - lo + 1));
        }
        if (s.length * n > MAX_RESULT_LENGTH) throw tooLong(site, s.length * n);
        return s.repeat(n);
      };
    },
  },
  {
    name: "getDelimitedField", subject: "required",
    params: [p("index", "number"), p("delimiter", "any", true), p("quoteChar", "any", true), p("escapeChar", "any", true), p("stripChars", "any", true)],
    pure: true, returns: "string", category: "Strings",
    summary: "Field number index (from 1) of delimited text; delimiter `,`, quote `\"` and escape `\\` by default, each one character. A delimiter inside quotes or after the escape does not split; stripChars true removes the quotes and escapes. An index below 1 or past the last field, or an empty subject, gives `''`.",
    example: ["${literal('a,\"b,c\",d'):getDelimitedField(2)}", "\"b,c\""],
    build: (site, subject, args) => {
      const index = wholeArg(site, args[0], "the field index");
      const text = (arg: CompiledArg | undefined, dflt: string): ((a: ElAttributes, x: ElAttributes | undefined) => string) =>
        arg === undefined ? () => dflt : getter(arg, (v) => (v === null ? "" : str(v)));
      const delimiter = text(args[1], ",");
      const quote = text(args[2], '"');
      const escape = text(args[3], "\\");
      const strip = args[4] === undefined ? () => false : getter(args[4], isTruthy);
      return (a, x) => {
        const v = subject(a, x);
        if (v === null) return "";
        const s = str(v);
        if (s === "") return "";
        const i = index(a, x);
        if (i < 1) return "";
        try {
          return delimitedField(s, intOf(i), delimiter(a, x), quote(a, x), escape(a, x), strip(a, x));
        } catch (e) {
          throw evalError(site, `Cannot evaluate getDelimitedField: ${message(e)}`);
        }
      };
    },
  },
  {
    name: "indexOf", subject: "required", params: [p("value")], pure: true, returns: "whole number", category: "Searching",
    summary: "Index of the first occurrence of value, or -1 (also for a missing subject).",
    build: stringArgFn(-1, (s, d) => s.indexOf(d ?? "null")),
  },
  {
    name: "lastIndexOf", subject: "required", params: [p("value")], pure: true, returns: "whole number", category: "Searching",
    summary: "Index of the last occurrence of value, or -1 (also for a missing subject).",
    build: stringArgFn(-1, (s, d) => s.lastIndexOf(d ?? "null")),
  },

  // --- Encoding ----------------------------------------------------------------------------
  {
    name: "urlEncode", subject: "required", params: [], pure: true, returns: "string", category: "Encoding", grows: true,
    summary: "URL form encoding of the UTF-8 bytes (Java URLEncoder: space becomes `+`).",
    build: stringFn(urlEncode),
  },
  {
    name: "urlDecode", subject: "required", params: [], pure: true, returns: "string", category: "Encoding",
    summary: "Reverses urlEncode (`+` becomes a space). Malformed `%` escapes are an evaluation error.",
    build: (site, subject) => (a, x) => {
      const v = subject(a, x);
      if (v === null) return null;
      try {
        return decodeURIComponent(str(v).replace(/\+/g, " "));
      } catch {
        throw evalError(site, `Cannot URL-decode ${show(v)}`);
      }
    },
  },
  {
    name: "base64Encode", subject: "required", params: [], pure: true, returns: "string", category: "Encoding", grows: true,
    summary: "Base64 of the UTF-8 bytes.",
    build: stringFn((s) => Buffer.from(s, "utf8").toString("base64")),
  },
  {
    name: "base64Decode", subject: "required", params: [], pure: true, returns: "string", category: "Encoding",
    summary: "Decodes Base64 (standard or URL-safe alphabet) to UTF-8 text. Invalid input is an evaluation error.",
    build: (site, subject) => (a, x) => {
      const v = subject(a, x);
      if (v === null) return null;
      const s = str(v).trim();
      if (BASE64.test(s)) return Buffer.from(s, "base64").toString("utf8");
      if (BASE64_URL.test(s) && s.length % 4 !== 1) return Buffer.from(s, "base64url").toString("utf8");
      throw evalError(site, `Cannot Base64-decode ${show(v)}`);
    },
  },
  ...escapeSpecs(),
  {
    name: "hash", subject: "required", params: [p("algorithm")], pure: true, returns: "string", category: "Encoding",
    summary: `Lower-case hex digest of the UTF-8 bytes with a Java MessageDigest algorithm: ${HASH_NAMES.join(", ")}. An unknown literal algorithm is a validation error. Missing stays missing.`,
    example: ["${literal('string value'):hash('MD5')}", "9a8a6f0b2b3ec2e4d1f4a3eb82d0a9f9 (the MD5 of the text)"],
    build: (site, subject, args) => {
      const algorithm = cachedGetter(args[0], hashAlgorithm, (e) => {
        throw new ElSyntaxError(`${message(e)} for 'hash' at position ${args[0].position}`, args[0].position);
      }, (e) => {
        throw evalError(site, message(e));
      });
      return (a, x) => {
        const v = subject(a, x);
        if (v === null) return null;
        return createHash(algorithm(a, x)).update(str(v), "utf8").digest("hex");
      };
    },
  },
  {
    name: "UUID3", subject: "required", params: [p("namespace")], pure: true, returns: "string", category: "Encoding",
    summary: "The name-based (MD5, version 3) UUID of the subject in the namespace UUID (null namespace: all zeros). An invalid namespace is an evaluation error.",
    example: ["${literal('nifi'):UUID3('b9e81de3-7047-4b5e-a822-8fff5b49f808')}", "a name-based UUID, the same every time"],
    build: uuidBuild(3),
  },
  {
    name: "UUID5", subject: "required", params: [p("namespace")], pure: true, returns: "string", category: "Encoding",
    summary: "The name-based (SHA-1, version 5) UUID of the subject in the namespace UUID.",
    build: uuidBuild(5),
  },
  {
    name: "jsonPath", subject: "required", params: [p("path")], pure: true, returns: "any", category: "Encoding",
    summary: "Reads JSON text with a JSONPath subset (`$`, `.name`, `['name']`, `[n]`, `[*]`, `.*`). Scalars come back as themselves, objects and arrays as JSON text, no match as `''`. A missing subject and invalid JSON are evaluation errors, as in NiFi.",
    build: (site, subject, args) => {
      const steps = cachedGetter(
        args[0],
        compileJsonPath,
        (e) => {
          throw new ElSyntaxError(`${message(e)} for 'jsonPath' at position ${args[0].position}`, args[0].position);
        },
        (e) => {
          throw evalError(site, message(e));
        },
      );
      // One-entry cache: several properties often read the same JSON attribute of one FlowFile.
      let lastText: string | undefined;
      let lastRoot: unknown;
      return (a, x) => {
        const v = subject(a, x);
        if (v === null) throw evalError(site, "Subject is missing, expected JSON text");
        const text = str(v);
        if (text !== lastText) {
          try {
            lastRoot = JSON.parse(text);
          } catch {
            throw evalError(site, `Subject is not valid JSON: ${show(v)}`);
          }
          lastText = text;
        }
        const { found, definite } = applyJsonPath(lastRoot, steps(a, x));
        if (!definite) return JSON.stringify(found);
        return jsonToValue(found[0]);
      };
    },
  },
  {
    name: "isJson", subject: "required", params: [], pure: true, returns: "boolean", category: "Encoding",
    summary: "True if the subject (trimmed) is a JSON object or array; false for anything else, a missing subject included.",
    example: ["${literal('{\"a\": 1}'):isJson()}", "true"],
    build: (_site, subject) => (a, x) => {
      const v = subject(a, x);
      if (v === null) return false;
      const t = str(v).trim();
      if (!((t.startsWith("{") && t.endsWith("}")) || (t.startsWith("[") && t.endsWith("]")))) return false;
      try {
        JSON.parse(t);
        return true;
      } catch {
        return false;
      }
    },
  },

  // --- Searching ---------------------------------------------------------------------------
  {
    name: "equals", subject: "required", params: [p("value")], pure: true, returns: "boolean", category: "Searching",
    summary: "Equality of the text forms (a date as its epoch millis; `5` and `5.0` differ, as a whole number and a decimal do in NiFi). False when either side is missing.",
    build: (_site, subject, args) => {
      const arg = args[0];
      if (arg.constant) {
        const expected = arg.value === null ? null : normalized(arg.value);
        if (expected === null) return () => false;
        return (a, x) => {
          const v = subject(a, x);
          if (v === null) return false;
          return (typeof v === "string" ? v : normalized(v)) === expected;
        };
      }
      const fn = arg.fn;
      return (a, x) => {
        const v = subject(a, x);
        if (v === null) return false;
        const w = fn(a, x);
        return w !== null && normalized(v) === normalized(w);
      };
    },
  },
  {
    name: "equalsIgnoreCase", subject: "required", params: [p("value")], pure: true, returns: "boolean", category: "Searching",
    summary: "Text equality ignoring case; false when either side is missing.",
    build: (_site, subject, args) => {
      const arg = args[0].fn;
      return (a, x) => {
        const v = subject(a, x);
        const w = arg(a, x);
        if (v === null || w === null) return false;
        return str(v).toLowerCase() === str(w).toLowerCase();
      };
    },
  },
  {
    name: "in", subject: "required", params: [p("value")], variadic: true, pure: true, returns: "boolean", category: "Searching",
    summary: "True if the subject equals one of the arguments.",
    build: (_site, subject, args) => {
      const fns = args.map((arg) => arg.fn);
      return (a, x) => {
        const v = subject(a, x);
        if (v === null) return false;
        const s = str(v);
        for (const fn of fns) {
          const w = fn(a, x);
          if (w !== null && str(w) === s) return true;
        }
        return false;
      };
    },
  },
  {
    name: "contains", subject: "required", params: [p("value")], pure: true, returns: "boolean", category: "Searching",
    summary: "True if value occurs in the subject; false for a missing subject or value.",
    build: stringArgFn(false, (s, d) => d !== null && s.includes(d)),
  },
  {
    name: "startsWith", subject: "required", params: [p("value")], pure: true, returns: "boolean", category: "Searching",
    summary: "True if the subject starts with value; false for a missing subject or value.",
    build: stringArgFn(false, (s, d) => d !== null && s.startsWith(d)),
  },
  {
    name: "endsWith", subject: "required", params: [p("value")], pure: true, returns: "boolean", category: "Searching",
    summary: "True if the subject ends with value; false for a missing subject or value.",
    build: stringArgFn(false, (s, d) => d !== null && s.endsWith(d)),
  },
  {
    name: "matches", subject: "required", params: [p("regex")], pure: true, returns: "boolean", category: "Searching",
    summary: "True if the regular expression matches the whole subject (Java `matches`); false for a missing subject or regex.",
    build: regexFn("full", false, (s, re) => re.test(s)),
  },
  {
    name: "find", subject: "required", params: [p("regex")], pure: true, returns: "boolean", category: "Searching",
    summary: "True if the regular expression matches anywhere in the subject; false for a missing subject or regex.",
    build: regexFn("find", false, (s, re) => re.test(s)),
  },

  // --- Null and empty ----------------------------------------------------------------------
  {
    name: "isNull", subject: "required", params: [], pure: true, returns: "boolean", category: "Null and empty",
    summary: "True if the subject is missing.",
    build: (_site, subject) => (a, x) => subject(a, x) === null,
  },
  {
    name: "notNull", subject: "required", params: [], pure: true, returns: "boolean", category: "Null and empty",
    summary: "True if the subject is present (possibly empty).",
    build: (_site, subject) => (a, x) => subject(a, x) !== null,
  },
  {
    name: "isEmpty", subject: "required", params: [], pure: true, returns: "boolean", category: "Null and empty",
    summary: "True if the subject is missing, empty or only whitespace.",
    build: (_site, subject) => (a, x) => {
      const v = subject(a, x);
      return v === null || str(v).trim() === "";
    },
  },

  // --- Boolean logic -----------------------------------------------------------------------
  {
    name: "not", subject: "required", params: [], pure: true, returns: "boolean", category: "Boolean logic",
    summary: "Negation. The subject is true iff it is true or the text \"true\" (any case).",
    build: (_site, subject) => (a, x) => !isTruthy(subject(a, x)),
  },
  {
    name: "and", subject: "required", params: [p("condition")], pure: true, returns: "boolean", category: "Boolean logic",
    summary: "Both true. The argument is not evaluated when the subject is false.",
    build: (_site, subject, args) => {
      const arg = args[0].fn;
      return (a, x) => isTruthy(subject(a, x)) && isTruthy(arg(a, x));
    },
  },
  {
    name: "or", subject: "required", params: [p("condition")], pure: true, returns: "boolean", category: "Boolean logic",
    summary: "Either true. The argument is not evaluated when the subject is true.",
    build: (_site, subject, args) => {
      const arg = args[0].fn;
      return (a, x) => isTruthy(subject(a, x)) || isTruthy(arg(a, x));
    },
  },
  {
    name: "ifElse", subject: "required", params: [p("then"), p("else")], pure: true, returns: "any", category: "Boolean logic",
    summary: "The first argument if the subject is true, else the second; only the chosen one is evaluated.",
    build: (_site, subject, args) => {
      const yes = args[0].fn;
      const no = args[1].fn;
      return (a, x) => (isTruthy(subject(a, x)) ? yes(a, x) : no(a, x));
    },
  },

  // --- Numbers -----------------------------------------------------------------------------
  {
    name: "toNumber", subject: "required", params: [], pure: true, returns: "whole number", category: "Numbers",
    summary: "A whole number: text `[+-]digits` or `[+-]0x` hex as is (exact to 64 bits; beyond is an evaluation error), decimal text and decimals truncated toward zero (`1.332` is `1`), dates as epoch millis. Text that is not a number, and a missing subject, give empty.",
    example: ["${literal('1.332'):toNumber()}", "1"],
    build: (site, subject) => (a, x) => toWholeValue(subject(a, x), site),
  },
  {
    name: "toDecimal", subject: "required", params: [], pure: true, returns: "decimal", category: "Numbers",
    summary: "A decimal (Java double): from text (decimal, whole, hex, hex floating point such as `0xF.Fp10`, `Infinity`, `NaN`), whole numbers and dates. Prints as Java prints doubles: `16.0`, `1.0E10`. Not a number, or missing, gives empty.",
    example: ["${literal(16):toDecimal()}", "16.0"],
    build: (site, subject) => (a, x) => {
      const d = toDecimalValue(subject(a, x), site);
      return d === null ? null : decimalOf(d);
    },
  },
  {
    name: "toString", subject: "required", params: [], pure: true, returns: "string", category: "Strings",
    summary: "The text form of the subject; `''` for a missing value.",
    build: (_site, subject) => (a, x) => toText(subject(a, x)),
  },
  {
    name: "plus", subject: "required", params: [p("number", "number")], pure: true, returns: "number", category: "Numbers",
    summary: "Addition: whole if both sides are whole (64-bit, wrapping as Java's long), else decimal. Empty if either side is missing or not a number.",
    example: ["${literal(2):plus(1.5)}", "3.5"],
    build: mathFn("plus"),
  },
  {
    name: "minus", subject: "required", params: [p("number", "number")], pure: true, returns: "number", category: "Numbers",
    summary: "Subtraction, whole or decimal as plus.",
    build: mathFn("minus"),
  },
  {
    name: "multiply", subject: "required", params: [p("number", "number")], pure: true, returns: "number", category: "Numbers",
    summary: "Multiplication, whole or decimal as plus.",
    build: mathFn("multiply"),
  },
  {
    name: "divide", subject: "required", params: [p("number", "number")], pure: true, returns: "number", category: "Numbers",
    summary: "Division: whole numbers divide to a whole number, truncated toward zero (`5/2` is `2`), and dividing a whole number by zero is an evaluation error; with a decimal on either side, floating point (`/0` is `Infinity`).",
    example: ["${literal(5):divide(2)}", "2"],
    build: mathFn("divide"),
  },
  {
    name: "mod", subject: "required", params: [p("number", "number")], pure: true, returns: "number", category: "Numbers",
    summary: "Remainder with the sign of the subject, as Java's `%`; whole modulo zero is an evaluation error.",
    build: mathFn("mod"),
  },
  {
    name: "gt", subject: "required", params: [p("number", "number")], pure: true, returns: "boolean", category: "Numbers",
    summary: "Subject > number (as decimals if either is one, else as whole numbers); false if either is missing or not a number.",
    build: compareFn((l, r) => l > r),
  },
  {
    name: "ge", subject: "required", params: [p("number", "number")], pure: true, returns: "boolean", category: "Numbers",
    summary: "Subject >= number; false if either is missing or not a number.",
    build: compareFn((l, r) => l >= r),
  },
  {
    name: "lt", subject: "required", params: [p("number", "number")], pure: true, returns: "boolean", category: "Numbers",
    summary: "Subject < number; false if either is missing or not a number.",
    build: compareFn((l, r) => l < r),
  },
  {
    name: "le", subject: "required", params: [p("number", "number")], pure: true, returns: "boolean", category: "Numbers",
    summary: "Subject <= number; false if either is missing or not a number.",
    build: compareFn((l, r) => l <= r),
  },
  {
    name: "toRadix", subject: "required", params: [p("radix", "number"), p("width", "number", true)], pure: true, returns: "string", category: "Numbers",
    summary: "The whole number in base radix (2 to 36; anything else means 10), lower-case digits, `-` for negatives, left-padded with zeros to width.",
    example: ["${literal(10):toRadix(2, 8)}", "00001010"],
    build: (site, subject, args) => {
      const radix = optionalWholeArg(site, args[0]);
      const width = args[1] === undefined ? undefined : optionalWholeArg(site, args[1]);
      return (a, x) => {
        const n = toWholeValue(subject(a, x), site);
        if (n === null) return null;
        const r = radix(a, x);
        if (r === null) return null;
        const s = toRadix(n, intOf(r));
        const w = width === undefined ? null : width(a, x);
        if (w === null) return s;
        const want = intOf(w);
        if (want > MAX_RESULT_LENGTH) throw tooLong(site, want);
        return want > s.length ? "0".repeat(want - s.length) + s : s;
      };
    },
  },
  {
    name: "fromRadix", subject: "required", params: [p("radix", "number")], pure: true, returns: "whole number", category: "Numbers",
    summary: "Parses text in base radix (2 to 36) to a whole number, as Java's Long.parseLong; invalid digits or overflow are evaluation errors.",
    example: ["${literal('ff'):fromRadix(16)}", "255"],
    build: (site, subject, args) => {
      const radix = optionalWholeArg(site, args[0]);
      return (a, x) => {
        const v = subject(a, x);
        if (v === null) return null;
        const r = radix(a, x);
        if (r === null) return null;
        try {
          return fromRadix(str(v), intOf(r));
        } catch (e) {
          return numberError(site, e);
        }
      };
    },
  },

  // --- Dates -------------------------------------------------------------------------------
  {
    name: "format", subject: "required", params: [p("pattern"), p("timeZone", "any", true)], pure: true, returns: "string", category: "Dates and instants",
    summary: "Formats a date with a SimpleDateFormat pattern, in timeZone (default UTC). The subject may be a date, epoch millis, or text `yyyy/MM/dd HH:mm:ss[.SSS]` or in Date's text form (as NiFi converts text to a date).",
    example: ["${literal('2014/04/04 00:00:00'):format('yyyy-MM-dd')}", "2014-04-04"],
    build: (site, subject, args) => {
      const pattern = patternGetter(site, args[0]);
      const zone = zoneGetter(site, args[1]);
      return (a, x) => {
        const ms = toDateValue(subject(a, x), site);
        if (ms === null) return null;
        try {
          return formatDate(ms, pattern(a, x), zone(a, x));
        } catch (e) {
          throw evalError(site, message(e));
        }
      };
    },
  },
  {
    name: "toDate", subject: "required", params: [p("pattern", "any", true), p("timeZone", "any", true)], pure: true, returns: "date", category: "Dates and instants",
    summary: "Parses text with a SimpleDateFormat pattern, in timeZone (default UTC) unless the text has an offset. Without a pattern the subject is converted as for format (epoch millis, ...). The whole text must match.",
    build: (site, subject, args) => {
      const pattern = args[0] === undefined ? undefined : patternGetter(site, args[0]);
      const zone = zoneGetter(site, args[1]);
      return (a, x) => {
        const v = subject(a, x);
        if (v === null) return null;
        if (v instanceof Date) return v;
        if (pattern === undefined || typeof v !== "string") {
          const ms = toDateValue(v, site);
          return ms === null ? null : new Date(ms);
        }
        const s = str(v);
        if (s.trim() === "") return null;
        try {
          return new Date(parseDate(s, pattern(a, x), zone(a, x)));
        } catch (e) {
          throw evalError(site, message(e));
        }
      };
    },
  },
  {
    name: "isValidDate", subject: "required", params: [p("pattern"), p("timeZone", "any", true)], pure: true, returns: "boolean", category: "Dates and instants",
    summary: "True if the subject (trimmed) parses with the pattern (in timeZone); false otherwise, a missing subject included.",
    example: ["${literal('2024-02-30'):isValidDate('yyyy-MM-dd')}", "false"],
    build: (site, subject, args) => {
      const pattern = patternGetter(site, args[0]);
      const zone = zoneGetter(site, args[1]);
      return (a, x) => {
        const v = subject(a, x);
        if (v === null) return false;
        try {
          parseDate(str(v).trim(), pattern(a, x), zone(a, x));
          return true;
        } catch {
          return false;
        }
      };
    },
  },
  durationSpec("plusDuration", 1, "Adds an amount `<n> <unit>` (nanosecond(s), second(s), minute(s), hour(s), day(s), week(s), month(s), year(s)) to a date; days and longer count on the calendar of timeZone (default UTC), so a month from Jan 31 is Feb 28/29.", ["${literal('2024/01/31 10:00:00'):plusDuration('1 month'):format('yyyy-MM-dd')}", "2024-02-29"]),
  durationSpec("minusDuration", -1, "Subtracts an amount `<n> <unit>` from a date, as plusDuration."),
  {
    name: "toInstant", subject: "required", params: [p("pattern", "any", true), p("timeZone", "any", true)], pure: true, returns: "instant", category: "Dates and instants",
    summary: "An instant: text parsed with pattern in timeZone (both needed, as in NiFi), or without arguments from epoch millis or a date.",
    build: (site, subject, args) => {
      if (args.length === 1) throw new ElSyntaxError(`Function 'toInstant' takes no arguments or a pattern and a time zone at position ${site.position}`, site.position);
      const pattern = args[0] === undefined ? undefined : patternGetter(site, args[0]);
      const zone = zoneGetter(site, args[1]);
      return (a, x) => {
        const v = subject(a, x);
        if (v === null) return null;
        if (pattern === undefined || typeof v !== "string") return instantOf(v, site);
        try {
          return new ElInstant(parseDate(str(v).trim(), pattern(a, x), zone(a, x)), 0);
        } catch (e) {
          throw evalError(site, message(e));
        }
      };
    },
  },
  {
    name: "formatInstant", subject: "required", params: [p("pattern"), p("timeZone")], pure: true, returns: "string", category: "Dates and instants",
    summary: "Formats an instant (or epoch millis, or a date) with a pattern in timeZone.",
    example: ["${literal(0):formatInstant('yyyy-MM-dd HH:mm', 'UTC')}", "1970-01-01 00:00"],
    build: (site, subject, args) => {
      const pattern = patternGetter(site, args[0]);
      const zone = zoneGetter(site, args[1]);
      return (a, x) => {
        const i = instantOf(subject(a, x), site);
        if (i === null) return null;
        try {
          return formatDate(i.epochMs, pattern(a, x), zone(a, x));
        } catch (e) {
          throw evalError(site, message(e));
        }
      };
    },
  },
  {
    name: "isValidInstant", subject: "required", params: [], pure: true, returns: "boolean", category: "Dates and instants",
    summary: "True if the subject converts to an instant (epoch millis, a date, or text as for format).",
    build: (site, subject) => (a, x) => {
      try {
        return instantOf(subject(a, x), site) !== null;
      } catch {
        return false;
      }
    },
  },
  {
    name: "toMicros", subject: "required", params: [], pure: true, returns: "whole number", category: "Dates and instants",
    summary: "Microseconds since the epoch of an instant.",
    build: (site, subject) => (a, x) => {
      const i = instantOf(subject(a, x), site);
      return i === null ? null : wholeOfBig(BigInt(i.epochMs) * 1000n + BigInt(Math.floor(i.nanoOfMs / 1000)));
    },
  },
  {
    name: "toNanos", subject: "required", params: [], pure: true, returns: "whole number", category: "Dates and instants",
    summary: "Nanoseconds since the epoch of an instant.",
    build: (site, subject) => (a, x) => {
      const i = instantOf(subject(a, x), site);
      return i === null ? null : wholeOfBig(BigInt(i.epochMs) * 1000000n + BigInt(i.nanoOfMs));
    },
  },
  instantDurationSpec("plusInstantDuration", 1),
  instantDurationSpec("minusInstantDuration", -1),

  // --- Lists -------------------------------------------------------------------------------
  listSpec("unique", "Removes repeated items of a list split on the (literal) separator, keeping first occurrences.", ["${literal('a,b,a,c'):unique(',')}", "a,b,c"], (items) => [...new Set(items)]),
  listSpec("compactDelimitedList", "Removes empty items of a list split on the (literal) delimiter.", ["${literal('a,,b,'):compactDelimitedList(',')}", "a,b"], (items) => items.filter((i) => i !== "")),
  listSpec("trimDelimitedList", "Removes empty items at the start and end of a list split on the (literal) delimiter.", ["${literal(',,a,,b,'):trimDelimitedList(',')}", "a,,b"], (items) => {
    let s = 0;
    let e = items.length;
    while (s < e && items[s] === "") s++;
    while (e > s && items[e - 1] === "") e--;
    return items.slice(s, e);
  }),
  {
    name: "evaluateELString", subject: "required", params: [], pure: false, returns: "string", category: "Strings",
    summary: "Evaluates the subject's text as an expression against the same attributes (nested evaluateELString calls are limited to 8 levels).",
    example: ["${query:evaluateELString()}", "SELECT ... 1234 when query is 'SELECT ... ${id}'"],
    build: (site, subject) => (a, x) => {
      const v = subject(a, x);
      if (v === null) return "";
      if (evaluateDepth >= 8) throw evalError(site, "evaluateELString nested too deeply");
      evaluateDepth++;
      try {
        return elEvaluator(str(v), a, x);
      } catch (e) {
        if (e instanceof ElSyntaxError) throw evalError(site, e.message);
        throw e;
      } finally {
        evaluateDepth--;
      }
    },
  },
];

let nextInt = 0;
let evaluateDepth = 0;
let elEvaluator: (text: string, a: ElAttributes, x: ElAttributes | undefined) => string = () => "";

/** Set by the compiler (which imports this table), so evaluateELString can compile text at run time. */
export function setElEvaluator(fn: typeof elEvaluator): void {
  elEvaluator = fn;
}

function wholeOfBig(b: bigint): ElWhole {
  return b >= -9007199254740991n && b <= 9007199254740991n ? Number(b) : b;
}

/** EqualsEvaluator's comparison text: dates as epoch millis, everything else as its text form. */
function normalized(v: ElValue): string {
  return v instanceof Date ? String(v.getTime()) : toText(v);
}

function compileMappings(text: string): Array<[SafeRegex, string]> {
  const out: Array<[SafeRegex, string]> = [];
  for (const mapping of text.split(",")) {
    const [pattern, to] = mapping.trim().split(":");
    if (pattern === undefined || to === undefined || pattern.trim() === "" || to.trim() === "") continue;
    try {
      out.push([compileJavaRegex(pattern, "full"), to]);
    } catch {
      // NiFi skips a mapping whose pattern does not compile.
    }
  }
  return out;
}

function uuidBuild(version: 3 | 5): Build {
  return (site, subject, args) => {
    const ns = getter(args[0], (v) => (v === null ? null : str(v)));
    return (a, x) => {
      const v = subject(a, x);
      if (v === null) return null;
      try {
        return nameUuid(version, ns(a, x), str(v));
      } catch (e) {
        throw evalError(site, message(e));
      }
    };
  };
}

function escapeSpecs(): FunctionSpec[] {
  const table: Array<[string, (s: string) => string, string]> = [
    ["escapeJson", escapeJson, "Escapes for a JSON string: `\"` `\\` `/`, control characters, and everything outside ASCII as `\\uXXXX`."],
    ["unescapeJson", unescapeJson, "Reverses escapeJson (Java escapes: `\\n`, `\\uXXXX`, octal)."],
    ["escapeXml", escapeXml, "Escapes `& < > \" '` as XML 1.0 entities; removes characters XML 1.0 forbids."],
    ["unescapeXml", unescapeXml, "Reverses escapeXml (the five entities and numeric references)."],
    ["escapeCsv", escapeCsv, "Quotes a value containing `,` `\"` CR or LF, doubling its quotes (RFC 4180); other values unchanged."],
    ["unescapeCsv", unescapeCsv, "Reverses escapeCsv."],
    ["escapeHtml3", escapeHtml3, "Escapes `\" & < >` and the ISO-8859-1 characters as HTML 3.2 entities (`&nbsp;` .. `&yuml;`)."],
    ["unescapeHtml3", unescapeHtml3, "Reverses escapeHtml3 (and numeric references)."],
    ["escapeHtml4", escapeHtml4, "Escapes as escapeHtml3 plus HTML 4's symbol, Greek and punctuation entities (`&euro;`, `&alpha;`, `&mdash;`, ...)."],
    ["unescapeHtml4", unescapeHtml4, "Reverses escapeHtml4 (and numeric references)."],
  ];
  return table.map(([name, f, summary]) => ({
    name, subject: "required", params: [], pure: true, returns: "string", category: "Encoding", grows: true,
    summary: summary + " A missing subject gives `''`.",
    build: (site: CallSite, subject: Evaluator) => (a: ElAttributes, x: ElAttributes | undefined) => {
      const v = subject(a, x);
      if (v === null) return "";
      try {
        return f(str(v));
      } catch (e) {
        throw evalError(site, message(e));
      }
    },
  }));
}

/** A duration argument: a literal one is checked when the expression is compiled. */
function durationGetter(site: CallSite, arg: CompiledArg): (a: ElAttributes, x: ElAttributes | undefined) => { amount: number; unit: string } {
  return cachedGetter(
    arg,
    parseDuration,
    (e) => {
      throw new ElSyntaxError(`${message(e)} for '${site.fn}' at position ${arg.position}`, arg.position);
    },
    (e) => {
      throw evalError(site, message(e));
    },
  );
}

function durationSpec(name: string, sign: number, summary: string, example?: readonly [string, string]): FunctionSpec {
  return {
    name, subject: "required", params: [p("amount"), p("timeZone", "any", true)], pure: true, returns: "date", category: "Dates and instants",
    summary: summary + " An invalid literal amount is a validation error.", example,
    build: (site, subject, args) => {
      const amount = durationGetter(site, args[0]);
      const zone = zoneGetter(site, args[1]);
      return (a, x) => {
        const ms = toDateValue(subject(a, x), site);
        if (ms === null) return null;
        return new Date(addDuration(ms, 0, amount(a, x), sign, zone(a, x)).ms);
      };
    },
  };
}

function instantDurationSpec(name: string, sign: number): FunctionSpec {
  return {
    name, subject: "required", params: [p("amount")], pure: true, returns: "instant", category: "Dates and instants",
    summary: `${sign > 0 ? "Adds" : "Subtracts"} an amount \`<n> <unit>\` ${sign > 0 ? "to" : "from"} an instant, days and longer on the UTC calendar.`,
    build: (site, subject, args) => {
      const amount = durationGetter(site, args[0]);
      return (a, x) => {
        const i = instantOf(subject(a, x), site);
        if (i === null) return null;
        const r = addDuration(i.epochMs, i.nanoOfMs, amount(a, x), sign, UTC);
        return new ElInstant(r.ms, r.nanos);
      };
    },
  };
}

function listSpec(name: string, summary: string, example: readonly [string, string], f: (items: string[]) => string[]): FunctionSpec {
  return {
    name, subject: "required", params: [p("delimiter")], pure: true, returns: "string", category: "Lists", example,
    summary: summary + " An empty delimiter leaves the subject as it is; a missing subject gives `''`.",
    build: (_site, subject, args) => {
      const delimiter = getter(args[0], (v) => (v === null ? "" : str(v)));
      return (a, x) => {
        const v = subject(a, x);
        if (v === null) return "";
        const s = str(v);
        const d = delimiter(a, x);
        return d === "" ? s : f(s.split(d)).join(d);
      };
    },
  };
}

/** The function table by name (case-sensitive, as in NiFi). */
export const FUNCTIONS: ReadonlyMap<string, FunctionSpec> = new Map(SPECS.map((s) => [s.name, s]));

/** NiFi 2.x functions Sluice does not have, and why (the reference lists them; using one is a validation error saying so). */
export const NOT_SUPPORTED: ReadonlyArray<{ readonly name: string; readonly reason: string }> = [
  { name: "getStateValue", reason: "Sluice's Expression Language has no access to a processor's state" },
  { name: "thread", reason: "Sluice runs processors on Node.js's event loop, without named threads" },
  { name: "getUri", reason: "not implemented yet" },
  { name: "jsonPathDelete", reason: "Sluice's JSONPath subset reads JSON but does not change it yet" },
  { name: "jsonPathSet", reason: "Sluice's JSONPath subset reads JSON but does not change it yet" },
  { name: "jsonPathAdd", reason: "Sluice's JSONPath subset reads JSON but does not change it yet" },
  { name: "jsonPathPut", reason: "Sluice's JSONPath subset reads JSON but does not change it yet" },
];

/** A `name(a, b?)` signature for messages and docs. */
export function signature(spec: FunctionSpec): string {
  const params = spec.params.map((q) => q.name + (q.optional === true ? "?" : "") + (spec.variadic === true ? ", ..." : ""));
  return `${spec.name}(${params.join(", ")})`;
}

/** One entry for a property editor's autocompletion. */
export interface ElCompletion {
  readonly name: string;
  /** `name(a, b?)`. */
  readonly signature: string;
  /** What to insert: `name()` or `name(` when it takes arguments. */
  readonly insert: string;
  /** "subject": after `:`; "standalone": right after `${`; "both". */
  readonly position: "subject" | "standalone" | "both";
  readonly returns: string;
  readonly summary: string;
}

/** The functions as autocompletion entries, sorted by name. */
export const EL_COMPLETIONS: readonly ElCompletion[] = [...FUNCTIONS.values()]
  .map((f) => ({
    name: f.name,
    signature: signature(f),
    insert: f.params.length === 0 ? `${f.name}()` : `${f.name}(`,
    position: (f.subject === "none" ? "standalone" : f.subjectOptional === true ? "both" : "subject") as ElCompletion["position"],
    returns: f.returns,
    summary: f.summary,
  }))
  .sort((a, b) => a.name.localeCompare(b.name));
