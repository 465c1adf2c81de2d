/**
 * Compiler: syntax tree → closures. Everything that can be decided once is decided here:
 * function lookup, arity, literal arguments (regexes, date patterns, zones, numbers), and
 * constant folding of pure calls on literals. What is left per FlowFile is a tree of small
 * closures with no allocation beyond the values they produce.
 */
import { ElEvaluationError, ElSyntaxError } from "./errors";
import { FUNCTIONS, signature, type CompiledArg, type FunctionSpec } from "./functions";
import { parse, type ExprNode } from "./parser";
import { toText, type ElAttributes, type ElValue, type Evaluator } from "./values";

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
  if (spec === undefined) throw new ElSyntaxError(`Unknown function '${name}' at position ${position}${suggestion(name)}`, position);
  const call = spec.params.length === 0 ? `${name}()` : `${name}(...)`;
  if (spec.subject === "none" && hasSubject) {
    throw new ElSyntaxError(`Function '${name}' does not take a subject (write \${${call}}) at position ${position}`, position);
  }
  if (spec.subject === "required" && !hasSubject) {
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

function compileNode(node: ExprNode, refs: Set<string>): Compiled {
  if (node.kind === "attr") {
    refs.add(node.name);
    return { fn: attributeLookup(node.name), constant: false, value: null };
  }
  const spec = lookup(node.name, node.position, node.subject !== null);
  checkArity(spec, node.args.length, node.position);
  const subject = node.subject === null ? null : compileNode(node.subject, refs);
  const args: CompiledArg[] = node.args.map((arg, i) => {
    const param = spec.params[Math.min(i, spec.params.length - 1)];
    if (arg.kind === "literal") {
      if (param.kind === "number" && typeof arg.value !== "number") {
        const found = typeof arg.value === "string" ? `string '${arg.value}'` : String(arg.value);
        throw new ElSyntaxError(
          `Function '${spec.name}' expects a number for '${param.name}' but found ${found} at position ${arg.position}`,
          arg.position,
        );
      }
      const value = arg.value;
      return { fn: () => value, constant: true, value, position: arg.position };
    }
    const c = compileNode(arg.expr, refs);
    return { fn: c.fn, constant: c.constant, value: c.value, position: arg.position };
  });
  const fn = spec.build({ fn: spec.name, position: node.position }, subject === null ? () => null : subject.fn, args);
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
