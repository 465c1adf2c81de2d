/**
 * Typed property descriptors. One descriptor gives: the value's TypeScript type (inferred into
 * the processor's config), validation, the designer's config form, and the reference docs.
 */
import { compile, validate as validateEl, type CompiledExpression } from "../core/el";
import { parseDataSize, parseDuration } from "../core/units";
import type { FlowFile } from "./types";

/** Where Expression Language may be used in a property value. */
export type ElScope = "none" | "flowfile";

export interface AllowableValue<V extends string = string> {
  value: V;
  displayName?: string;
  description?: string;
}

/** A property is only shown and validated when another property has one of these values. */
export interface DependsOn {
  property: string;
  /** Values of `property` that enable this one; omitted = any non-empty value. */
  values?: readonly string[];
}

/**
 * An evaluated Expression Language property: evaluate it against each FlowFile.
 * `raw` is the configured text. `isLiteral` is true when it contains no expression, so callers
 * can hoist the value out of a per-FlowFile loop.
 */
export interface PropertyExpression {
  readonly raw: string;
  readonly isLiteral: boolean;
  /** Evaluates to text against `flowFile` attributes (or none). Throws ElEvaluationError. */
  evaluate(flowFile?: FlowFile, extra?: Readonly<Record<string, string>>): string;
  /** Evaluates to a boolean: true iff the value is boolean true or the text "true". */
  evaluateBoolean(flowFile?: FlowFile, extra?: Readonly<Record<string, string>>): boolean;
}

export type PropertyKind = "string" | "integer" | "number" | "boolean" | "duration" | "dataSize" | "enum";

/**
 * A property descriptor.
 * @typeParam T the parsed value type.
 * @typeParam Req true when the property has a value whenever it is in effect: it is required or
 *   has a default. (`required` itself is true in exactly those cases.)
 * @typeParam Dep true when the property has a `dependsOn`: it is then in effect only while that
 *   dependency is satisfied, and left undefined otherwise, whatever `Req` says.
 */
export interface PropertyDescriptor<T = unknown, Req extends boolean = boolean, Dep extends boolean = boolean> {
  readonly kind: PropertyKind;
  readonly displayName: string;
  readonly description: string;
  /** Validation reports a missing value; true for every property with a default. */
  readonly required: Req;
  readonly defaultValue?: string;
  readonly allowableValues?: readonly AllowableValue[];
  /** Present exactly when `Dep` is true. */
  readonly dependsOn?: DependsOn;
  readonly expressionLanguage: ElScope;
  /** Sensitive values are masked in the UI and API and never sent back to the browser. */
  readonly sensitive: boolean;
  /** Parses configured text into the value; throws an Error whose message is shown to users. */
  parse(raw: string): T;
  /** Type carrier only; never set. */
  readonly __value?: T;
  /** Type carrier only; never set. */
  readonly __dependent?: Dep;
}

interface BaseOptions {
  displayName: string;
  description: string;
  required?: boolean;
  default?: string;
  dependsOn?: DependsOn;
  sensitive?: boolean;
}

type IsReq<O> = O extends { required: true } ? true : O extends { default: string } ? true : false;
type HasDep<O> = O extends { dependsOn: DependsOn } ? true : false;
/** The descriptor a builder returns for options `O`. */
type Descriptor<T, O> = PropertyDescriptor<T, IsReq<O>, HasDep<O>>;

function expressionOf(raw: string): PropertyExpression {
  const compiled: CompiledExpression = compile(raw);
  return {
    raw,
    isLiteral: compiled.isLiteral,
    evaluate: (ff, extra) => compiled.evaluate(ff ? ff.attributes : EMPTY, extra),
    evaluateBoolean: (ff, extra) => {
      const v = compiled.evaluateValue(ff ? ff.attributes : EMPTY, extra);
      return v === true || v === "true";
    },
  };
}
const EMPTY: Readonly<Record<string, string>> = Object.freeze({});

function descriptor<T, O extends BaseOptions>(
  kind: PropertyKind,
  o: O & { allowableValues?: readonly AllowableValue[]; expressionLanguage?: ElScope },
  parse: (raw: string) => T,
): Descriptor<T, O> {
  return {
    kind,
    displayName: o.displayName,
    description: o.description,
    // Mirrors IsReq: a default makes the property always present, whatever `required` says.
    required: (o.required === true || o.default !== undefined) as IsReq<O>,
    defaultValue: o.default,
    allowableValues: o.allowableValues,
    dependsOn: o.dependsOn,
    expressionLanguage: o.expressionLanguage ?? "none",
    sensitive: o.sensitive ?? false,
    parse,
  };
}

function checkEl(raw: string): void {
  const r = validateEl(raw);
  if (!r.ok) throw new Error(`invalid Expression Language: ${r.message}`);
}

/** Property descriptor builders. */
export const property = {
  /** Free text. With `expressionLanguage: "flowfile"` the config holds a PropertyExpression. */
  string<O extends BaseOptions & { expressionLanguage?: ElScope; pattern?: RegExp; patternHint?: string }>(
    o: O,
  ): Descriptor<O extends { expressionLanguage: "flowfile" } ? PropertyExpression : string, O> {
    type V = O extends { expressionLanguage: "flowfile" } ? PropertyExpression : string;
    return descriptor<V, O>("string", o, (raw) => {
      if (o.expressionLanguage === "flowfile") {
        checkEl(raw);
        return expressionOf(raw) as V;
      }
      if (o.pattern && !o.pattern.test(raw)) throw new Error(o.patternHint ?? `must match ${o.pattern.source}`);
      return raw as V;
    });
  },
  /** Secret text (passwords, keys): masked everywhere outside the engine. */
  sensitive<O extends BaseOptions>(o: O): Descriptor<string, O> {
    return descriptor<string, O>("string", { ...o, sensitive: true }, (raw) => raw);
  },
  integer<O extends BaseOptions & { min?: number; max?: number }>(o: O): Descriptor<number, O> {
    return descriptor<number, O>("integer", o, (raw) => {
      const t = raw.trim();
      if (!/^-?\d+$/.test(t)) throw new Error(`"${raw}" is not an integer`);
      const n = Number(t);
      if (o.min !== undefined && n < o.min) throw new Error(`must be at least ${o.min}`);
      if (o.max !== undefined && n > o.max) throw new Error(`must be at most ${o.max}`);
      return n;
    });
  },
  number<O extends BaseOptions & { min?: number; max?: number }>(o: O): Descriptor<number, O> {
    return descriptor<number, O>("number", o, (raw) => {
      const n = Number(raw.trim());
      if (raw.trim() === "" || !Number.isFinite(n)) throw new Error(`"${raw}" is not a number`);
      if (o.min !== undefined && n < o.min) throw new Error(`must be at least ${o.min}`);
      if (o.max !== undefined && n > o.max) throw new Error(`must be at most ${o.max}`);
      return n;
    });
  },
  boolean<O extends BaseOptions>(o: O): Descriptor<boolean, O> {
    return descriptor<boolean, O>(
      "boolean",
      { ...o, allowableValues: [{ value: "true" }, { value: "false" }] },
      (raw) => {
        if (raw === "true") return true;
        if (raw === "false") return false;
        throw new Error(`"${raw}" is not true or false`);
      },
    );
  },
  /** A duration such as "30 sec"; the config holds milliseconds. */
  duration<O extends BaseOptions & { minMs?: number }>(o: O): Descriptor<number, O> {
    return descriptor<number, O>("duration", o, (raw) => {
      const ms = parseDuration(raw);
      if (o.minMs !== undefined && ms < o.minMs) throw new Error(`must be at least ${o.minMs} ms`);
      return ms;
    });
  },
  /** A data size such as "1 MB"; the config holds bytes. */
  dataSize<O extends BaseOptions>(o: O): Descriptor<number, O> {
    return descriptor<number, O>("dataSize", o, (raw) => parseDataSize(raw));
  },
  /** One of a fixed list of values; the config type is their union. */
  enum<const V extends string, O extends BaseOptions & { values: readonly (V | AllowableValue<V>)[] }>(
    o: O & { values: readonly (V | AllowableValue<V>)[] },
  ): Descriptor<V, O> {
    const allowable: AllowableValue<V>[] = o.values.map((v) => (typeof v === "string" ? { value: v } : v));
    return descriptor<V, O>("enum", { ...o, allowableValues: allowable }, (raw) => {
      const hit = allowable.find((a) => a.value === raw);
      if (!hit) throw new Error(`"${raw}" is not one of ${allowable.map((a) => a.value).join(", ")}`);
      return hit.value;
    });
  },
};

/**
 * The config type a processor receives, inferred from its descriptors. A property is `T` only
 * when it is required or has a default and has no `dependsOn`; otherwise `T | undefined`, since
 * {@link resolveConfig} leaves it undefined when it is optional and unset, or when its
 * dependency is not satisfied.
 */
export type ConfigOf<P> = {
  readonly [K in keyof P]: P[K] extends PropertyDescriptor<infer T, infer R, infer D>
    ? [R, D] extends [true, false]
      ? T
      : T | undefined
    : never;
};

/** Any descriptor map. */
export type PropertyMap = Record<string, PropertyDescriptor<unknown, boolean>>;

/** One validation problem of a property or of the processor as a whole. */
export interface ValidationProblem {
  /** Property name, or "" for processor-level problems. */
  property: string;
  message: string;
}

/** True when `dependsOn` is satisfied by the raw configured values. */
export function dependencySatisfied(d: PropertyDescriptor, raw: Readonly<Record<string, string>>, all: PropertyMap): boolean {
  if (!d.dependsOn) return true;
  const dep = all[d.dependsOn.property];
  const value = raw[d.dependsOn.property] ?? dep?.defaultValue;
  if (value === undefined || value === "") return false;
  return d.dependsOn.values ? d.dependsOn.values.includes(value) : true;
}

/**
 * Validates raw property text against descriptors and builds the typed config.
 * Every problem is reported (not just the first). Properties whose dependency is not
 * satisfied are skipped and left undefined.
 */
export function resolveConfig<P extends PropertyMap>(
  props: P,
  raw: Readonly<Record<string, string>>,
): { config: ConfigOf<P>; problems: ValidationProblem[] } {
  const out: Record<string, unknown> = {};
  const problems: ValidationProblem[] = [];
  for (const [name, d] of Object.entries(props)) {
    if (!dependencySatisfied(d, raw, props)) continue;
    const given = raw[name];
    const text = given !== undefined && given !== "" ? given : d.defaultValue;
    if (text === undefined) {
      if (d.required) problems.push({ property: name, message: `"${d.displayName}" is required` });
      continue;
    }
    try {
      out[name] = d.parse(text);
    } catch (e) {
      problems.push({ property: name, message: `"${d.displayName}": ${(e as Error).message}` });
    }
  }
  return { config: out as ConfigOf<P>, problems };
}
