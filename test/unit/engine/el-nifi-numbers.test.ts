// NiFi's number model, ported from nifi-expression-language's TestQuery: whole numbers (Java
// long, exact to 64 bits) and decimals (Java double, printed as Java prints them).
import { describe, expect, it } from "vitest";
import { ElEvaluationError } from "../../../engine/core/el/index";
import { decimal, ev, val, whole } from "./el-nifi-helpers";

describe("NiFi number model", () => {
  it("toNumber is whole: decimal text truncates (TestQuery#testMathNumberDecimalConversion)", () => {
    whole("${xyz:toNumber()}", { xyz: "1.332" }, 1);
    decimal("${xyz:toDecimal()}", { xyz: "2" }, 2);
    expect(ev("${xyz:toDecimal()}", { xyz: "2" })).toBe("2.0");
  });

  it("literals: whole and decimal, signs, truncation toward zero (TestQuery#testLiteral)", () => {
    expect(ev("${literal(5)}")).toBe("5");
    expect(ev('${literal("5.5")}')).toBe("5.5");
    whole("${literal(5):toNumber()}", {}, 5);
    decimal("${literal(5):toDecimal()}", {}, 5);
    whole("${literal(5.5):toNumber()}", {}, 5);
    whole("${literal(-5.5):toNumber()}", {}, -5);
    whole("${literal(+5.5):toNumber()}", {}, 5);
    decimal("${literal(-5.5):toDecimal()}", {}, -5.5);
  });

  it("hex text is a number, exact to 64 bits (TestQuery#testLiteral)", () => {
    whole("${literal('0x1234567890ABCDEF'):toNumber()}", {}, 0x1234567890abcdefn);
    whole("${literal('-0x1234567890abcdef'):toNumber()}", {}, -0x1234567890abcdefn);
    decimal("${literal('0xF.Fp10'):toDecimal()}", {}, 16320);
    expect(ev("${literal('0x10'):toNumber():plus(1)}")).toBe("17");
  });

  it("decimal parsing follows Java's floating-point literals (TestQuery#testDecimalParsing)", () => {
    decimal("${literal(-12.5E2):toDecimal()}", {}, -1250);
    decimal("${literal(+12.5e-2):toDecimal()}", {}, 0.125);
    decimal("${literal(.5):toDecimal()}", {}, 0.5);
    decimal("${literal(-.5e+2):toDecimal()}", {}, -50);
    decimal("${literal('+0xF1.P2'):toDecimal()}", {}, 964);
    decimal("${literal('-0xF1.5Bp2'):toDecimal()}", {}, -(0xf15b / 256) * 4);
    decimal("${literal('0x.5BP0'):toDecimal()}", {}, 0x5b / 256);
    for (const bad of ["A.1e123", "0.Ae123", "0.1eA", "0xG.1p123", "0x1.1"]) expect(val(`\${literal('${bad}'):toDecimal()}`)).toBeNull();
    expect(ev("${literal('Infinity'):toDecimal():plus(1):plus(2)}")).toBe("Infinity");
    expect(ev("${literal('-Infinity'):toDecimal():plus(1)}")).toBe("-Infinity");
    expect(ev("${literal('NaN'):toDecimal():plus(1)}")).toBe("NaN");
  });

  it("decimals print as Java's Double.toString", () => {
    expect(ev("${literal(16):toDecimal()}")).toBe("16.0");
    expect(ev("${literal(0.001):toDecimal()}")).toBe("0.001");
    expect(ev("${literal(0.0001):toDecimal()}")).toBe("1.0E-4");
    expect(ev("${literal(12345678.9)}")).toBe("1.23456789E7");
    expect(ev("${literal(1e300):multiply(10)}")).toBe("1.0E301");
    expect(ev("${literal(-0.0)}")).toBe("-0.0");
  });

  it("whole arithmetic: exact, truncating division, wrapping at 64 bits (TestQuery#testMathWholeNumberOperations)", () => {
    const a = { one: "1", two: "2", three: "3", five: "5", hundred: "100" };
    whole("${hundred:toNumber():multiply(${two}):divide(${three}):plus(${one}):mod(${five})}", a, 2);
    whole("${literal(5):divide(2)}", {}, 2);
    whole("${literal(-7):divide(2)}", {}, -3);
    whole("${literal(-7):mod(3)}", {}, -1);
    whole("${literal(9007199254740993):plus(1)}", {}, 9007199254740994n);
    whole("${literal(9223372036854775807):plus(1)}", {}, -9223372036854775808n);
    whole("${literal(3037000500):multiply(3037000500)}", {}, -9223372036709301616n);
    whole("${literal(9223372036854775807):divide(3)}", {}, 3074457345618258602n);
    expect(() => ev("${literal(1):divide(0)}")).toThrow(ElEvaluationError);
    expect(() => ev("${literal(1):mod(0)}")).toThrow(ElEvaluationError);
  });

  it("decimal arithmetic when either side is a decimal (TestQuery#testMathDecimalOperations, #testMathLiteralOperations)", () => {
    const a = { first: "1.5", second: "12.3", third: "3", fifth: "5.1", hundred: "100", two: "2.2" };
    decimal("${hundred:toNumber():multiply(${second}):divide(${third}):plus(${first}):mod(${fifth})}", a, (((100 * 12.3) / 3) + 1.5) % 5.1);
    decimal("${literal(5):toNumber():multiply(${two:plus(1)})}", a, 5 * 3.2);
    decimal("${literal(5.5E-1):toDecimal():plus(${literal(.5E1)}):multiply(${two:plus(1)})}", a, (0.55 + 5) * 3.2);
    decimal("${literal(1):divide(0.0)}", {}, Infinity);
  });

  it("a decimal result converts back (TestQuery#testMathResultInterpretation)", () => {
    const a = { ten: "10.1", two: "2.2" };
    whole("${ten:divide(${two:plus(3)}):toNumber()}", a, Math.trunc(10.1 / (2.2 + 3)));
    decimal("${ten:divide(${two:plus(3.1)}):toDecimal()}", a, 10.1 / (2.2 + 3.1));
    expect(ev("${ten:divide(${two:plus(3)}):toDate():format(\"SSS\")}", a)).toBe("001");
  });

  it("comparisons: as decimals when either is one, else whole (TestQuery#testMathDecimalOperators, #testMathWholeNumberOperators)", () => {
    const a = { one: "1.1", two: "2.2", one_2: "1.1", abc: "1234", xyz: "4132" };
    expect(val("${one:lt(${two})}", a)).toBe(true);
    expect(val("${one:lt(${one_2})}", a)).toBe(false);
    expect(val("${one:le(${one_2})}", a)).toBe(true);
    expect(val("${two:ge(${one_2})}", a)).toBe(true);
    expect(val("${two:gt(${one})}", a)).toBe(true);
    expect(val("${xyz:toNumber():gt( ${abc:toNumber()} )}", a)).toBe(true);
    expect(val("${literal(9223372036854775807):gt(9223372036854775806)}")).toBe(true);
  });

  it("text converts implicitly; a non-number is no value (TestQuery#testImplicitConversions)", () => {
    const a = { A: "0123456789", F: "-48", d: "Quick Brown Fox" };
    whole("${A:plus(4)}", a, 123456793);
    whole("${A:plus( ${F} )}", a, 123456741);
    expect(val("${F:lt( ${A} )}", a)).toBe(true);
    whole("${A:substring(2,3):plus(21):substring(1,2):plus(0)}", a, 3);
    expect(val("${d:toNumber()}", a)).toBeNull();
    expect(val("${d:gt(1)}", a)).toBe(false);
    expect(ev("[${d:plus(1)}]", a)).toBe("[]");
  });

  it("equals compares a whole number with text by its text form (TestQuery#testEqualsNumber)", () => {
    expect(val("${ abc:toNumber():equals(123) }", { abc: "123" })).toBe(true);
    expect(val("${literal(5):toDecimal():equals(5)}")).toBe(false);
  });

  it("dates convert to epoch millis (TestQuery#testDateToNumber)", () => {
    whole("${dateTime:toDate('yyyy/MM/dd HH:mm:ss.SSS', 'America/New_York'):toNumber()}", { dateTime: "2013/11/18 10:22:27.678" }, 1384788147678);
  });

  it("toRadix and fromRadix (TestQuery#testToRadix, #testFromRadix)", () => {
    const a = { filename: "file-255", test1: "ABCDEF", test2: "123" };
    expect(ev("${filename:substringAfter('-'):toNumber():toRadix(16):toUpper()}", a)).toBe("FF");
    expect(ev("${filename:substringAfter('-'):toNumber():toRadix(16, 4):toUpper()}", a)).toBe("00FF");
    expect(ev("${filename:substringAfter('-'):toNumber():toRadix(36, 3):toUpper()}", a)).toBe("073");
    whole("${test1:fromRadix(16)}", a, 0xabcdef);
    whole("${test2:fromRadix(4)}", a, 27);
    expect(ev("${literal(-255):toRadix(16)}")).toBe("-ff");
    expect(() => ev("${test1:fromRadix(10)}", a)).toThrow(ElEvaluationError);
  });

  it("math calls java.lang.Math by argument types (TestQuery#testMathFunction)", () => {
    const a = { one: "1", two: "2", oneDecimal: "1.5", twoDecimal: "2.3", negative: "-64", negativeDecimal: "-64.1" };
    expect(() => ev("${math('rand'):toNumber()}", a)).toThrow(/no subjectless method was found with the name:'rand'/);
    expect(() => ev("${negativeDecimal:math('absolute')}", a)).toThrow(/name:'absolute', one argument of type: 'double'/);
    expect(() => ev("${oneDecimal:math('power', ${two:toDecimal()})}", a)).toThrow(/first argument type: 'double', second argument type: {2}'double'/);
    expect(() => ev("${oneDecimal:math('power', ${two})}", a)).toThrow(/first argument type: 'double', second argument type: {2}'long'/);
    whole("${math('random'):toNumber()}", a, 0);
    whole("${negative:math('abs')}", a, 64);
    decimal("${negativeDecimal:math('abs')}", a, 64.1);
    whole("${negative:math('max', ${two})}", a, 2);
    decimal("${negativeDecimal:math('max', ${twoDecimal})}", a, 2.3);
    decimal("${oneDecimal:math('pow', ${two:toDecimal()})}", a, Math.pow(1.5, 2));
    decimal("${oneDecimal:math('scalb', ${two})}", a, 6);
    decimal(
      "${negative:math('abs'):toDecimal():math('cbrt'):math('max', ${two:toDecimal():math('pow',${oneDecimal}):mod(${two})})}",
      a,
      Math.max(Math.cbrt(Math.abs(-64)), Math.pow(2, 1.5) % 2),
    );
  });
});
