// Number text read by the evaluator's one-pass path (plain `[+-]digits[.digits]`, at most 15
// digits) must give exactly what the general path (Java's Long.parseLong / Double.valueOf and
// the (long) cast) gives, including at the edges where that path takes over.
import { describe, expect, it } from "vitest";
import { compile } from "../../../engine/core/el/index";
import { decimal, ev, val, whole } from "./el-nifi-helpers";

describe("number text", () => {
  it("toNumber truncates plain decimal text toward zero, with Java's long 0 for -0", () => {
    whole("${n:toNumber()}", { n: "3.5" }, 3);
    whole("${n:toNumber()}", { n: "-3.5" }, -3);
    whole("${n:toNumber()}", { n: "+3.5" }, 3);
    whole("${n:toNumber()}", { n: "-0" }, 0);
    whole("${n:toNumber()}", { n: "-0.5" }, 0);
    whole("${n:toNumber()}", { n: "0.999999999999999" }, 0);
    whole("${n:toNumber()}", { n: "99999999999999.99" }, 99999999999999);
    expect(ev("${n:toNumber()}", { n: "-0.5" })).toBe("0");
  });

  it("takes the general path past 15 digits: exact whole numbers, decimals rounded as Java's double", () => {
    whole("${n:toNumber()}", { n: "999999999999999" }, 999999999999999);
    whole("${n:toNumber()}", { n: "9999999999999999" }, 9999999999999999n);
    whole("${n:toNumber()}", { n: "9223372036854775807" }, 9223372036854775807n);
    // 9999999999999999.9 is the double 1.0E16, so Java's (long) gives 10000000000000000.
    whole("${n:toNumber()}", { n: "9999999999999999.9" }, 10000000000000000n);
    whole("${n:toNumber()}", { n: "0.9999999999999999999" }, 1);
  });

  it("toDecimal of plain text: the same double as Java's Double.valueOf; integral ones stay decimals", () => {
    decimal("${n:toDecimal()}", { n: "3.5" }, 3.5);
    decimal("${n:toDecimal()}", { n: "-0.25" }, -0.25);
    decimal("${n:toDecimal()}", { n: "0.1" }, 0.1);
    decimal("${n:toDecimal()}", { n: "123456789012.345" }, 123456789012.345);
    decimal("${n:toDecimal()}", { n: "16.0" }, 16);
    expect(ev("${n:toDecimal()}", { n: "16.0" })).toBe("16.0");
    expect(ev("${n:toDecimal()}", { n: "-0.0" })).toBe("-0.0");
    expect(ev("${n:toDecimal()}", { n: "2" })).toBe("2.0");
  });

  it("trims surrounding whitespace; other text is no number", () => {
    whole("${n:toNumber()}", { n: " 3.5 " }, 3);
    decimal("${n:toDecimal()}", { n: "\t-2.5\n" }, -2.5);
    for (const bad of ["", "-", "+", "3.5x", "x3", "1..2", "- 3"]) expect(val("${n:toNumber()}", { n: bad })).toBeNull();
  });

  it("comparisons see the truncated whole number or the decimal", () => {
    expect(ev("${n:toNumber():gt(1)}", { n: "1.5" })).toBe("false");
    expect(ev("${n:toDecimal():gt(1)}", { n: "1.5" })).toBe("true");
    expect(ev("${n:gt(1)}", { n: "1.5" })).toBe("true");
    expect(ev("${n:lt(-1)}", { n: "-1.25" })).toBe("true");
  });

  it("agrees with Number() and Math.trunc on random plain text of up to 15 digits (fixed seed)", () => {
    let seed = 20241205;
    const next = (n: number): number => {
      seed = (seed * 1103515245 + 12345) & 0x7fffffff;
      return seed % n;
    };
    const toNumber = compile("${n:toNumber()}");
    const toDecimal = compile("${n:toDecimal()}");
    for (let k = 0; k < 20_000; k++) {
      const intDigits = 1 + next(10);
      const fracDigits = 1 + next(15 - intDigits);
      let s = ["", "-", "+"][next(3)];
      for (let j = 0; j < intDigits; j++) s += String(next(10));
      s += ".";
      // Runs of 9s are where a wrong rounding would show.
      for (let j = 0; j < fracDigits; j++) s += next(2) === 0 ? "9" : String(next(10));
      const d = Number(s);
      expect(toNumber.evaluateValue({ n: s }), s).toBe(Math.trunc(d) + 0);
      const v = toDecimal.evaluateValue({ n: s });
      expect(typeof v === "number" ? v : (v as { value: number }).value, s).toBe(d);
    }
  });

  it("the el benchmark's expression: amounts i*3+0.5 truncate to i*3, 47 of 64 exceed 50", () => {
    const expr = compile("${amount:toNumber():gt(50)}");
    let matched = 0;
    for (let i = 0; i < 64; i++) if (expr.evaluate({ amount: String(i * 3 + 0.5) }) === "true") matched++;
    expect(matched).toBe(47);
  });
});
