// NiFi's Expression Language syntax, ported from nifi-expression-language's TestQuery.
import { describe, expect, it } from "vitest";
import { compile, validate } from "../../../engine/core/el/index";
import { ev, val } from "./el-nifi-helpers";

describe("NiFi syntax", () => {
  it("escapes and unclosed expressions (TestQuery#testEscape, #testPrepareWithEscapeChar)", () => {
    const a = { abc: "xyz", xyz: "hello", $xyz: "good-bye", "${abc}": "good-bye", foo: "bar" };
    expect(ev("$$$$${abc}", a)).toBe("$$xyz");
    expect(ev("$${abc}", a)).toBe("${abc}");
    expect(ev("$$${abc}", a)).toBe("$xyz");
    expect(ev("$$$${abc}", a)).toBe("$${abc}");
    expect(ev("Unescaped $$${5 because no closing brace", a)).toBe("Unescaped $$${5 because no closing brace");
    expect(ev("Unescaped $$${'5'} because no closing brace", a)).toBe("Unescaped $ because no closing brace");
    expect(ev("You owe me $$5 too", a)).toBe("You owe me $$5 too");
    expect(ev("${abc} owes me ${5", a)).toBe("xyz owes me ${5");
    expect(ev("${abc} owes me $$${'5'}", a)).toBe("xyz owes me $");
    expect(ev("${literal('SNAP$$$$$$$$$')}", a)).toBe("SNAP$$$$$$$$$");
    expect(ev("${foo}$${foo}$$${foo}", a)).toBe("bar${foo}$bar");
    expect(ev("foo${foo}$${foo}bar${bar}$${bar}", a)).toBe("foobar${foo}bar${bar}");
  });

  it("a nested subject reads the attribute its value names (TestQuery#testEscape)", () => {
    const a = { abc: "xyz", xyz: "hello", $xyz: "good-bye" };
    expect(ev("${${abc}}", a)).toBe("hello");
    expect(ev("${'$$${abc}'}", a)).toBe("good-bye");
    expect(ev("${'$xyz'}", a)).toBe("good-bye");
    expect(ev("${${abc:toUpper():toLower()}}", a)).toBe("hello");
    expect(compile("${${abc}}").referencedAttributes).toEqual(["abc"]);
  });

  it("${...} inside a quoted argument is evaluated (TestQuery#testEmbeddedExpressionsAndQuotes, #testFind)", () => {
    const a = { x: "abc", a: "abc", abc: "1234xyz4321", end: "xyz" };
    expect(ev("${x:equals('${a}')}", a)).toBe("true");
    expect(ev('${x:equals("${a}")}', a)).toBe("true");
    expect(ev("${abc:find('1234${end}4321')}", a)).toBe("true");
    expect(ev("${abc:find('${end}4321')}", { ...a, end: "888" })).toBe("false");
    expect(ev("${allDelineatedValues('${abc}', ','):matches('[abc]')}", { abc: "a,b,c" })).toBe("true");
  });

  it("comments run from # to the end of the line (TestQuery#testComments)", () => {
    expect(ev("# hello, world\n${# ref attr\n\tabc\t#end ref attr\n}", { abc: "xyz" })).toBe("# hello, world\nxyz");
    expect(ev("${abc:append('# hello') #good-bye \n}", { abc: "xyz" })).toBe("xyz# hello");
  });

  it("whitespace, newlines and tabs between the parts (TestQuery#testNewLinesAndTabsInQuery, #testIsValidExpression)", () => {
    expect(ev("${ abc:equals('abc'):or( \n\t${xx:isNull()}\n) }")).toBe("true");
    const multi = "${filename:startsWith('T8MTXBC')\n:or( ${filename:startsWith('C4QXABC')} )\n:or( ${filename:startsWith('U6CXEBC')} ):or( ${filename:startsWith('KYM3ABC')} )}";
    expect(validate(multi)).toEqual({ ok: true });
    expect(ev(multi, { filename: "U6CXEBC-1" })).toBe("true");
  });

  it("braces in quotes and around expressions (TestQuery#testCurlyBracesInQuotes, #testEvaluateWithinCurlyBraces, #testSubstringBefore)", () => {
    expect(ev("${attr:replaceAll('My (Val)ue{1,2}', '$1')}", { attr: "My Valuee" })).toBe("Val");
    expect(ev('${attr:replaceAll("My (Val)ue{1,2}", \'$1\')}', { attr: "My Valuee" })).toBe("Val");
    expect(ev("{ ${abc} }", { abc: "xyz" })).toBe("{ xyz }");
    expect(ev("${something:substringBefore('}')}", { something: "some {} or other" })).toBe("some {");
  });

  it("quotes around expressions are text (TestQuery#testWithTicksOutside)", () => {
    expect(ev("'${attr}'", { attr: "My Value" })).toBe("'My Value'");
    expect(ev("'${attr}", { attr: "My Value" })).toBe("'My Value");
  });

  it("backslashes in arguments (TestQuery#testWithBackSlashes)", () => {
    const q = "${x:substringAfterLast( '/' ):substringAfterLast( '\\\\' )}";
    expect(ev(q, { x: "C:\\test\\1.txt" })).toBe("1.txt");
    expect(ev(q, { x: "C:/test/1.txt" })).toBe("1.txt");
    expect(val("${y:equals('y\\ny')}", { y: "y\ny" })).toBe(true);
  });

  it("null is an argument (NiFi's NULL token)", () => {
    expect(ev("${a:replaceNull(null):isNull()}")).toBe("true");
  });

  it("compile-time checks (TestQuery#testCompilation)", () => {
    expect(validate("${attr:uuid()}").ok).toBe(false);
    expect(validate("${attr:indexOf(length())}").ok).toBe(false);
    expect(validate("${UUID()}").ok).toBe(true);
    expect(validate("${attr:UUID3('94c09378-43a6-11ea-8bcc-acde48001122')}").ok).toBe(true);
    expect(validate("${UUID3('94c09378-43a6-11ea-8bcc-acde48001122', attr)}").ok).toBe(false);
    expect(validate("${nextInt()}").ok).toBe(true);
    expect(validate("${attr:times(3)}").ok).toBe(false);
    expect(validate("${hostname()}").ok).toBe(true);
    expect(validate("${random()}").ok).toBe(true);
    expect(validate("${attr:padLeft(10)}").ok).toBe(true);
  });

  it("an unsupported NiFi function is a validation error with the reason", () => {
    const r = validate("${getStateValue('the_count')}");
    expect(r).toEqual({ ok: false, position: 2, message: expect.stringMatching(/^Function 'getStateValue' at position 2 is not supported: /) });
  });

  it("a Java-only regex construct is reported at validation with its position, never at run time", () => {
    const r = validate("${a:matches('(a)\\1')}");
    expect(r.ok).toBe(false);
    if (!r.ok) {
      expect(r.position).toBe(12);
      expect(r.message).toMatch(/backreference/);
    }
    expect(validate("${anyMatchingAttribute('(?<=x)a'):isEmpty()}").ok).toBe(false);
  });
});
