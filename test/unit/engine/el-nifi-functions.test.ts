// NiFi's Expression Language functions, ported from nifi-expression-language's TestQuery: names,
// arguments, and null and empty handling. Each case names the NiFi test it pins.
import { describe, expect, it } from "vitest";
import { compile, ElEvaluationError, MAX_RESULT_LENGTH, validate } from "../../../engine/core/el/index";
import { ev, val, whole } from "./el-nifi-helpers";

describe("multi-attribute functions", () => {
  it("join over allAttributes; on one value (TestQuery#testJoin)", () => {
    const a = { "a.a": "a", "a.b": "b", "a.c": "c" };
    expect(ev("${allAttributes( 'a.a', 'a.b', 'a.c' ):join(', ')}", a)).toBe("a, b, c");
    expect(ev("${x:join(', ')}", a)).toBe("");
    expect(ev("${a.a:join(', ')}", a)).toBe("a");
    expect(ev("${allAttributes( 'x', 'y' ):join(',')}", a)).toBe(",");
  });

  it("nothing may follow a reducing function (TestQuery#testCannotCombineWithNonReducingFunction, #testFunctionAfterReduce)", () => {
    expect(validate("${allAttributes( 'a.1' ):plus(1)}").ok).toBe(false);
    expect(validate("${allMatchingAttributes('a.*'):contains('2'):count():gt(2)}").ok).toBe(false);
    const a = { "a.1": "245", "a.2": "123", "a.3": "732", "a.4": "343", "a.5": "553" };
    whole("${allMatchingAttributes('a.*'):contains('2'):count()}", a, 3);
    expect(val("${literal(${allMatchingAttributes('a.*'):contains('2'):count()}):gt(2)}", a)).toBe(true);
    const b = { a1: "123", a2: "321" };
    expect(val("${allMatchingAttributes('a.*'):contains('2')}", b)).toBe(true);
    expect(val("${allMatchingAttributes('a.*'):contains('2'):toUpper():equals('TRUE')}", b)).toBe(true);
    expect(val("${allMatchingAttributes('a.*'):contains('2'):equals('true'):and( ${literal(true)} )}", b)).toBe(true);
  });

  it("count counts values that are present and not false (TestQuery#testCount)", () => {
    const a = { a: "a", b: "abc", c: "        \n", n1: "111", n2: "222", n3: "333333" };
    whole("${allMatchingAttributes( '.*' ):count()}", a, 6);
    whole("${allMatchingAttributes( '.*' ):length():gt(2):count()}", a, 5);
    whole("${allMatchingAttributes( 'n.*' ):plus(1):count()}", a, 3);
  });

  it("anyAttribute (TestQuery#testAnyAttribute)", () => {
    const a = { abc: "zzz", xyz: "abc" };
    expect(val("${anyAttribute('abc', 'xyz', 'missingAttr'):substring(1,2):equals('b')}", a)).toBe(true);
    expect(val("${anyAttribute('xyz', 'abc'):substring(1,2):equals('b')}", a)).toBe(true);
    expect(val("${anyAttribute('zz'):substring(1,2):equals('b')}", a)).toBe(false);
    expect(val("${anyAttribute('abc', 'zz'):isNull()}", a)).toBe(true);
  });

  it("anyMatchingAttribute (TestQuery#testAnyMatchingAttribute)", () => {
    const a = { abc: "zzz", xyz: "abc", "123.cba": "hello" };
    expect(val("${anyMatchingAttribute('.{2}x', '.{2}z'):substring(1,2):equals('b')}", a)).toBe(true);
    expect(val("${anyMatchingAttribute('x{44}'):substring(1,2):equals('b')}", a)).toBe(false);
    expect(val("${anyMatchingAttribute('abc'):substring(1,2):equals('b')}", a)).toBe(false);
    expect(val("${anyMatchingAttribute('xyz'):notNull()}", a)).toBe(true);
    expect(val("${anyMatchingAttribute('xxxxxxxxx'):notNull()}", a)).toBe(false);
    expect(val("${anyMatchingAttribute('123\\.c.*|a.c'):matches('zzz')}", a)).toBe(true);
  });

  it("allAttributes and allMatchingAttributes (TestQuery#testAllAttributes, #testAllMatchingAttributes)", () => {
    const a = { abc: "1234", xyz: "4132", hello: "world!", "123.cba": "hell.o" };
    expect(val("${allAttributes('abc', 'xyz'):matches('\\d+')}", a)).toBe(true);
    expect(val("${allAttributes('abc', 'xyz'):toNumber():lt(99999)}", a)).toBe(true);
    expect(val("${allAttributes('abc', 'hello'):length():gt(3)}", a)).toBe(true);
    expect(val("${allAttributes('abc', 'hello'):length():equals(4)}", a)).toBe(false);
    expect(val("${allAttributes('abc', 'xyz', 'other'):isNull()}", a)).toBe(false);
    expect(val("${allMatchingAttributes('123\\.cba'):equals('hell.o')}", a)).toBe(true);
    expect(val("${allMatchingAttributes('(abc|xyz)'):matches('\\d+')}", a)).toBe(true);
    expect(val("${allMatchingAttributes('123\\.cba'):equals('no')}", a)).toBe(false);
  });

  it("delineated values split on a regular expression (TestQuery#testAnyDelineatedValue, #testAllDelineatedValues)", () => {
    const a = { abc: "a,b,c", xyz: "abc" };
    expect(val("${anyDelineatedValue(${abc}, ','):equals('b')}", a)).toBe(true);
    expect(val("${anyDelineatedValue(${abc}, ','):equals('d')}", a)).toBe(false);
    expect(val("${allDelineatedValues(${abc}, ','):matches('[abc]')}", a)).toBe(true);
    expect(val("${allDelineatedValues(${abc}, ','):matches('[abd]')}", a)).toBe(false);
    expect(val("${allDelineatedValues(${abc}, ','):equals('a'):not()}", a)).toBe(false);
    whole("${allDelineatedValues('1;2;;3;;', ';+'):count()}", a, 3);
    expect(ev("${allDelineatedValues('a1b22c', '\\d+'):join('-')}", a)).toBe("a-b-c");
  });
});

describe("string functions", () => {
  it("substring outside the string is '' (TestQuery#testSubstringOOB)", () => {
    const a = { filename: "file-255" };
    for (const q of ["${filename:substring(10, 20)}", "${filename:substring(10)}", "${filename:substring(-2)}", "${filename:substring(2, -2)}"]) expect(ev(q, a)).toBe("");
  });

  it("substringAfterLast and substringBefore edge cases (TestQuery#testSubstringAfterLast)", () => {
    const a = { filename: "file-file-255", w: "abc" };
    expect(ev("${filename:substringAfterLast('file-')}", a)).toBe("255");
    expect(ev("${filename:substringAfterLast('5')}", a)).toBe("");
    expect(ev("${filename:substringAfterLast('x')}", a)).toBe("file-file-255");
    // SubstringBeforeEvaluator/SubstringAfterLastEvaluator: an empty search gives the whole subject.
    expect(ev("${w:substringBefore('')}", a)).toBe("abc");
    expect(ev("${w:substringAfterLast('')}", a)).toBe("abc");
    expect(ev("[${missing:substringBefore('x')}]", a)).toBe("[]");
  });

  it("padLeft and padRight (TestQuery#testPadLeft, #testPadRight)", () => {
    const a = { attr: "hello", emptyString: "" };
    expect(ev("${attr:padLeft(10, '@')}", a)).toBe("@@@@@hello");
    expect(ev("${attr:padLeft(10)}", a)).toBe("_____hello");
    expect(ev('${attr:padLeft(10, "xy")}', a)).toBe("xyxyxhello");
    expect(ev('${attr:padLeft(10, "aVeryLongPaddingString")}', a)).toBe("aVeryhello");
    expect(ev('${attr:padLeft(-10, "a")}', a)).toBe("hello");
    expect(ev("${emptyString:padLeft(10, '@')}", a)).toBe("@@@@@@@@@@");
    expect(ev('${attr:padLeft(9999999999, "abc")}', a)).toBe("hello");
    expect(val('${nonExistingAttr:padLeft(10, "abc")}', a)).toBeNull();
    expect(ev("${attr:padRight(10, '@')}", a)).toBe("hello@@@@@");
  });

  it("a huge pad length is an evaluation error, not a crash (the output bound)", () => {
    expect(() => ev("${attr:padLeft(2000000000)}", { attr: "x" })).toThrow(ElEvaluationError);
    expect(() => ev("${attr:padLeft(2000000000)}", { attr: "x" })).toThrow(/more than the limit/);
    expect(() => ev(`\${attr:repeat(${MAX_RESULT_LENGTH})}`, { attr: "ab" })).toThrow(ElEvaluationError);
    expect(() => ev("${attr:replaceAll('', ${big})}", { attr: "x".repeat(1000), big: "y".repeat(20000) })).toThrow(ElEvaluationError);
  });

  it("repeat (TestQuery#testRepeat)", () => {
    const a = { str: "abc" };
    expect(ev("${not_exist:repeat(1, 2)}", a)).toBe("");
    expect(ev("${str:repeat(1, 1)}", a)).toBe("abc");
    expect(["abc", "abcabc", "abcabcabc"]).toContain(ev("${str:repeat(1, 3)}", a));
    expect(ev("${str:repeat(4)}", a)).toBe("abcabcabcabc");
    for (const q of ["${str:repeat(-1)}", "${str:repeat(0)}", "${str:repeat(2,1)}"]) expect(() => ev(q, a)).toThrow(ElEvaluationError);
  });

  it("getDelimitedField (TestQuery#testGetDelimitedField)", () => {
    const f = (line: string, q: string) => ev(q, { line });
    expect(f("Name, Age, Title", "${line:getDelimitedField(2)}")).toBe(" Age");
    expect(f("Name, Age, Title", "${line:getDelimitedField(3, ',', '\"', '\\\\')}")).toBe(" Title");
    expect(f('"Name (Last, First)", Age, Title', "${line:getDelimitedField(1)}")).toBe('"Name (Last, First)"');
    expect(f("_Name (Last, First)_, Age, Title", "${line:getDelimitedField(1)}")).toBe("_Name (Last");
    expect(f("_Name (Last, First)_, Age, Title", "${line:getDelimitedField(1, ',', '_')}")).toBe("_Name (Last, First)_");
    expect(f("Name (Last\\, First), Age, Title", "${line:getDelimitedField(1)}")).toBe("Name (Last\\, First)");
    expect(f("Name (Last__, First), Age, Title", "${line:getDelimitedField(1, ',', '\"', '_')}")).toBe("Name (Last__");
    expect(f("Name (Last_, First), Age, Title", "${line:getDelimitedField(1, ',', '\"', '_')}")).toBe("Name (Last_, First)");
    expect(f('\\"Name (Last, First), Age, Title', "${line:getDelimitedField(1)}")).toBe('\\"Name (Last');
    expect(f("Name, Age, Title", "${line:getDelimitedField(12)}")).toBe("");
    const line = 'col 1, col 2, "The First, Second, and \\"Last\\" Column", Last';
    expect(f(line, "${line:getDelimitedField(3):trim()}")).toBe('"The First, Second, and \\"Last\\" Column"');
    expect(f(line, "${line:getDelimitedField(3, ',', '\"', '\\\\', true):trim()}")).toBe('The First, Second, and "Last" Column');
    expect(f('"Jacobson, John", 32, Mr.', "${line:getDelimitedField(2)}")).toBe(" 32");
    expect(() => f("a,b", "${line:getDelimitedField(1, ',,')}")).toThrow(ElEvaluationError);
  });

  it("replaceByPattern (TestQuery#testReplaceByPattern)", () => {
    const a = { str_attr: "myValue2" };
    expect(ev("${str_attr:replaceByPattern('')}", a)).toBe("myValue2");
    expect(ev("${str_attr:replaceByPattern(${doesnotexist})}", a)).toBe("myValue2");
    expect(ev("${str_attr:replaceByPattern('.*:foo')}", a)).toBe("foo");
    expect(ev("${str_attr:replaceByPattern('myValue2:test,.*:foo')}", a)).toBe("test");
    expect(ev("${str_attr:replaceByPattern('myValue[3-4]:test,abc:foo')}", a)).toBe("myValue2");
    expect(ev("${str_attr:replaceByPattern('myValue[3-4]:test, abc:foo, myValue[1-4]:xyz')}", a)).toBe("xyz");
    expect(ev("${str_attr:replaceByPattern(${literal('myValue[3-4]:test'):append(','):append(' .*:foo')})}", a)).toBe("foo");
  });

  it("unique, compactDelimitedList, trimDelimitedList (TestQuery#testUnique, #testCompactDelimitedList, #testTrimDelimitedList)", () => {
    expect(ev("${literal('a,b,a,c,b'):unique(',')}")).toBe("a,b,c");
    expect(ev("${literal('a,,b,,c'):compactDelimitedList(',')}")).toBe("a,b,c");
    expect(ev("${literal(',,a,,b,,'):trimDelimitedList(',')}")).toBe("a,,b");
    expect(ev("${literal('a|b'):unique('')}")).toBe("a|b");
    expect(ev("[${missing:unique(',')}]")).toBe("[]");
  });

  it("in, ifElse, find with a missing regex (TestQuery#testIn, #testFind)", () => {
    const a = { myEnum: "JOHN", toReplace: "BLUE", abc: "1234xyz4321", dotted: "abc.xyz" };
    expect(val("${ myEnum:in('PAUL', 'JOHN', 'MIKE') }", a)).toBe(true);
    expect(val("${ myEnum:in('RED', ${ toReplace:replace('BLUE', 'JOHN') }, 'GREEN') }", a)).toBe(true);
    expect(val("${dotted:find('\\.')}", a)).toBe(true);
    expect(ev("${abc:find(${not.here})}", a)).toBe("false");
  });

  it("evaluateELString (TestQuery#testStringEL)", () => {
    const a = { "employee.gender": "male  ", "employee.name": "Harry Potter", id: "1234", "sql.query": "SELECT * FROM table WHERE ID = ${id}" };
    expect(ev("${sql.query:evaluateELString()}", a)).toBe("SELECT * FROM table WHERE ID = 1234");
    expect(ev("${employee.name:evaluateELString():toUpper()}", a)).toBe("HARRY POTTER");
    expect(ev("${employee.gender:trim():evaluateELString()}", a)).toBe("male");
  });
});

describe("encoding functions", () => {
  it("escapes (TestQuery#testEscapeFunctions)", () => {
    expect(ev("${s:escapeJson()}", { s: 'making air "QUOTES".' })).toBe('making air \\"QUOTES\\".');
    expect(ev("${s:escapeXml()}", { s: "M & M" })).toBe("M &amp; M");
    expect(ev("${s:escapeCsv()}", { s: 'making air "QUOTES".' })).toBe('"making air ""QUOTES""."');
    expect(ev("${s:escapeHtml3()}", { s: "special ¡" })).toBe("special &iexcl;");
    expect(ev("${s:escapeHtml4()}", { s: "special ♣" })).toBe("special &clubs;");
    expect(ev("${s:escapeJson()}", { s: "é/\n" })).toBe("\\u00E9\\/\\n");
    expect(ev("[${missing:escapeJson()}]")).toBe("[]");
  });

  it("unescapes (TestQuery#testUnescapeFunctions)", () => {
    expect(ev("${s:unescapeJson()}", { s: 'making air \\"QUOTES\\".' })).toBe('making air "QUOTES".');
    expect(ev("${s:unescapeXml()}", { s: "M &amp; M" })).toBe("M & M");
    expect(ev("${s:unescapeCsv()}", { s: '"making air ""QUOTES""."' })).toBe('making air "QUOTES".');
    expect(ev("${s:unescapeHtml3()}", { s: "special &iexcl;" })).toBe("special ¡");
    expect(ev("${s:unescapeHtml4()}", { s: "special &clubs;" })).toBe("special ♣");
    expect(ev("${s:unescapeJson()}", { s: "\\u00e9\\t" })).toBe("é\t");
  });

  it("hash (TestQuery#testHash, #testHashFailure)", () => {
    const a = { str_attr: "string value", nbr_attr: "10" };
    expect(ev("${literal('john'):hash('MD5')}", a)).toBe("527bd5b5d689e2c32ae974c6229ff785");
    expect(ev("${str_attr:hash('MD5')}", a)).toBe("64e58419496c7248b4ef25731f88b8c3");
    expect(ev("${str_attr:hash('SHA-1')}", a)).toBe("34990db823e7bb2b47278a7fbf08c62d9e8e4307");
    expect(ev("${str_attr:hash('SHA-256')}", a)).toBe("9b6a1a9167a5caf3f5948413faa89e0ec0de89e12bef55327442e60dcc0e8c9b");
    expect(ev("${nbr_attr:toNumber():hash('MD5')}", a)).toBe("d3d9446802a44259755d38e6d163e820");
    expect(validate("${str_attr:hash('NOT_A_ALGO')}").ok).toBe(false);
    expect(() => ev("${str_attr:hash(${algo})}", { ...a, algo: "NOT_A_ALGO" })).toThrow(ElEvaluationError);
  });

  it("UUID3 and UUID5 (TestQuery#testUuidsWithNamespace)", () => {
    const a = { myattr0: "u5IkOYFFvYioYBJSNI2XNjPaVoRjXYnr", myattr9: "WxiyO8Gzw0jQnBlYeZMcdNTwCWJe5MNg" };
    expect(ev("${myattr0:UUID3('b9e81de3-7047-4b5e-a822-8fff5b49f808')}", a)).toBe("7ab88cc4-7748-3214-812a-1bc4500a911a");
    expect(ev("${myattr9:UUID3('4939d5dd-51c1-4d0e-badd-77fa7c7eebc1')}", a)).toBe("6507198b-f565-3196-9123-6f946f8c53bc");
    expect(ev("${myattr11:UUID3('4939d5dd-51c1-4d0e-badd-77fa7c7eebc1')}", a)).toBe("");
    expect(ev("${myattr9:UUID3(${myattr11})}", a)).toBe("f2d25da2-cc06-34de-80a3-cf64aff82020");
    expect(ev("${myattr0:UUID5('245b55a8-397d-4480-a41e-16603c8cf9ad')}", a)).toBe("74f6dc12-6d84-500c-9583-e9fed79912ea");
    expect(ev("${myattr9:UUID5(${myattr11})}", a)).toBe("0231a7bf-7bbe-5a0c-8bbd-9c7bc2e95071");
    whole("${myattr0:UUID5(${UUID()}):length()}", a, 36);
    expect(() => ev("${myattr0:UUID3('not-a-uuid')}", a)).toThrow(ElEvaluationError);
  });

  it("isJson (IsJsonEvaluator: an object or array that parses)", () => {
    expect(val("${s:isJson()}", { s: ' {"a": [1, 2]} ' })).toBe(true);
    expect(val("${s:isJson()}", { s: "[1, 2" })).toBe(false);
    expect(val("${s:isJson()}", { s: "42" })).toBe(false);
    expect(val("${missing:isJson()}")).toBe(false);
  });

  it("jsonPath on a missing attribute is an error, as in NiFi (TestQuery#testJsonPath)", () => {
    expect(() => ev("${missing:jsonPath('$.firstName')}")).toThrow(ElEvaluationError);
    expect(() => ev("${invalid:jsonPath('$.firstName')}", { invalid: "[}" })).toThrow(ElEvaluationError);
  });
});

describe("null and empty", () => {
  it("isEmpty, isNull, notNull, replaceEmpty, replaceNull (TestQuery#testIsEmpty, #testIsNull, #testReplaceNull)", () => {
    const a = { a: "a", b: "", c: "        \n" };
    expect([val("${a:isEmpty()}", a), val("${b:isEmpty()}", a), val("${c:isEmpty()}", a), val("${d:isEmpty()}", a)]).toEqual([false, true, true, true]);
    expect(val("${d:isNull()}", a)).toBe(true);
    expect(val("${b:notNull()}", a)).toBe(true);
    expect(ev("${c:replaceEmpty('x')}", a)).toBe("x");
    expect(ev("${d:replaceNull('x')}", a)).toBe("x");
  });

  it("equals with a missing side is false (EqualsEvaluator)", () => {
    expect(val("${missing:equals(${alsoMissing})}")).toBe(false);
    expect(val("${a:equals(${missing})}", { a: "" })).toBe(false);
  });
});

describe("dates and instants", () => {
  it("text in NiFi's date forms converts implicitly (TestQuery#testImplicitConversions)", () => {
    expect(ev("${n:format( 'yyyy' )}", { n: "2014/04/04 00:00:00" })).toBe("2014");
    expect(ev("${n:format( 'yyyy' ):append(','):append( ${n:format( 'SSS' )} )}", { n: "2014/04/04 00:00:00.045" })).toBe("2014,045");
    expect(ev("${z:format('yyyy')}", { z: "Fri Apr 04 00:00:45 UTC 2014" })).toBe("2014");
    expect(() => ev("${n:format('yyyy')}", { n: "yesterday" })).toThrow(ElEvaluationError);
  });

  it("plusDuration and minusDuration (TestQuery#testPlusDuration, #testMinusDuration)", () => {
    const f = (date: string, q: string) => ev(q, { date });
    expect(f("04-08-2026", "${date:toDate('dd-MM-yyyy'):plusDuration('1000000000 nanoseconds'):format('dd-MM-yyyy HH:mm:ss')}")).toBe("04-08-2026 00:00:01");
    expect(f("04-08-2026", "${date:toDate('dd-MM-yyyy'):plusDuration('2 hours'):format('dd-MM-yyyy HH:mm:ss')}")).toBe("04-08-2026 02:00:00");
    expect(f("04-08-2026", "${date:toDate('dd-MM-yyyy'):plusDuration('2 WEEKS'):format('dd-MM-yyyy')}")).toBe("18-08-2026");
    expect(f("04-08-2026", "${date:toDate('dd-MM-yyyy'):plusDuration('3 months'):format('dd-MM-yyyy')}")).toBe("04-11-2026");
    expect(f("04-08-2026", "${date:toDate('dd-MM-yyyy'):plusDuration('1 month'):minusDuration('2 days'):format('dd-MM-yyyy')}")).toBe("02-09-2026");
    expect(f("29-02-2024", "${date:toDate('dd-MM-yyyy'):plusDuration('1 year'):format('dd-MM-yyyy')}")).toBe("28-02-2025");
    expect(f("31-01-2026", "${date:toDate('dd-MM-yyyy'):plusDuration('1 month'):format('dd-MM-yyyy')}")).toBe("28-02-2026");
    expect(
      ev("${d:toDate('yyyy-MM-dd HH:mm:ss', 'Europe/Vienna'):plusDuration('1 day', 'Europe/Vienna'):format('yyyy-MM-dd HH:mm:ssXXX', 'Europe/Vienna')}", { d: "2026-03-29 00:00:00" }),
    ).toBe("2026-03-30 00:00:00+02:00");
    expect(
      ev("${d:toDate('yyyy-MM-dd HH:mm:ss', 'America/New_York'):minusDuration('1 day', 'America/New_York'):format('yyyy-MM-dd HH:mm:ssXXX', 'America/New_York')}", { d: "2026-11-02 00:00:00" }),
    ).toBe("2026-11-01 00:00:00-04:00");
    for (const bad of ["1 Monday", "1days", "2 fortnights"]) expect(validate(`\${date:toDate('dd-MM-yyyy'):plusDuration('${bad}')}`).ok).toBe(false);
    expect(validate("${date:toDate('dd-MM-yyyy'):plusDuration('1 day', 'America/Fake')}").ok).toBe(false);
    expect(() => f("04-08-2026", "${date:plusDuration('1 week')}")).toThrow(ElEvaluationError);
    expect(val("${missing:plusDuration('1 week')}")).toBeNull();
  });

  it("toInstant, formatInstant, toNumber of an instant (TestQuery#testInstantToNumber, #testAddOneDayToInstant)", () => {
    const a = { dateTime: "2013/11/18 10:22:27.678" };
    whole("${dateTime:toInstant('yyyy/MM/dd HH:mm:ss.SSS', 'America/New_York'):toNumber()}", a, 1384788147678);
    expect(
      ev("${dateTime:toInstant('yyyy/MM/dd HH:mm:ss.SSS', 'America/New_York'):toNumber():plus(86400000):toInstant():formatInstant('yyyy/MM/dd HH:mm:ss.SSS', 'America/New_York')}", a),
    ).toBe("2013/11/19 10:22:27.678");
    expect(ev("${dateTime:toInstant('yyyy/MM/dd HH:mm:ss.SSS', 'UTC'):plusInstantDuration('1 day'):formatInstant('yyyy-MM-dd', 'UTC')}", a)).toBe("2013-11-19");
    whole("${literal(1500):toInstant():toMicros()}", {}, 1500000);
  });

  it("isValidDate (IsValidDateEvaluator)", () => {
    expect(val("${d:isValidDate('yyyy-MM-dd')}", { d: " 2024-02-29 " })).toBe(true);
    expect(val("${d:isValidDate('yyyy-MM-dd')}", { d: "2024-02-30" })).toBe(false);
    expect(val("${missing:isValidDate('yyyy-MM-dd')}")).toBe(false);
  });
});

describe("compiled once, evaluated many times", () => {
  it("a multi-attribute expression is reusable and re-entrant", () => {
    const c = compile("${anyAttribute('a', 'b'):equals(${anyAttribute('c'):isEmpty()})}");
    expect(c.evaluate({ a: "true", b: "x" })).toBe("true");
    expect(c.evaluate({ a: "false", b: "x", c: "y" })).toBe("true");
    expect(c.evaluate({ a: "x", b: "y" })).toBe("false");
  });
});
