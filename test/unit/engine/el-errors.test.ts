import { describe, it, expect } from "vitest";
import { compile, ElEvaluationError, ElSyntaxError, validate } from "../../../engine/core/el/index";

/** The syntax error compile() throws for text, checked against validate() for the same text. */
function syntaxError(text: string): ElSyntaxError {
  let error: unknown;
  try {
    compile(text);
  } catch (e) {
    error = e;
  }
  if (!(error instanceof ElSyntaxError)) throw new Error(`expected an ElSyntaxError for ${text}, got ${String(error)}`);
  expect(validate(text)).toEqual({ ok: false, message: error.message, position: error.position });
  return error;
}

describe("syntax errors carry the exact position", () => {
  it("an unclosed ${ is kept as text, as NiFi does (TestQuery#testEscape)", () => {
    expect(validate("abc ${filename")).toEqual({ ok: true });
    expect(compile("abc ${filename").evaluate({ filename: "x" })).toBe("abc ${filename");
    expect(compile("${a:toUpper()").evaluate({ a: "x" })).toBe("${a:toUpper()");
    expect(compile("ok ${a} ${b:append(").evaluate({ a: "x" })).toBe("ok x ${b:append(");
    expect(compile("${").evaluate({})).toBe("${");
    expect(compile("${a:equals(${b)}").evaluate({})).toBe("${a:equals(${b)}");
  });

  it("an unclosed string leaves the expression unclosed, so it is text too", () => {
    expect(compile("${a:equals('x)}").evaluate({})).toBe("${a:equals('x)}");
    expect(compile('${"name}').evaluate({})).toBe('${"name}');
  });

  it("unknown function names the function and suggests a near match", () => {
    const e = syntaxError("${filename:toUpperr()}");
    expect(e.position).toBe(11);
    expect(e.message).toBe("Unknown function 'toUpperr' at position 11; did you mean 'toUpper'?");
    expect(syntaxError("${filename:  toUpperr()}").message).toMatch(/^Unknown function 'toUpperr' at position 13/);
    expect(syntaxError("${a:frobnicate()}").message).toBe("Unknown function 'frobnicate' at position 4");
    expect(syntaxError("${a:toupper()}").message).toMatch(/did you mean 'toUpper'/);
    expect(syntaxError("${nope()}").position).toBe(2);
  });

  it("wrong argument counts name the expected count and usage", () => {
    const e = syntaxError("${a:substring(1, 2, 3)}");
    expect(e.position).toBe(4);
    expect(e.message).toBe("Function 'substring' expects 1 to 2 arguments but found 3 at position 4 (usage: substring(start, end?))");
    expect(syntaxError("${a:toUpper('x')}").message).toBe("Function 'toUpper' expects 0 arguments but found 1 at position 4 (usage: toUpper())");
    expect(syntaxError("xx ${a:equals()}").message).toBe("Function 'equals' expects 1 argument but found 0 at position 7 (usage: equals(value))");
    expect(syntaxError("${a:replace('x')}").message).toMatch(/expects 2 arguments but found 1/);
    expect(syntaxError("${a:in()}").message).toMatch(/expects at least 1 arguments? but found 0/);
    expect(syntaxError("${literal()}").position).toBe(2);
  });

  it("subject rules", () => {
    expect(syntaxError("${a:now()}").message).toBe("Function 'now' does not take a subject (write ${now()}) at position 4");
    expect(syntaxError("${toUpper()}").message).toBe("Function 'toUpper' needs a subject (write ${attribute:toUpper()}) at position 2");
  });

  it("trailing garbage after a subject or call", () => {
    expect(syntaxError("${a b}").message).toBe("Expected ':' or '}' but found 'b' at position 4");
    expect(syntaxError("${a:toUpper() x}").message).toBe("Expected ':' or '}' but found 'x' at position 14");
    expect(syntaxError("${a:toUpper()x}").position).toBe(13);
    expect(syntaxError("${a:toUpper}").message).toBe("Expected '(' after function name 'toUpper' but found '}' at position 11");
    expect(syntaxError("${a:}").message).toBe("Expected a function name after ':' but found '}' at position 4");
    expect(syntaxError("${a::toUpper()}").position).toBe(4);
  });

  it("bad arguments", () => {
    expect(syntaxError("${a:append(x)}").message).toBe(
      "Expected an argument (a quoted string, a number, true, false, null or ${...}) but found 'x' at position 11",
    );
    expect(syntaxError("${a:append('x' 'y')}").message).toBe("Expected ',' or ')' but found ''' at position 15");
    expect(syntaxError("${a:append('x',)}").position).toBe(15);
    expect(syntaxError("${a:append(5x)}").position).toBe(11);
    expect(syntaxError("${a:equals(truex)}").position).toBe(11);
    expect(syntaxError("${a:substring('1')}").message).toBe("Function 'substring' expects a number for 'start' but found string '1' at position 14");
    expect(syntaxError("${a:plus(true)}").position).toBe(9);
  });

  it("empty expression and invalid subjects", () => {
    expect(syntaxError("${}").message).toBe(
      "Expected an attribute name, a quoted attribute name or a function call but found '}' at position 2",
    );
    expect(syntaxError("x ${ :a}").position).toBe(5);
    expect(compile("${${a}}").evaluate({ a: "b", b: "value of b" })).toBe("value of b");
    expect(syntaxError("${a.b()}").message).toBe("Invalid function name 'a.b' at position 2");
  });

  it("literal regexes, date patterns, zones and JSON paths are checked at compile time", () => {
    const e = syntaxError("${a:matches('(')}");
    expect(e.position).toBe(12);
    expect(e.message).toMatch(/^Invalid regular expression '\(' for 'matches': .* at position 12$/);
    expect(syntaxError("${a:replaceAll('[', 'x')}").position).toBe(15);
    expect(syntaxError("${a:find('(?q)a')}").message).toMatch(/unknown inline flag 'q'/);
    expect(syntaxError("${a:find('a(?=b)')}").message).toMatch(/lookahead '\(\?=' at index 1 is not supported/);
    expect(syntaxError("${a:format('yyyy-qq')}").message).toBe("Illegal pattern character 'q' in date pattern 'yyyy-qq' for 'format' at position 11");
    expect(syntaxError("${a:format('yyyy', 'Mars/Olympus')}").message).toBe("Unknown time zone 'Mars/Olympus' for 'format' at position 19");
    expect(syntaxError("${a:toDate(\"yyyy 'open\")}").position).toBe(11);
    expect(syntaxError("${a:jsonPath('$.a[')}").position).toBe(13);
  });

  it("is an ElSyntaxError with name and position", () => {
    const e = syntaxError("${a b}");
    expect(e).toBeInstanceOf(Error);
    expect(e.name).toBe("ElSyntaxError");
  });

  it("deep nesting is bounded", () => {
    const deep = "${a:append(".repeat(100) + "'x'" + ")}".repeat(100);
    expect(syntaxError(deep).message).toMatch(/nested deeper than 64 levels/);
    const ok = "${a:append(".repeat(30) + "'x'" + ")}".repeat(30);
    expect(compile(ok).evaluate({ a: "" })).toBe("x");
  });
});

describe("validate", () => {
  it("accepts valid text", () => {
    expect(validate("plain")).toEqual({ ok: true });
    expect(validate("${filename:substringBefore('.'):toUpper()}.json")).toEqual({ ok: true });
    expect(validate("${now():format('yyyy-MM-dd', 'Europe/Paris')}")).toEqual({ ok: true });
    expect(validate("$${not an expression")).toEqual({ ok: true });
  });

  it("does not evaluate, so runtime failures are not validation errors", () => {
    expect(validate("${word:toNumber()}")).toEqual({ ok: true });
    expect(validate("${literal('abc'):toNumber()}")).toEqual({ ok: true });
    expect(validate("${a:divide(0)}")).toEqual({ ok: true });
  });
});

describe("literal arguments that only fail at evaluation", () => {
  it("are valid syntax and fail per evaluation with ElEvaluationError", () => {
    // NiFi: a non-number compares false and adds to empty (TestQuery's number casts), so only
    // these still fail per evaluation.
    for (const text of ["${a:substring(${literal('x')})}", "${a:divide(${literal(0)})}"]) {
      expect(validate(text)).toEqual({ ok: true });
      expect(() => compile(text).evaluate({ a: "5" })).toThrow(ElEvaluationError);
    }
  });
});
