/**
 * Compiler: syntax tree → closures. Everything that can be decided once is decided here:
 * function lookup, arity, literal arguments (regexes, date patterns, zones, numbers), and
 * constant folding of pure calls on literals. What is left per FlowFile is a tree of small
 * closures with no allocation beyond the values they produce.
 */
import { ElEvaluationError, ElSyntaxError } from "./errors";
import { boundedBy, FUNCTIONS, MAX_RESULT_LENGTH, MULTI_SOURCES, NOT_SUPPORTED, setElEvaluator, signature, splitter, tooLong, type CompiledArg, type FunctionSpec } from "./functions";
import { parse, type ArgNode, type CallNode, type ExprNode, type TemplateNode } from "./parser";
import { compileJavaRegex } from "./regex";
import { isTruthy, toText, type ElAttributes, type ElValue, type Evaluator } from "./values";

/** A property value compiled once and evaluated per FlowFile. See `compile` in index.ts. */
export interface CompiledExpression {
  /** The text this was compiled from. */
  readonly text: string;
  /**
   * True when the result never changes: no attribute lookups and no `now()`/`UUID()`, e.g.
   * plain text, `$${x}` or `${literal('a'):toUpper()}`. Callers may evaluate once and reuse.
   */
  readonly isLiteral: boolean;
  /** Attribute names read by the expression (including nested ones), first use first, no duplicates. */
  readonly referencedAttributes: string[];
  /**
   * The text with every expression replaced by the text form of its value (missing → "",
   * integers without ".0", booleans "true"/"false"). An attribute is looked up in
   * `attributes` first, then in `extra` (variables, parameters).
   * @throws ElEvaluationError when a function fails for these values (e.g. toNumber on "abc").
   */
  evaluate(attributes: ElAttributes, extra?: ElAttributes): string;
  /**
   * Like evaluate, but when the text is exactly one expression the value keeps its type
   * (boolean, number, Date, or null for a missing attribute); otherwise the result text.
   * Conditions use `isTruthy(value)`.
   * @throws ElEvaluationError as evaluate.
   */
  evaluateValue(attributes: ElAttributes, extra?: ElAttributes): ElValue;
}

interface Compiled {
  readonly fn: Evaluator;
  readonly constant: boolean;
  readonly value: ElValue;
}

const EMPTY: ElAttributes = Object.freeze({});

function attributeLookup(name: string): Evaluator {
  // typeof guards against inherited members ("constructor", "__proto__") of a plain object.
  return (a, x) => {
    const v = a[name];
    if (typeof v === "string") return v;
    if (x !== undefined) {
      const w = x[name];
      if (typeof w === "string") return w;
    }
    return null;
  };
}

/** The value of an attribute whose name is computed per evaluation. */
function lookupName(a: ElAttributes, x: ElAttributes | undefined, name: string): ElValue {
  if (Object.prototype.hasOwnProperty.call(a, name)) return a[name];
  if (x !== undefined && Object.prototype.hasOwnProperty.call(x, name)) return x[name];
  return null;
}

function distance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    let prev = row[0];
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const tmp = row[j];
      row[j] = Math.min(row[j] + 1, row[j - 1] + 1, prev + (a[i - 1] === b[j - 1] ? 0 : 1));
      prev = tmp;
    }
  }
  return row[b.length];
}

function suggestion(name: string): string {
  let best: string | undefined;
  let bestDistance = 3;
  for (const candidate of FUNCTIONS.keys()) {
    const d = candidate.toLowerCase() === name.toLowerCase() ? 0 : distance(name, candidate);
    if (d < bestDistance) {
      best = candidate;
      bestDistance = d;
    }
  }
  return best === undefined ? "" : `; did you mean '${best}'?`;
}

function lookup(name: string, position: number, hasSubject: boolean): FunctionSpec {
  const spec = FUNCTIONS.get(name);
  if (spec === undefined) {
    const missing = NOT_SUPPORTED.find((n) => n.name === name);
    if (missing !== undefined) throw new ElSyntaxError(`Function '${name}' at position ${position} is not supported: ${missing.reason}`, position);
    throw new ElSyntaxError(`Unknown function '${name}' at position ${position}${suggestion(name)}`, position);
  }
  const call = spec.params.length === 0 ? `${name}()` : `${name}(...)`;
  if (spec.subject === "none" && hasSubject) {
    throw new ElSyntaxError(`Function '${name}' does not take a subject (write \${${call}}) at position ${position}`, position);
  }
  if (spec.subject === "required" && !hasSubject && spec.subjectOptional !== true) {
    throw new ElSyntaxError(`Function '${name}' needs a subject (write \${attribute:${call}}) at position ${position}`, position);
  }
  return spec;
}

function checkArity(spec: FunctionSpec, count: number, position: number): void {
  const min = spec.params.filter((q) => q.optional !== true).length;
  const max = spec.variadic === true ? Infinity : spec.params.length;
  if (count >= min && count <= max) return;
  const want = max === Infinity ? `at least ${min}` : min === max ? String(min) : `${min} to ${max}`;
  const noun = max === 1 && min === 1 ? "argument" : "arguments";
  throw new ElSyntaxError(
    `Function '${spec.name}' expects ${want} ${noun} but found ${count} at position ${position} (usage: ${signature(spec)})`,
    position,
  );
}

/** Compiles a template (a quoted argument or attribute name with `${...}` in it) to one string-valued closure. */
function compileTemplate(t: TemplateNode, refs: Set<string>): Compiled {
  const parts = t.expressions.map((e) => compileNode(e, refs));
  if (parts.every((c) => c.constant)) {
    let out = t.literals[0];
    parts.forEach((c, i) => (out += toText(c.value) + t.literals[i + 1]));
    return { fn: () => out, constant: true, value: out };
  }
  const fns = parts.map((c) => c.fn);
  const literals = t.literals;
  return {
    fn: (a, x) => {
      let out = literals[0];
      for (let i = 0; i < fns.length; i++) out += toText(fns[i](a, x)) + literals[i + 1];
      return out;
    },
    constant: false,
    value: null,
  };
}

function compileArg(spec: FunctionSpec, arg: ArgNode, i: number, refs: Set<string>): CompiledArg {
  const param = spec.params[Math.min(i, spec.params.length - 1)];
  if (arg.kind === "literal") {
    const value = arg.value;
    if (param.kind === "number" && (typeof value === "string" || typeof value === "boolean")) {
      const found = typeof value === "string" ? `string '${value}'` : String(value);
      throw new ElSyntaxError(
        `Function '${spec.name}' expects a number for '${param.name}' but found ${found} at position ${arg.position}`,
        arg.position,
      );
    }
    return { fn: () => value, constant: true, value, position: arg.position };
  }
  const c = arg.kind === "template" ? compileTemplate(arg.template, refs) : compileNode(arg.expr, refs);
  return { fn: c.fn, constant: c.constant, value: c.value, position: arg.position };
}

/** Builds one call on an already compiled subject (null: subjectless), folding pure calls on constants. */
function compileCall(node: CallNode, subject: Compiled | null, refs: Set<string>): Compiled {
  const spec = lookup(node.name, node.position, subject !== null);
  checkArity(spec, node.args.length, node.position);
  if (spec.reduce !== undefined && subject === null) {
    throw new ElSyntaxError(`Function '${spec.name}' needs a subject (write \${attribute:${spec.name}(...)}) at position ${node.position}`, node.position);
  }
  const args = node.args.map((arg, i) => compileArg(spec, arg, i, refs));
  const site = { fn: spec.name, position: node.position };
  const fn = boundedBy(spec, site, spec.build(site, subject === null ? () => null : subject.fn, args, subject === null));
  if (spec.pure && (subject === null || subject.constant) && args.every((arg) => arg.constant)) {
    try {
      const value = fn(EMPTY, undefined);
      // Dates are mutable objects; sharing one across evaluations is not worth the risk.
      if (!(value instanceof Date)) return { fn: () => value, constant: true, value };
    } catch (e) {
      // A constant that fails (toNumber on 'abc') fails per evaluation, like any other value.
      if (!(e instanceof ElEvaluationError)) throw e;
    }
  }
  return { fn, constant: false, value: null };
}

/** The chain `root:f1():f2()...` as its root and calls, left to right. */
function flatten(node: ExprNode): { root: ExprNode; calls: CallNode[] } {
  const calls: CallNode[] = [];
  let n: ExprNode = node;
  while (n.kind === "call" && n.subject !== null) {
    calls.push(n);
    n = n.subject;
  }
  return { root: n, calls: calls.reverse() };
}

function compileNode(node: ExprNode, refs: Set<string>): Compiled {
  if (node.kind === "attr") {
    refs.add(node.name);
    return { fn: attributeLookup(node.name), constant: false, value: null };
  }
  if (node.kind === "dynamicAttr") {
    const name = compileTemplate(node.name, refs);
    if (name.constant) {
      refs.add(toText(name.value));
      return { fn: attributeLookup(toText(name.value)), constant: false, value: null };
    }
    const nameFn = name.fn;
    return { fn: (a, x) => lookupName(a, x, toText(nameFn(a, x))), constant: false, value: null };
  }
  const { root, calls } = flatten(node);
  for (const call of calls) {
    const spec = FUNCTIONS.get(call.name);
    if (spec?.reduce !== undefined && call !== calls[calls.length - 1]) {
      const next = calls[calls.indexOf(call) + 1];
      throw new ElSyntaxError(
        `Function '${next.name}' at position ${next.position} cannot be called on the result of '${call.name}'; write \${literal(\${...}):${next.name}(...)} instead`,
        next.position,
      );
    }
  }
  if (root.kind === "call" && MULTI_SOURCES.has(root.name)) return compileMulti(root, calls, refs);
  let current = root.kind === "call" ? compileCall(root, null, refs) : compileNode(root, refs);
  for (const call of calls) current = compileCall(call, current, refs);
  return current;
}

/**
 * `anyAttribute(...)`, `allMatchingAttributes(...)`, `anyDelineatedValue(...)`, ... as the subject:
 * the rest of the chain runs once per selected value. "any" is true when one result is true,
 * "all" when every result is (or, ending in `join`/`count`, reduces the results).
 */
function compileMulti(root: CallNode, calls: CallNode[], refs: Set<string>): Compiled {
  const rootSpec = lookup(root.name, root.position, false);
  checkArity(rootSpec, root.args.length, root.position);
  const select = compileSelection(root, refs);
  const isAll = root.name.startsWith("all");
  const last = calls.length === 0 ? undefined : FUNCTIONS.get(calls[calls.length - 1].name);
  const reduce = last?.reduce;
  if (calls.length === 0 || (!isAll && reduce !== undefined) || (reduce === undefined && last?.returns !== "boolean")) {
    throw new ElSyntaxError(
      `'${root.name}' at position ${root.position} selects several values: follow it with a function that returns a boolean${isAll ? " or with join/count" : ""}`,
      root.position,
    );
  }
  // The chain reads the value under test from this cell; evaluation is synchronous, and a
  // nested multi-attribute expression has its own cell.
  let current: ElValue = null;
  const cell: Compiled = { fn: () => current, constant: false, value: null };
  const mapped = reduce === undefined ? calls : calls.slice(0, -1);
  let chain = cell;
  for (const call of mapped) chain = compileCall(call, chain, refs);
  const chainFn = chain.fn;
  if (reduce !== undefined) {
    const reducer = calls[calls.length - 1];
    const sep = reduce === "join" ? compileArg(last as FunctionSpec, reducer.args[0], 0, refs).fn : undefined;
    const site = { fn: reducer.name, position: reducer.position };
    return {
      fn: (a, x) => {
        const values = select(a, x);
        if (sep === undefined) {
          let count = 0;
          for (const v of values) {
            current = v;
            const r = chainFn(a, x);
            if (r !== null && r !== false) count++;
          }
          return count;
        }
        const d = toText(sep(a, x));
        let out = "";
        let first = true;
        for (const v of values) {
          current = v;
          out += (first ? "" : d) + toText(chainFn(a, x));
          first = false;
          if (out.length > MAX_RESULT_LENGTH) throw tooLong(site, out.length);
        }
        return out;
      },
      constant: false,
      value: null,
    };
  }
  return {
    fn: (a, x) => {
      const values = select(a, x);
      for (const v of values) {
        current = v;
        const r = isTruthy(chainFn(a, x));
        if (isAll ? !r : r) return !isAll;
      }
      return isAll;
    },
    constant: false,
    value: null,
  };
}

/** The values a multi-attribute subject selects, per evaluation. */
function compileSelection(root: CallNode, refs: Set<string>): (a: ElAttributes, x: ElAttributes | undefined) => ElValue[] {
  const name = root.name;
  if (name === "anyDelineatedValue" || name === "allDelineatedValues") {
    const spec = FUNCTIONS.get(name) as FunctionSpec;
    const value = compileArg(spec, root.args[0], 0, refs);
    const delimiter = compileArg(spec, root.args[1], 1, refs);
    const site = { fn: name, position: root.position };
    const split = splitter(site, delimiter);
    return (a, x) => {
      const v = value.fn(a, x);
      return v === null ? [] : split(toText(v), a, x);
    };
  }
  const texts = root.args.map((arg) => {
    if (arg.kind !== "literal" || typeof arg.value !== "string") {
      throw new ElSyntaxError(`'${name}' takes quoted ${name.includes("Matching") ? "regular expressions" : "attribute names"} at position ${arg.position}`, arg.position);
    }
    return { text: arg.value, position: arg.position };
  });
  if (name === "anyAttribute" || name === "allAttributes") {
    const names = texts.map((t) => t.text);
    for (const n of names) refs.add(n);
    const lookups = names.map(attributeLookup);
    return (a, x) => lookups.map((f) => f(a, x));
  }
  const patterns = texts.map((t) => {
    try {
      return compileJavaRegex(t.text, "full");
    } catch (e) {
      throw new ElSyntaxError(`Invalid regular expression '${t.text}' for '${name}': ${e instanceof Error ? e.message : String(e)} at position ${t.position}`, t.position);
    }
  });
  return (a, x) => {
    const out: ElValue[] = [];
    const seen = new Set<string>();
    for (const re of patterns) {
      for (const source of x === undefined ? [a] : [a, x]) {
        for (const key of Object.keys(source)) {
          if (!seen.has(key) && re.test(key)) {
            seen.add(key);
            out.push(lookupName(a, x, key));
          }
        }
      }
    }
    return out;
  };
}

/** Parses and compiles property text. Throws ElSyntaxError. */
export function compileText(text: string): CompiledExpression {
  const template = parse(text);
  const refs = new Set<string>();
  const compiled = template.expressions.map((e) => compileNode(e, refs));
  const referencedAttributes = [...refs];

  // Merge constant expressions into the surrounding literal text.
  const literals: string[] = [template.literals[0]];
  const parts: Compiled[] = [];
  compiled.forEach((c, i) => {
    const next = template.literals[i + 1];
    if (c.constant) literals[literals.length - 1] += toText(c.value) + next;
    else {
      parts.push(c);
      literals.push(next);
    }
  });

  const single = template.expressions.length === 1 && template.literals[0] === "" && template.literals[1] === "";

  if (parts.length === 0) {
    const result = literals[0];
    const value: ElValue = single ? compiled[0].value : result;
    return { text, isLiteral: true, referencedAttributes, evaluate: () => result, evaluateValue: () => value };
  }

  if (single) {
    const fn = parts[0].fn;
    const node = template.expressions[0];
    if (node.kind === "attr") {
      // The most common property value: one attribute, no functions.
      const name = node.name;
      const evaluate = (a: ElAttributes, x?: ElAttributes): string => {
        const v = a[name];
        if (typeof v === "string") return v;
        if (x !== undefined) {
          const w = x[name];
          if (typeof w === "string") return w;
        }
        return "";
      };
      return { text, isLiteral: false, referencedAttributes, evaluate, evaluateValue: (a, x) => fn(a, x) };
    }
    return {
      text,
      isLiteral: false,
      referencedAttributes,
      evaluate: (a, x) => toText(fn(a, x)),
      evaluateValue: (a, x) => fn(a, x),
    };
  }

  const fns = parts.map((c) => c.fn);
  const n = fns.length;
  const evaluate = (a: ElAttributes, x?: ElAttributes): string => {
    let out = literals[0];
    for (let i = 0; i < n; i++) out += toText(fns[i](a, x)) + literals[i + 1];
    return out;
  };
  return { text, isLiteral: false, referencedAttributes, evaluate, evaluateValue: evaluate };
}

// evaluateELString compiles attribute text at run time; a small cache keeps a repeated query cheap.
const runtimeCache = new Map<string, CompiledExpression>();
setElEvaluator((text, a, x) => {
  let c = runtimeCache.get(text);
  if (c === undefined) {
    c = compileText(text);
    if (runtimeCache.size >= 64) runtimeCache.clear();
    runtimeCache.set(text, c);
  }
  return c.evaluate(a, x);
});
