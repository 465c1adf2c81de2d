/**
 * JSONPath (Jayway flavour, as NiFi's EvaluateJsonPath and SplitJson use it).
 *
 * Supported: `$` root, `@` current (in filters), `.name`, `['name']`, `['a','b']` unions,
 * `[n]` and `[-n]` indexes, `[a,b]` index unions, `[start:end:step]` slices, `*` / `[*]`
 * wildcards, `..` deep scan (`..name`, `..*`, `..[0]`), filters `[?(<expr>)]` with `== != < <=
 * > >= =~ /re/flags`, `&&`, `||`, `!`, parentheses, existence tests (`@.isbn`), literals
 * (numbers, 'text', "text", true, false, null) and paths from `@` or `$`; and the trailing
 * functions `length()`, `size()`, `min()`, `max()`, `avg()`, `sum()`, `keys()`.
 *
 * A path is *definite* when it can match at most one value (no wildcard, deep scan, filter,
 * slice or union): a definite path returns that value, an indefinite one a list (Jayway).
 * Filter regexes are Java-style and matched in linear time (no backreferences or lookaround).
 */
import { compileJavaRegex, type SafeRegex } from "./regex";

export type Json = null | boolean | number | string | Json[] | { [k: string]: Json };

type Step =
  | { kind: "name"; names: string[] }
  | { kind: "index"; indexes: number[] }
  | { kind: "slice"; start: number | null; end: number | null; step: number }
  | { kind: "wildcard" }
  | { kind: "deep" }
  | { kind: "filter"; expr: FilterExpr };

type FilterExpr =
  | { op: "or" | "and"; left: FilterExpr; right: FilterExpr }
  | { op: "not"; expr: FilterExpr }
  | { op: "cmp"; cmp: "==" | "!=" | "<" | "<=" | ">" | ">="; left: Operand; right: Operand }
  | { op: "regex"; left: Operand; re: SafeRegex }
  | { op: "exists"; operand: Operand };

type Operand = { kind: "literal"; value: Json } | { kind: "path"; root: "@" | "$"; steps: Step[]; fn: PathFunction | null };

type PathFunction = "length" | "size" | "min" | "max" | "avg" | "sum" | "keys";
const FUNCTIONS: readonly PathFunction[] = ["length", "size", "min", "max", "avg", "sum", "keys"];

/** A compiled path. `evaluate` throws only for bad input types, never for a missing match. */
export interface JsonPath {
  readonly source: string;
  readonly definite: boolean;
  /** Every match, in document order. */
  find(root: Json): Json[];
  /**
   * Jayway's result: for a definite path the single value (or `found: false`); for an
   * indefinite path the list of matches (always found, possibly empty).
   */
  read(root: Json): { found: boolean; value: Json };
}

class Parser {
  i = 0;
  constructor(readonly s: string) {}

  error(msg: string): Error {
    return new Error(`${msg} at position ${this.i} of JSONPath "${this.s}"`);
  }
  peek(n = 0): string {
    return this.s[this.i + n] ?? "";
  }
  ws(): void {
    while (/\s/.test(this.peek())) this.i++;
  }
  eat(t: string): boolean {
    if (this.s.startsWith(t, this.i)) {
      this.i += t.length;
      return true;
    }
    return false;
  }
  expect(t: string): void {
    if (!this.eat(t)) throw this.error(`expected '${t}'`);
  }

  /** Steps after a root; stops at end, or at a character that cannot continue a path (in filters). */
  steps(inFilter: boolean): { steps: Step[]; fn: PathFunction | null } {
    const steps: Step[] = [];
    let fn: PathFunction | null = null;
    for (;;) {
      if (this.eat("..")) {
        steps.push({ kind: "deep" });
        if (this.peek() === "[") continue;
        if (this.eat("*")) {
          steps.push({ kind: "wildcard" });
          continue;
        }
        steps.push({ kind: "name", names: [this.name()] });
        continue;
      }
      if (this.peek() === ".") {
        this.i++;
        if (this.eat("*")) {
          steps.push({ kind: "wildcard" });
          continue;
        }
        const name = this.name();
        if (this.peek() === "(" && (FUNCTIONS as readonly string[]).includes(name)) {
          this.expect("(");
          this.ws();
          this.expect(")");
          fn = name as PathFunction;
          if (!inFilter && this.i < this.s.length) throw this.error("a function must end the path");
          return { steps, fn };
        }
        steps.push({ kind: "name", names: [name] });
        continue;
      }
      if (this.peek() === "[") {
        this.i++;
        this.ws();
        steps.push(this.bracket());
        this.ws();
        this.expect("]");
        continue;
      }
      if (this.i >= this.s.length || inFilter) return { steps, fn };
      throw this.error(`unexpected '${this.peek()}'`);
    }
  }

  name(): string {
    const m = /^[^.[\]()\s=!<>&|,'"~]+/.exec(this.s.slice(this.i));
    if (!m) throw this.error("expected a property name");
    this.i += m[0].length;
    return m[0];
  }

  quoted(): string {
    const q = this.peek();
    this.i++;
    let out = "";
    while (this.i < this.s.length && this.peek() !== q) {
      if (this.peek() === "\\") {
        this.i++;
        const c = this.peek();
        out += c === "n" ? "\n" : c === "t" ? "\t" : c;
      } else out += this.peek();
      this.i++;
    }
    if (this.peek() !== q) throw this.error("unterminated string");
    this.i++;
    return out;
  }

  int(): number | null {
    const m = /^-?\d+/.exec(this.s.slice(this.i));
    if (!m) return null;
    this.i += m[0].length;
    return Number(m[0]);
  }

  bracket(): Step {
    const c = this.peek();
    if (c === "*") {
      this.i++;
      return { kind: "wildcard" };
    }
    if (c === "'" || c === '"') {
      const names = [this.quoted()];
      this.ws();
      while (this.eat(",")) {
        this.ws();
        if (this.peek() !== "'" && this.peek() !== '"') throw this.error("expected a quoted name");
        names.push(this.quoted());
        this.ws();
      }
      return { kind: "name", names };
    }
    if (c === "?") {
      this.i++;
      this.ws();
      this.expect("(");
      const expr = this.orExpr();
      this.ws();
      this.expect(")");
      return { kind: "filter", expr };
    }
    // Index, union of indexes, or slice.
    const first = this.int();
    this.ws();
    if (this.peek() === ":") {
      this.i++;
      this.ws();
      const end = this.int();
      this.ws();
      let step = 1;
      if (this.eat(":")) {
        this.ws();
        step = this.int() ?? 1;
        if (step === 0) throw this.error("slice step must not be 0");
      }
      return { kind: "slice", start: first, end, step };
    }
    if (first === null) throw this.error("expected an index, a quoted name, '*', a slice or a filter");
    const indexes = [first];
    while (this.eat(",")) {
      this.ws();
      const n = this.int();
      if (n === null) throw this.error("expected an index");
      indexes.push(n);
      this.ws();
    }
    return { kind: "index", indexes };
  }

  orExpr(): FilterExpr {
    let left = this.andExpr();
    for (;;) {
      this.ws();
      if (!this.eat("||")) return left;
      left = { op: "or", left, right: this.andExpr() };
    }
  }
  andExpr(): FilterExpr {
    let left = this.unary();
    for (;;) {
      this.ws();
      if (!this.eat("&&")) return left;
      left = { op: "and", left, right: this.unary() };
    }
  }
  unary(): FilterExpr {
    this.ws();
    if (this.peek() === "!" && this.peek(1) !== "=") {
      this.i++;
      return { op: "not", expr: this.unary() };
    }
    if (this.peek() === "(") {
      this.i++;
      const e = this.orExpr();
      this.ws();
      this.expect(")");
      return e;
    }
    const left = this.operand();
    this.ws();
    if (this.eat("=~")) {
      this.ws();
      if (this.peek() !== "/") throw this.error("expected /regex/ after =~");
      const end = this.s.indexOf("/", this.i + 1);
      if (end < 0) throw this.error("unterminated regex");
      const body = this.s.slice(this.i + 1, end);
      this.i = end + 1;
      const flags = /^[a-z]*/.exec(this.s.slice(this.i))?.[0] ?? "";
      this.i += flags.length;
      let re: SafeRegex;
      try {
        // Jayway matches the whole value (Java's matches()); `u` is implied.
        re = compileJavaRegex(body, "full", flags.replace(/[^ims]/g, ""));
      } catch (e) {
        throw this.error(`bad regex: ${(e as Error).message}`);
      }
      return { op: "regex", left, re };
    }
    for (const cmp of ["==", "!=", "<=", ">=", "<", ">"] as const) {
      if (this.eat(cmp)) {
        this.ws();
        return { op: "cmp", cmp, left, right: this.operand() };
      }
    }
    return { op: "exists", operand: left };
  }
  operand(): Operand {
    this.ws();
    const c = this.peek();
    if (c === "@" || c === "$") {
      this.i++;
      const { steps, fn } = this.steps(true);
      return { kind: "path", root: c, steps, fn };
    }
    if (c === "'" || c === '"') return { kind: "literal", value: this.quoted() };
    const num = /^-?\d+(\.\d+)?([eE][+-]?\d+)?/.exec(this.s.slice(this.i));
    if (num) {
      this.i += num[0].length;
      return { kind: "literal", value: Number(num[0]) };
    }
    for (const [word, value] of [["true", true], ["false", false], ["null", null]] as const) {
      if (this.eat(word)) return { kind: "literal", value };
    }
    throw this.error("expected a value or a path in the filter");
  }
}

function isObject(v: Json): v is { [k: string]: Json } {
  return v !== null && typeof v === "object" && !Array.isArray(v);
}

function children(v: Json): Json[] {
  if (Array.isArray(v)) return v;
  if (isObject(v)) return Object.values(v);
  return [];
}

function deep(v: Json, out: Json[]): void {
  out.push(v);
  for (const c of children(v)) deep(c, out);
}

function applyStep(step: Step, nodes: Json[], root: Json): Json[] {
  const out: Json[] = [];
  for (const n of nodes) {
    switch (step.kind) {
      case "name":
        if (isObject(n)) for (const name of step.names) if (Object.prototype.hasOwnProperty.call(n, name)) out.push(n[name] as Json);
        break;
      case "index":
        if (Array.isArray(n)) {
          for (const i of step.indexes) {
            const k = i < 0 ? n.length + i : i;
            if (k >= 0 && k < n.length) out.push(n[k] as Json);
          }
        }
        break;
      case "slice":
        if (Array.isArray(n)) {
          const len = n.length;
          const norm = (x: number) => (x < 0 ? Math.max(0, len + x) : Math.min(x, len));
          if (step.step > 0) {
            for (let k = norm(step.start ?? 0); k < norm(step.end ?? len); k += step.step) out.push(n[k] as Json);
          } else {
            const start = step.start === null ? len - 1 : Math.min(norm(step.start), len - 1);
            const end = step.end === null ? -1 : norm(step.end);
            for (let k = start; k > end; k += step.step) out.push(n[k] as Json);
          }
        }
        break;
      case "wildcard":
        out.push(...children(n));
        break;
      case "deep":
        deep(n, out);
        break;
      case "filter":
        for (const c of children(n)) if (test(step.expr, c, root)) out.push(c);
        break;
    }
  }
  return out;
}

function run(steps: readonly Step[], start: Json, root: Json): Json[] {
  let nodes: Json[] = [start];
  for (const s of steps) {
    nodes = applyStep(s, nodes, root);
    if (nodes.length === 0) break;
  }
  return nodes;
}

function applyFunction(fn: PathFunction, values: Json[], definite: boolean): Json | undefined {
  const target: Json = definite ? (values[0] ?? null) : values;
  if (fn === "length" || fn === "size") {
    if (Array.isArray(target)) return target.length;
    if (typeof target === "string") return target.length;
    if (isObject(target)) return Object.keys(target).length;
    return undefined;
  }
  if (fn === "keys") return isObject(target) ? Object.keys(target) : undefined;
  const nums = (Array.isArray(target) ? target : [target]).filter((x): x is number => typeof x === "number");
  if (nums.length === 0) return undefined;
  if (fn === "min") return Math.min(...nums);
  if (fn === "max") return Math.max(...nums);
  const sum = nums.reduce((a, b) => a + b, 0);
  return fn === "sum" ? sum : sum / nums.length;
}

function isDefinite(steps: readonly Step[]): boolean {
  return steps.every((s) => (s.kind === "name" && s.names.length === 1) || (s.kind === "index" && s.indexes.length === 1));
}

function operandValues(o: Operand, current: Json, root: Json): Json[] {
  if (o.kind === "literal") return [o.value];
  const found = run(o.steps, o.root === "@" ? current : root, root);
  if (o.fn) {
    const v = applyFunction(o.fn, found, isDefinite(o.steps));
    return v === undefined ? [] : [v];
  }
  return found;
}

function equal(a: Json, b: Json): boolean {
  if (a === b) return true;
  if (typeof a === "object" && typeof b === "object" && a !== null && b !== null) return JSON.stringify(a) === JSON.stringify(b);
  return false;
}

function compare(cmp: "==" | "!=" | "<" | "<=" | ">" | ">=", a: Json, b: Json): boolean {
  if (cmp === "==") return equal(a, b);
  if (cmp === "!=") return !equal(a, b);
  if (!((typeof a === "number" && typeof b === "number") || (typeof a === "string" && typeof b === "string"))) return false;
  switch (cmp) {
    case "<":
      return a < b;
    case "<=":
      return a <= b;
    case ">":
      return a > b;
    default:
      return a >= b;
  }
}

function test(e: FilterExpr, current: Json, root: Json): boolean {
  switch (e.op) {
    case "or":
      return test(e.left, current, root) || test(e.right, current, root);
    case "and":
      return test(e.left, current, root) && test(e.right, current, root);
    case "not":
      return !test(e.expr, current, root);
    case "exists":
      return operandValues(e.operand, current, root).length > 0;
    case "regex":
      return operandValues(e.left, current, root).some((v) => typeof v === "string" && e.re.test(v));
    case "cmp": {
      const left = operandValues(e.left, current, root);
      const right = operandValues(e.right, current, root);
      if (left.length === 0 || right.length === 0) return e.cmp === "!=" && left.length !== right.length;
      return compare(e.cmp, left[0] as Json, right[0] as Json);
    }
  }
}

/** Compiles a JSONPath; throws an Error (with the position) when it is malformed. */
export function compileJsonPath(source: string): JsonPath {
  const p = new Parser(source.trim());
  if (!p.eat("$")) throw p.error("a JSONPath starts with $");
  const { steps, fn } = p.steps(false);
  const definite = isDefinite(steps) || fn !== null;
  const stepsDefinite = isDefinite(steps);
  return {
    source,
    definite,
    find: (root) => run(steps, root, root),
    read(root) {
      const found = run(steps, root, root);
      if (fn) {
        const v = applyFunction(fn, found, stepsDefinite);
        return v === undefined ? { found: false, value: null } : { found: true, value: v };
      }
      if (definite) return found.length ? { found: true, value: found[0] as Json } : { found: false, value: null };
      return { found: true, value: found };
    },
  };
}

/** Returns a validation message, or null when the path compiles. */
export function jsonPathProblem(source: string): string | null {
  try {
    compileJsonPath(source);
    return null;
  } catch (e) {
    return `not a valid JSONPath: ${(e as Error).message}`;
  }
}

/** True for values NiFi treats as scalars (not an object or array). */
export function isScalar(v: Json): v is null | boolean | number | string {
  return v === null || typeof v !== "object";
}
