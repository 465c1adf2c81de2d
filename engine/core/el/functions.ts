/**
 * The function table. Each entry declares its shape (subject, parameters) for compile-time
 * checks and docs, and a `build` that turns compiled subject and arguments into one closure.
 *
 * Builders do per-expression work once: a literal regex, date pattern, time zone or number
 * argument is converted when the expression is compiled, not per FlowFile, and a literal
 * that can never work is a syntax error pointing at that argument.
 */
import { randomUUID } from "node:crypto";
import { compileDatePattern, DateError, formatDate, parseDate, resolveZone, UTC, type DatePattern, type Zone } from "./dates";
import { ElEvaluationError, ElSyntaxError } from "./errors";
import { compileJavaRegex, compileJavaReplacement, RegexError, type RegexMode, type SafeRegex } from "./regex";
import { isTruthy, show, toNumberArg, toNumberOrNull, toText, type CallSite, type ElAttributes, type ElValue, type Evaluator } from "./values";

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

/** One Expression Language function. */
export interface FunctionSpec {
  readonly name: string;
  /** "required": `${x:fn()}` only; "none": `${fn()}` only. */
  readonly subject: "required" | "none";
  readonly params: readonly ParamSpec[];
  /** The last parameter repeats (e.g. `in('a', 'b', ...)`). */
  readonly variadic?: boolean;
  /** Same inputs, same output, no side effects: may be folded at compile time. */
  readonly pure: boolean;
  /** Returned type, for docs. */
  readonly returns: string;
  readonly summary: string;
  build(site: CallSite, subject: Evaluator, args: readonly CompiledArg[]): Evaluator;
}

type Build = FunctionSpec["build"];

const p = (name: string, kind: ParamSpec["kind"] = "any", optional = false): ParamSpec => ({ name, kind, optional });

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
function stringFn(f: (s: string) => ElValue): Build {
  return (_site, subject) => (a, x) => {
    const v = subject(a, x);
    return v === null ? null : f(typeof v === "string" ? v : toText(v));
  };
}

/** Subject and one string argument; a null subject gives `onNull`. */
function stringArgFn(onNull: ElValue, f: (s: string, arg: string) => ElValue): Build {
  return (_site, subject, args) => {
    const arg = getter(args[0], str);
    return (a, x) => {
      const v = subject(a, x);
      if (v === null) return onNull;
      return f(typeof v === "string" ? v : toText(v), arg(a, x));
    };
  };
}

/** Subject and a regex argument; a null subject gives `onNull`. */
function regexFn(mode: RegexMode, onNull: ElValue, f: (s: string, re: SafeRegex) => ElValue): Build {
  return (site, subject, args) => {
    const re = regexGetter(site, args[0], mode);
    return (a, x) => {
      const v = subject(a, x);
      if (v === null) return onNull;
      return f(typeof v === "string" ? v : toText(v), re(a, x));
    };
  };
}

/** Numeric comparison; false when either side is empty. */
function compareFn(test: (l: number, r: number) => boolean): Build {
  return (site, subject, args) => {
    const arg = args[0];
    const constant = constantOf(arg, (v) => toNumberOrNull(v, site));
    if (constant !== undefined) {
      const r = constant.value;
      if (r === null) return () => false;
      return (a, x) => {
        const v = subject(a, x);
        const l = typeof v === "number" ? v : toNumberOrNull(v, site);
        return l !== null && test(l, r);
      };
    }
    const fn = arg.fn;
    return (a, x) => {
      const l = toNumberOrNull(subject(a, x), site);
      if (l === null) return false;
      const r = toNumberOrNull(fn(a, x), site);
      return r !== null && test(l, r);
    };
  };
}

/** Arithmetic; null when either side is empty. */
function mathFn(op: (l: number, r: number, site: CallSite) => number): Build {
  return (site, subject, args) => {
    const arg = getter(args[0], (v) => toNumberOrNull(v, site));
    return (a, x) => {
      const l = toNumberOrNull(subject(a, x), site);
      if (l === null) return null;
      const r = arg(a, x);
      return r === null ? null : op(l, r, site);
    };
  };
}

function numberArg(site: CallSite, arg: CompiledArg, what: string): (a: ElAttributes, x: ElAttributes | undefined) => number {
  return getter(arg, (v) => toNumberArg(v, site, what));
}

function clampIndex(n: number, length: number): number {
  const i = Math.trunc(n);
  return i < 0 ? 0 : i > length ? length : i;
}

/** Java's URLEncoder.encode(s, UTF-8): form encoding, space as '+', only .-*_ left as is. */
function urlEncode(s: string): string {
  return encodeURIComponent(s)
    .replace(/%20/g, "+")
    .replace(/[!'()~]/g, (c) => "%" + c.charCodeAt(0).toString(16).toUpperCase());
}

const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}(?:==)?|[A-Za-z0-9+/]{3}=?)?$/;
const BASE64_URL = /^[A-Za-z0-9_-]*$/;

function toDateValue(v: ElValue, site: CallSite): number | null {
  if (v === null) return null;
  if (v instanceof Date) return v.getTime();
  if (typeof v === "number") return v;
  if (typeof v === "string" && /^\s*-?\d+\s*$/.test(v)) return Number(v);
  if (typeof v === "string" && v.trim() === "") return null;
  throw evalError(site, `Cannot use ${show(v)} as a date: expected a date or epoch milliseconds (parse text with toDate(pattern) first)`);
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
    const length = numberArg(site, args[0], "the desired length");
    const padArg = args[1] === undefined ? () => "_" : getter(args[1], str);
    return (a, x) => {
      const v = subject(a, x);
      if (v === null) return null;
      const s = str(v);
      const fill = padArg(a, x);
      const n = Math.trunc(length(a, x));
      if (fill === "" || s.length >= n) return s;
      return side === "left" ? s.padStart(n, fill) : s.padEnd(n, fill);
    };
  };
}

const SPECS: FunctionSpec[] = [
  // --- Subjectless -------------------------------------------------------------------------
  {
    name: "now", subject: "none", params: [], pure: false, returns: "date",
    summary: "The current time.",
    build: () => () => new Date(),
  },
  {
    name: "UUID", subject: "none", params: [], pure: false, returns: "string",
    summary: "A random type 4 UUID.",
    build: () => () => randomUUID(),
  },
  {
    name: "literal", subject: "none", params: [p("value")], pure: true, returns: "any",
    summary: "The argument itself: `${literal('x')}`, `${literal(5)}`, `${literal(true)}`.",
    build: (_site, _subject, args) => args[0].fn,
  },

  // --- Strings -----------------------------------------------------------------------------
  {
    name: "toUpper", subject: "required", params: [], pure: true, returns: "string",
    summary: "Upper case (locale-independent).",
    build: stringFn((s) => s.toUpperCase()),
  },
  {
    name: "toLower", subject: "required", params: [], pure: true, returns: "string",
    summary: "Lower case (locale-independent).",
    build: stringFn((s) => s.toLowerCase()),
  },
  {
    name: "trim", subject: "required", params: [], pure: true, returns: "string",
    summary: "Removes leading and trailing whitespace.",
    build: stringFn((s) => s.trim()),
  },
  {
    name: "length", subject: "required", params: [], pure: true, returns: "number",
    summary: "Length in UTF-16 code units, as Java's String.length(); 0 for a missing value.",
    build: (_site, subject) => (a, x) => {
      const v = subject(a, x);
      return v === null ? 0 : str(v).length;
    },
  },
  {
    name: "substring", subject: "required", params: [p("start", "number"), p("end", "number", true)], pure: true, returns: "string",
    summary: "Characters from start (inclusive) to end (exclusive, default: the end). Indices are clamped to the string, where Java would throw.",
    build: (site, subject, args) => {
      const start = numberArg(site, args[0], "the start index");
      const end = args[1] === undefined ? undefined : numberArg(site, args[1], "the end index");
      return (a, x) => {
        const v = subject(a, x);
        if (v === null) return null;
        const s = str(v);
        const from = clampIndex(start(a, x), s.length);
        const to = end === undefined ? s.length : clampIndex(end(a, x), s.length);
        return to <= from ? "" : s.slice(from, to);
      };
    },
  },
  {
    name: "substringBefore", subject: "required", params: [p("value")], pure: true, returns: "string",
    summary: "Text before the first occurrence of value; the whole subject if value does not occur.",
    build: stringArgFn(null, (s, d) => {
      const i = s.indexOf(d);
      return i < 0 ? s : s.slice(0, i);
    }),
  },
  {
    name: "substringBeforeLast", subject: "required", params: [p("value")], pure: true, returns: "string",
    summary: "Text before the last occurrence of value; the whole subject if value does not occur.",
    build: stringArgFn(null, (s, d) => {
      const i = s.lastIndexOf(d);
      return i < 0 ? s : s.slice(0, i);
    }),
  },
  {
    name: "substringAfter", subject: "required", params: [p("value")], pure: true, returns: "string",
    summary: "Text after the first occurrence of value; the whole subject if value does not occur.",
    build: stringArgFn(null, (s, d) => {
      const i = s.indexOf(d);
      return i < 0 ? s : s.slice(i + d.length);
    }),
  },
  {
    name: "substringAfterLast", subject: "required", params: [p("value")], pure: true, returns: "string",
    summary: "Text after the last occurrence of value; the whole subject if value does not occur.",
    build: stringArgFn(null, (s, d) => {
      const i = s.lastIndexOf(d);
      return i < 0 ? s : s.slice(i + d.length);
    }),
  },
  {
    name: "append", subject: "required", params: [p("value")], pure: true, returns: "string",
    summary: "Subject followed by value; a missing subject counts as empty.",
    build: (_site, subject, args) => {
      const arg = getter(args[0], str);
      return (a, x) => str(subject(a, x)) + arg(a, x);
    },
  },
  {
    name: "prepend", subject: "required", params: [p("value")], pure: true, returns: "string",
    summary: "Value followed by subject; a missing subject counts as empty.",
    build: (_site, subject, args) => {
      const arg = getter(args[0], str);
      return (a, x) => {
        const s = str(subject(a, x));
        return arg(a, x) + s;
      };
    },
  },
  {
    name: "replace", subject: "required", params: [p("search"), p("replacement")], pure: true, returns: "string",
    summary: "Replaces every occurrence of the literal search text.",
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
    name: "replaceFirst", subject: "required", params: [p("regex"), p("replacement")], pure: true, returns: "string",
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
    name: "replaceAll", subject: "required", params: [p("regex"), p("replacement")], pure: true, returns: "string",
    summary: "Replaces every match of a regular expression; `$1`, `${name}` refer to groups, `\\$` is a literal $.",
    build: (site, subject, args) => {
      const re = regexGetter(site, args[0], "find");
      const replacement = getter(args[1], (v) => compileJavaReplacement(str(v)));
      return (a, x) => {
        const v = subject(a, x);
        return v === null ? null : re(a, x).replaceWith(str(v), replacement(a, x), true);
      };
    },
  },
  {
    name: "replaceNull", subject: "required", params: [p("value")], pure: true, returns: "any",
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
    name: "replaceEmpty", subject: "required", params: [p("value")], pure: true, returns: "any",
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
    name: "padLeft", subject: "required", params: [p("length", "number"), p("padding", "any", true)], pure: true, returns: "string",
    summary: "Pads on the left to length with padding (default `_`).",
    build: pad("left"),
  },
  {
    name: "padRight", subject: "required", params: [p("length", "number"), p("padding", "any", true)], pure: true, returns: "string",
    summary: "Pads on the right to length with padding (default `_`).",
    build: pad("right"),
  },
  {
    name: "indexOf", subject: "required", params: [p("value")], pure: true, returns: "number",
    summary: "Index of the first occurrence of value, or -1.",
    build: stringArgFn(-1, (s, d) => s.indexOf(d)),
  },
  {
    name: "lastIndexOf", subject: "required", params: [p("value")], pure: true, returns: "number",
    summary: "Index of the last occurrence of value, or -1.",
    build: stringArgFn(-1, (s, d) => s.lastIndexOf(d)),
  },
  {
    name: "urlEncode", subject: "required", params: [], pure: true, returns: "string",
    summary: "URL form encoding of the UTF-8 bytes (Java URLEncoder: space becomes `+`).",
    build: stringFn(urlEncode),
  },
  {
    name: "urlDecode", subject: "required", params: [], pure: true, returns: "string",
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
    name: "base64Encode", subject: "required", params: [], pure: true, returns: "string",
    summary: "Base64 of the UTF-8 bytes.",
    build: stringFn((s) => Buffer.from(s, "utf8").toString("base64")),
  },
  {
    name: "base64Decode", subject: "required", params: [], pure: true, returns: "string",
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
  {
    name: "jsonPath", subject: "required", params: [p("path")], pure: true, returns: "any",
    summary: "Reads JSON text with a JSONPath subset (`$`, `.name`, `['name']`, `[n]`, `[*]`, `.*`). Scalars come back as themselves, objects and arrays as JSON text, no match as empty. Invalid JSON is an evaluation error.",
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
        if (v === null) return "";
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

  // --- Searching ---------------------------------------------------------------------------
  {
    name: "equals", subject: "required", params: [p("value")], pure: true, returns: "boolean",
    summary: "Text equality. A missing subject equals only a missing argument.",
    build: (_site, subject, args) => {
      const arg = args[0];
      if (arg.constant) {
        const expected = arg.value === null ? null : str(arg.value);
        return (a, x) => {
          const v = subject(a, x);
          if (v === null || expected === null) return v === expected;
          return (typeof v === "string" ? v : toText(v)) === expected;
        };
      }
      const fn = arg.fn;
      return (a, x) => {
        const v = subject(a, x);
        const w = fn(a, x);
        if (v === null || w === null) return v === w;
        return str(v) === str(w);
      };
    },
  },
  {
    name: "equalsIgnoreCase", subject: "required", params: [p("value")], pure: true, returns: "boolean",
    summary: "Text equality ignoring case.",
    build: (_site, subject, args) => {
      const arg = args[0].fn;
      return (a, x) => {
        const v = subject(a, x);
        const w = arg(a, x);
        if (v === null || w === null) return v === w;
        return str(v).toLowerCase() === str(w).toLowerCase();
      };
    },
  },
  {
    name: "in", subject: "required", params: [p("value")], variadic: true, pure: true, returns: "boolean",
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
    name: "contains", subject: "required", params: [p("value")], pure: true, returns: "boolean",
    summary: "True if value occurs in the subject; false for a missing subject.",
    build: stringArgFn(false, (s, d) => s.includes(d)),
  },
  {
    name: "startsWith", subject: "required", params: [p("value")], pure: true, returns: "boolean",
    summary: "True if the subject starts with value; false for a missing subject.",
    build: stringArgFn(false, (s, d) => s.startsWith(d)),
  },
  {
    name: "endsWith", subject: "required", params: [p("value")], pure: true, returns: "boolean",
    summary: "True if the subject ends with value; false for a missing subject.",
    build: stringArgFn(false, (s, d) => s.endsWith(d)),
  },
  {
    name: "matches", subject: "required", params: [p("regex")], pure: true, returns: "boolean",
    summary: "True if the regular expression matches the whole subject (Java `matches`).",
    build: regexFn("full", false, (s, re) => re.test(s)),
  },
  {
    name: "find", subject: "required", params: [p("regex")], pure: true, returns: "boolean",
    summary: "True if the regular expression matches anywhere in the subject.",
    build: regexFn("find", false, (s, re) => re.test(s)),
  },

  // --- Null and empty ----------------------------------------------------------------------
  {
    name: "isNull", subject: "required", params: [], pure: true, returns: "boolean",
    summary: "True if the subject is missing.",
    build: (_site, subject) => (a, x) => subject(a, x) === null,
  },
  {
    name: "notNull", subject: "required", params: [], pure: true, returns: "boolean",
    summary: "True if the subject is present (possibly empty).",
    build: (_site, subject) => (a, x) => subject(a, x) !== null,
  },
  {
    name: "isEmpty", subject: "required", params: [], pure: true, returns: "boolean",
    summary: "True if the subject is missing, empty or only whitespace.",
    build: (_site, subject) => (a, x) => {
      const v = subject(a, x);
      return v === null || str(v).trim() === "";
    },
  },

  // --- Boolean logic -----------------------------------------------------------------------
  {
    name: "not", subject: "required", params: [], pure: true, returns: "boolean",
    summary: "Negation. The subject is true iff it is true or the text \"true\" (any case).",
    build: (_site, subject) => (a, x) => !isTruthy(subject(a, x)),
  },
  {
    name: "and", subject: "required", params: [p("condition")], pure: true, returns: "boolean",
    summary: "Both true. The argument is not evaluated when the subject is false.",
    build: (_site, subject, args) => {
      const arg = args[0].fn;
      return (a, x) => isTruthy(subject(a, x)) && isTruthy(arg(a, x));
    },
  },
  {
    name: "or", subject: "required", params: [p("condition")], pure: true, returns: "boolean",
    summary: "Either true. The argument is not evaluated when the subject is true.",
    build: (_site, subject, args) => {
      const arg = args[0].fn;
      return (a, x) => isTruthy(subject(a, x)) || isTruthy(arg(a, x));
    },
  },
  {
    name: "ifElse", subject: "required", params: [p("then"), p("else")], pure: true, returns: "any",
    summary: "The first argument if the subject is true, else the second; only the chosen one is evaluated.",
    build: (_site, subject, args) => {
      const yes = args[0].fn;
      const no = args[1].fn;
      return (a, x) => (isTruthy(subject(a, x)) ? yes(a, x) : no(a, x));
    },
  },

  // --- Numbers -----------------------------------------------------------------------------
  {
    name: "toNumber", subject: "required", params: [], pure: true, returns: "number",
    summary: "Parses a decimal number (sign, fraction and exponent allowed; whitespace trimmed). A date gives epoch millis; missing or blank gives empty; anything else is an evaluation error.",
    build: (site, subject) => (a, x) => {
      const v = subject(a, x);
      return typeof v === "number" ? v : toNumberOrNull(v, site);
    },
  },
  {
    name: "toString", subject: "required", params: [], pure: true, returns: "string",
    summary: "The text form of the subject; `''` for a missing value.",
    build: (_site, subject) => (a, x) => toText(subject(a, x)),
  },
  {
    name: "plus", subject: "required", params: [p("number", "number")], pure: true, returns: "number",
    summary: "Addition.",
    build: mathFn((l, r) => l + r),
  },
  {
    name: "minus", subject: "required", params: [p("number", "number")], pure: true, returns: "number",
    summary: "Subtraction.",
    build: mathFn((l, r) => l - r),
  },
  {
    name: "multiply", subject: "required", params: [p("number", "number")], pure: true, returns: "number",
    summary: "Multiplication.",
    build: mathFn((l, r) => l * r),
  },
  {
    name: "divide", subject: "required", params: [p("number", "number")], pure: true, returns: "number",
    summary: "Division (floating point, unlike NiFi's whole-number division). Dividing by zero is an evaluation error.",
    build: mathFn((l, r, site) => {
      if (r === 0) throw evalError(site, "Division by zero");
      return l / r;
    }),
  },
  {
    name: "mod", subject: "required", params: [p("number", "number")], pure: true, returns: "number",
    summary: "Remainder (sign of the subject, as in Java). Modulo zero is an evaluation error.",
    build: mathFn((l, r, site) => {
      if (r === 0) throw evalError(site, "Modulo by zero");
      return l % r;
    }),
  },
  {
    name: "gt", subject: "required", params: [p("number", "number")], pure: true, returns: "boolean",
    summary: "Subject > number; false if either is missing.",
    build: compareFn((l, r) => l > r),
  },
  {
    name: "ge", subject: "required", params: [p("number", "number")], pure: true, returns: "boolean",
    summary: "Subject >= number; false if either is missing.",
    build: compareFn((l, r) => l >= r),
  },
  {
    name: "lt", subject: "required", params: [p("number", "number")], pure: true, returns: "boolean",
    summary: "Subject < number; false if either is missing.",
    build: compareFn((l, r) => l < r),
  },
  {
    name: "le", subject: "required", params: [p("number", "number")], pure: true, returns: "boolean",
    summary: "Subject <= number; false if either is missing.",
    build: compareFn((l, r) => l <= r),
  },

  // --- Dates -------------------------------------------------------------------------------
  {
    name: "format", subject: "required", params: [p("pattern"), p("timeZone", "any", true)], pure: true, returns: "string",
    summary: "Formats a date (or epoch millis) with a SimpleDateFormat pattern, in timeZone (default UTC).",
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
    name: "toDate", subject: "required", params: [p("pattern", "any", true), p("timeZone", "any", true)], pure: true, returns: "date",
    summary: "Parses text with a SimpleDateFormat pattern, in timeZone (default UTC) unless the text has an offset. Without a pattern the subject must be epoch millis. The whole text must match.",
    build: (site, subject, args) => {
      const pattern = args[0] === undefined ? undefined : patternGetter(site, args[0]);
      const zone = zoneGetter(site, args[1]);
      return (a, x) => {
        const v = subject(a, x);
        if (v === null) return null;
        if (v instanceof Date) return v;
        if (pattern === undefined || typeof v === "number") {
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
];

/** The function table by name (case-sensitive, as in NiFi). */
export const FUNCTIONS: ReadonlyMap<string, FunctionSpec> = new Map(SPECS.map((s) => [s.name, s]));

/** A `name(a, b?)` signature for messages and docs. */
export function signature(spec: FunctionSpec): string {
  const params = spec.params.map((q) => q.name + (q.optional === true ? "?" : "") + (spec.variadic === true ? ", ..." : ""));
  return `${spec.name}(${params.join(", ")})`;
}
