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
  expect(typeof v === "number" || typeof v === "bigint", `${text} gave ${String(v)}, not a whole number`).toBe(true);
  expect(v).toBe(expected);
}

/** NiFi's DECIMAL result (Java double). */
export function decimal(text: string, attrs: Attrs, expected: number): void {
  const v = val(text, attrs);
  expect(v, `${text} is not a decimal`).toBeInstanceOf(ElDecimal);
  expect((v as ElDecimal).value).toBe(expected);
}
