/**
 * Helpers for the tests that port NiFi's Expression Language semantics (nifi-expression-language
 * TestQuery). `whole`/`decimal` check NiFi's result type as well as the value.
 */
import { expect } from "vitest";
import { compile, ElDecimal, type ElValue } from "../../../engine/core/el/index";

export type Attrs = Record<string, string>;

/** The result text, as NiFi's Query.evaluateExpressions. */
export function ev(text: string, attrs: Attrs = {}): string {
  return compile(text).evaluate(attrs);
}

/** The typed result of a single expression. */
export function val(text: string, attrs: Attrs = {}): ElValue {
  return compile(text).evaluateValue(attrs);
}

/** NiFi's WHOLE_NUMBER result: a JavaScript safe integer or a bigint. */
export function whole(text: string, attrs: Attrs, expected: number | bigint): void {
  const v = val(text, attrs);
  expect((typeof v === "number" && Number.isInteger(v)) || typeof v === "bigint", `${text} gave ${String(v)}, not a whole number`).toBe(true);
  expect(v).toBe(expected);
}

/** NiFi's DECIMAL result (Java double): a non-integer number, or an ElDecimal for an integral or non-finite value. */
export function decimal(text: string, attrs: Attrs, expected: number): void {
  const v = val(text, attrs);
  const isDecimal = v instanceof ElDecimal || (typeof v === "number" && !Number.isInteger(v));
  expect(isDecimal, `${text} gave ${String(v)}, not a decimal`).toBe(true);
  expect(v instanceof ElDecimal ? v.value : v).toBe(expected);
}
