import { readFileSync } from "node:fs";
import { describe, it, expect } from "vitest";
import { compile, ElEvaluationError, FUNCTIONS, hasExpression, isTruthy, signature, validate, type ElValue } from "../../../engine/core/el/index";

const A: Record<string, string> = {
  filename: "orders.2024.csv",
  amount: "75",
  small: "7",
  decimal: "2.5",
  empty: "",
  blank: "   ",
  word: "abc",
  padded: "  hi  ",
  unicode: "Grüße ñ 日本",
  "my attr": "spaced",
  "kafka.topic": "events",
  flag: "true",
  off: "false",
  path: "/data/in/file.txt",
  url: "a b&c=d/é",
  json: '{"order":{"id":7,"items":[{"sku":"x1","qty":2},{"sku":"y2","qty":1}],"paid":true,"note":null}}',
};

function ev(text: string, attrs: Record<string, string> = A, extra?: Record<string, string>): string {
  return compile(text).evaluate(attrs, extra);
}

function val(text: string, attrs: Record<string, string> = A): ElValue {
  return compile(text).evaluateValue(attrs);
}

describe("literal text and escapes", () => {
  it("passes text without expressions through unchanged", () => {
    expect(ev("plain text")).toBe("plain text");
    expect(ev("")).toBe("");
    expect(ev("I owe you $5")).toBe("I owe you $5");
    expect(ev("a { b } $")).toBe("a { b } $");
  });

  it("follows NiFi's $$ escape rules before '{'", () => {
    expect(ev("$${filename}")).toBe("${filename}");
    expect(ev("$$${filename}")).toBe("$orders.2024.csv");
    expect(ev("$$$${filename}")).toBe("$${filename}");
    expect(ev("$$$$${filename}")).toBe("$$orders.2024.csv");
  });

  it("leaves $ runs alone when no '{' follows", () => {
    expect(ev("You owe me $$5 too")).toBe("You owe me $$5 too");
    expect(ev("cost: $$ and ${amount}")).toBe("cost: $$ and 75");
  });

  it("marks text without live expressions as literal", () => {
    const c = compile("$${x} and text");
    expect(c.isLiteral).toBe(true);
    expect(c.evaluate({})).toBe("${x} and text");
    expect(c.referencedAttributes).toEqual([]);
  });

  it("hasExpression is a quick '${' check", () => {
    expect(hasExpression("${a}")).toBe(true);
    expect(hasExpression("$${a}")).toBe(true);
    expect(hasExpression("no expressions, $5")).toBe(false);
    expect(hasExpression("{}$")).toBe(false);
  });
});

describe("subjects", () => {
  it("reads attributes, including dotted names", () => {
    expect(ev("${filename}")).toBe("orders.2024.csv");
    expect(ev("${kafka.topic}")).toBe("events");
    expect(ev("name=${filename}, amount=${amount}!")).toBe("name=orders.2024.csv, amount=75!");
  });

  it("reads quoted attribute names", () => {
    expect(ev("${'my attr'}")).toBe("spaced");
    expect(ev('${"my attr":toUpper()}')).toBe("SPACED");
  });

  it("allows whitespace inside the braces", () => {
    expect(ev("${ filename : substringAfterLast( '.' ) : toUpper( ) }")).toBe("CSV");
  });

  it("treats a missing attribute as empty text and a null value", () => {
    expect(ev("[${missing}]")).toBe("[]");
    expect(val("${missing}")).toBeNull();
  });

  it("falls back to extra after the attributes", () => {
    expect(ev("${env}", {}, { env: "prod" })).toBe("prod");
    expect(ev("${amount}", A, { amount: "not used" })).toBe("75");
    expect(ev("${env:toUpper()}-${filename}", A, { env: "prod" })).toBe("PROD-orders.2024.csv");
  });

  it("does not see inherited object members as attributes", () => {
    expect(ev("[${constructor}][${toString}][${__proto__}]", {})).toBe("[][][]");
    expect(val("${hasOwnProperty:isNull()}", {})).toBe(true);
  });

  it("calls subjectless functions", () => {
    expect(ev("${literal('x')}")).toBe("x");
    expect(val("${literal(5)}")).toBe(5);
    expect(val("${literal(true)}")).toBe(true);
    expect(ev("${UUID()}")).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(ev("${UUID()}")).not.toBe(ev("${UUID()}"));
    expect(val("${now()}")).toBeInstanceOf(Date);
  });

  it("reports referenced attributes once each, nested ones included", () => {
    const c = compile("${a}-${b:equals(${c:append(${a})})}-${'d e'}");
    expect(c.referencedAttributes).toEqual(["a", "b", "c", "d e"]);
    expect(c.isLiteral).toBe(false);
  });
});

describe("string functions", () => {
  it("toUpper, toLower, trim", () => {
    expect(ev("${filename:toUpper()}")).toBe("ORDERS.2024.CSV");
    expect(ev("${unicode:toUpper()}")).toBe("GRÜSSE Ñ 日本");
    expect(ev("${unicode:toLower()}")).toBe("grüße ñ 日本");
    expect(ev("[${padded:trim()}]")).toBe("[hi]");
    expect(ev("[${missing:toUpper()}][${empty:trim()}]")).toBe("[][]");
    expect(val("${missing:toLower()}")).toBeNull();
  });

  it("length counts UTF-16 units like Java", () => {
    expect(val("${word:length()}")).toBe(3);
    expect(val("${unicode:length()}")).toBe(10);
    expect(val("${empty:length()}")).toBe(0);
    expect(val("${missing:length()}")).toBe(0);
  });

  // NiFi (SubstringEvaluator): indices outside the string give '' instead of being clamped.
  it("substring gives '' for indices outside the string, as NiFi", () => {
    expect(ev("${filename:substring(7)}")).toBe("2024.csv");
    expect(ev("${filename:substring(0, 6)}")).toBe("orders");
    expect(ev("${filename:substring(7, 11)}")).toBe("2024");
    expect(ev("[${word:substring(10)}]")).toBe("[]");
    expect(ev("[${word:substring(1, 100)}]")).toBe("[]");
    expect(ev("[${word:substring(2, 1)}]")).toBe("[]");
    expect(ev("[${word:substring(-5, 2)}]")).toBe("[]");
    expect(ev("${unicode:substring(0, 5)}")).toBe("Grüße");
    expect(ev("${word:substring(${small:minus(6)})}")).toBe("bc");
    expect(val("${missing:substring(1)}")).toBe("");
  });

  it("substringBefore/After(Last) return the subject when the value does not occur", () => {
    expect(ev("${filename:substringBefore('.')}")).toBe("orders");
    expect(ev("${filename:substringBeforeLast('.')}")).toBe("orders.2024");
    expect(ev("${filename:substringAfter('.')}")).toBe("2024.csv");
    expect(ev("${filename:substringAfterLast('.')}")).toBe("csv");
    expect(ev("${word:substringBefore('z')}")).toBe("abc");
    expect(ev("${word:substringAfter('z')}")).toBe("abc");
    expect(ev("${word:substringBeforeLast('z')}")).toBe("abc");
    expect(ev("${word:substringAfterLast('z')}")).toBe("abc");
    expect(ev("[${word:substringBefore('')}]")).toBe("[abc]");
    expect(ev("${word:substringAfter('')}")).toBe("abc");
    expect(ev("${path:substringAfterLast('/')}")).toBe("file.txt");
    expect(ev("${unicode:substringAfter('ñ ')}")).toBe("日本");
    expect(val("${missing:substringAfter('.')}")).toBe(""); // NiFi: '' for a missing subject
  });

  it("append and prepend treat a missing subject as empty", () => {
    expect(ev("${filename:append('.gz')}")).toBe("orders.2024.csv.gz");
    expect(ev("${filename:prepend('in/')}")).toBe("in/orders.2024.csv");
    expect(ev("${missing:append('x')}")).toBe("x");
    expect(ev("${missing:prepend('x')}")).toBe("x");
    expect(ev("${word:append(${amount})}")).toBe("abc75");
    expect(ev("${word:append(5):append(true)}")).toBe("abc5true");
  });

  it("replace is literal, every occurrence, '$' included", () => {
    expect(ev("${filename:replace('.', '_')}")).toBe("orders_2024_csv");
    expect(ev("${word:replace('b', '$&')}")).toBe("a$&c");
    expect(ev("${word:replace('z', 'y')}")).toBe("abc");
    expect(ev("${word:replace('', '-')}")).toBe("-a-b-c-");
    expect(val("${missing:replace('a', 'b')}")).toBeNull();
  });

  it("replaceAll and replaceFirst use Java regex and replacement syntax", () => {
    expect(ev("${filename:replaceAll('\\d', '#')}")).toBe("orders.####.csv");
    expect(ev("${filename:replaceFirst('\\d', '#')}")).toBe("orders.#024.csv");
    expect(ev("${filename:replaceAll('(\\w+)\\.(\\d+)\\.(\\w+)', '$3:$2:$1')}")).toBe("csv:2024:orders");
    // NiFi evaluates ${...} inside a quoted argument, so a named group reference is escaped as $${name}.
    expect(ev("${filename:replaceAll('(?<name>\\w+)\\..*', '$${name}')}")).toBe("orders");
    expect(ev("${word:replaceAll('b', '\\$1')}")).toBe("a$1c");
    expect(ev("${word:replaceAll('b', '[$0]')}")).toBe("a[b]c");
    expect(ev("${word:replaceAll('B', 'x')}")).toBe("abc");
    expect(ev("${word:replaceAll('(?i)B', 'x')}")).toBe("axc");
    expect(ev("${word:replaceAll(${literal('[ac]')}, '.')}")).toBe(".b.");
  });

  it("replaceNull and replaceEmpty", () => {
    expect(ev("${missing:replaceNull('dflt')}")).toBe("dflt");
    expect(ev("[${empty:replaceNull('dflt')}]")).toBe("[]");
    expect(ev("${word:replaceNull('dflt')}")).toBe("abc");
    expect(ev("${empty:replaceEmpty('dflt')}|${blank:replaceEmpty('d')}|${missing:replaceEmpty('d')}|${word:replaceEmpty('d')}")).toBe("dflt|d|d|abc");
  });

  it("padLeft and padRight", () => {
    expect(ev("${small:padLeft(4, '0')}")).toBe("0007");
    expect(ev("${small:padLeft(3)}")).toBe("__7");
    expect(ev("${word:padRight(5, '.')}")).toBe("abc..");
    expect(ev("${word:padRight(2)}")).toBe("abc");
  });

  it("indexOf and lastIndexOf", () => {
    expect(val("${filename:indexOf('.')}")).toBe(6);
    expect(val("${filename:lastIndexOf('.')}")).toBe(11);
    expect(val("${word:indexOf('z')}")).toBe(-1);
    expect(val("${missing:indexOf('z')}")).toBe(-1);
  });

  it("urlEncode and urlDecode follow Java's URLEncoder", () => {
    expect(ev("${url:urlEncode()}")).toBe("a+b%26c%3Dd%2F%C3%A9");
    expect(ev("${literal(\"it's (ok)! ~*._-\"):urlEncode()}")).toBe("it%27s+%28ok%29%21+%7E*._-");
    expect(ev("${url:urlEncode():urlDecode()}")).toBe("a b&c=d/é");
    expect(ev("${literal('a%20b+c'):urlDecode()}")).toBe("a b c");
    expect(() => ev("${literal('%E0%A4%A'):urlDecode()}")).toThrow(ElEvaluationError);
  });

  it("base64Encode and base64Decode use UTF-8", () => {
    expect(ev("${word:base64Encode()}")).toBe("YWJj");
    expect(ev("${unicode:base64Encode():base64Decode()}")).toBe("Grüße ñ 日本");
    expect(ev("${literal('YWI='):base64Decode()}")).toBe("ab");
    expect(ev("${literal('YWI'):base64Decode()}")).toBe("ab");
    expect(ev("${literal('-_8'):base64Decode():length()}")).toBe("2");
    expect(() => ev("${literal('not base64!'):base64Decode()}")).toThrow(ElEvaluationError);
    expect(val("${missing:base64Encode()}")).toBeNull();
  });

  it("jsonPath reads a subset of JSONPath", () => {
    expect(val("${json:jsonPath('$.order.id')}")).toBe(7);
    expect(val("${json:jsonPath('$.order.paid')}")).toBe(true);
    expect(ev("${json:jsonPath('$.order.items[1].sku')}")).toBe("y2");
    expect(ev("${json:jsonPath('$.order.items[-1].qty')}")).toBe("1");
    expect(ev("${json:jsonPath(\"$['order']['items'][0]\")}")).toBe('{"sku":"x1","qty":2}');
    expect(ev("${json:jsonPath('$.order.items[*].sku')}")).toBe('["x1","y2"]');
    expect(ev("[${json:jsonPath('$.order.nope')}][${json:jsonPath('$.order.note')}]")).toBe("[][]");
    expect(() => ev("${word:jsonPath('$.a')}")).toThrow(/not valid JSON/);
    expect(validate("${json:jsonPath('order')}")).toMatchObject({ ok: false, position: 16 });
  });
});

describe("searching and comparison", () => {
  // NiFi (EqualsEvaluator): false when either side is missing.
  it("equals compares text; missing equals nothing", () => {
    expect(val("${word:equals('abc')}")).toBe(true);
    expect(val("${word:equals('ABC')}")).toBe(false);
    expect(val("${amount:equals(75)}")).toBe(true);
    expect(val("${amount:toNumber():equals('75')}")).toBe(true);
    expect(val("${flag:equals(true)}")).toBe(true);
    expect(val("${filename:equals(${filename})}")).toBe(true);
    expect(val("${missing:equals('')}")).toBe(false);
    expect(val("${empty:equals('')}")).toBe(true);
    expect(val("${missing:equals(${alsoMissing})}")).toBe(false);
    expect(val("${unicode:equals('Grüße ñ 日本')}")).toBe(true);
    expect(val("${word:equalsIgnoreCase('ABC')}")).toBe(true);
  });

  it("in matches any argument", () => {
    expect(val("${word:in('x', 'abc')}")).toBe(true);
    expect(val("${amount:in(1, 75)}")).toBe(true);
    expect(val("${word:in('x')}")).toBe(false);
    expect(val("${missing:in('')}")).toBe(false);
  });

  it("contains, startsWith, endsWith", () => {
    expect(val("${filename:contains('2024')}")).toBe(true);
    expect(val("${filename:contains('2025')}")).toBe(false);
    expect(val("${filename:startsWith('orders')}")).toBe(true);
    expect(val("${filename:endsWith('.csv')}")).toBe(true);
    expect(val("${filename:endsWith('.CSV')}")).toBe(false);
    expect(val("${missing:contains('')}")).toBe(false);
    expect(val("${missing:startsWith('')}")).toBe(false);
    expect(val("${empty:startsWith('')}")).toBe(true);
    expect(val("${unicode:contains('日本')}")).toBe(true);
  });

  it("matches must match the whole subject; find matches anywhere", () => {
    expect(val("${filename:matches('orders\\..*\\.csv')}")).toBe(true);
    expect(val("${filename:matches('orders')}")).toBe(false);
    expect(val("${filename:find('orders')}")).toBe(true);
    expect(val("${filename:find('^\\d')}")).toBe(false);
    expect(val("${filename:matches('a|orders.*')}")).toBe(true);
    expect(val("${filename:matches('(?i)ORDERS.*')}")).toBe(true);
    expect(val("${unicode:matches('\\p{L}+ \\p{L} \\p{L}+')}")).toBe(true);
    expect(val("${filename:matches('orders\\Q.2024.\\Ecsv')}")).toBe(true);
    expect(val("${word:matches('[a\\-c]+')}")).toBe(false);
    expect(val("${missing:matches('.*')}")).toBe(false);
    expect(val("${empty:matches('.*')}")).toBe(true);
  });

  it("regexes from attributes are compiled at evaluation time", () => {
    expect(val("${filename:matches(${re})}", { ...A, re: "orders.*" })).toBe(true);
    expect(() => val("${filename:matches(${re})}", { ...A, re: "(" })).toThrow(ElEvaluationError);
    const c = compile("${v:find(${re})}");
    for (let i = 0; i < 200; i++) expect(c.evaluateValue({ v: `x${i}`, re: `^x${i}$` })).toBe(true);
  });

  it("gt, ge, lt, le compare numbers; missing is false", () => {
    expect(val("${amount:gt(50)}")).toBe(true);
    expect(val("${amount:gt(75)}")).toBe(false);
    expect(val("${amount:ge(75)}")).toBe(true);
    expect(val("${amount:lt(75.5)}")).toBe(true);
    expect(val("${amount:le(74)}")).toBe(false);
    expect(val("${small:lt(${amount})}")).toBe(true);
    expect(val("${small:gt(10)}")).toBe(false);
    expect(val("${decimal:gt(-1)}")).toBe(true);
    expect(val("${missing:gt(0)}")).toBe(false);
    expect(val("${missing:le(0)}")).toBe(false);
    expect(val("${amount:gt(${missing})}")).toBe(false);
  });

  // NiFi (NumberCastEvaluator): text that is not a number is no value, and a comparison with no value is false.
  it("comparing a non-number is false", () => {
    expect(val("${word:gt(5)}")).toBe(false);
  });
});

describe("null, empty and boolean logic", () => {
  it("isNull, notNull, isEmpty", () => {
    expect(val("${missing:isNull()}")).toBe(true);
    expect(val("${empty:isNull()}")).toBe(false);
    expect(val("${missing:notNull()}")).toBe(false);
    expect(val("${empty:notNull()}")).toBe(true);
    expect(val("${missing:isEmpty()}")).toBe(true);
    expect(val("${empty:isEmpty()}")).toBe(true);
    expect(val("${blank:isEmpty()}")).toBe(true);
    expect(val("${word:isEmpty()}")).toBe(false);
    expect(val("${literal(0):isEmpty()}")).toBe(false);
  });

  it("not, and, or accept booleans and the text 'true'", () => {
    expect(val("${flag:not()}")).toBe(false);
    expect(val("${off:not()}")).toBe(true);
    expect(val("${missing:not()}")).toBe(true);
    expect(val("${literal('TRUE'):not()}")).toBe(false);
    expect(val("${word:equals('abc'):and(${amount:gt(50)})}")).toBe(true);
    expect(val("${word:equals('abc'):and(${amount:gt(80)})}")).toBe(false);
    expect(val("${word:equals('x'):or(${flag})}")).toBe(true);
    expect(val("${word:equals('x'):or(false)}")).toBe(false);
    expect(val("${flag:and(true):and(${off:not()})}")).toBe(true);
  });

  it("and/or short-circuit, so the argument's errors do not happen", () => {
    expect(val("${off:and(${word:toNumber():gt(1)})}")).toBe(false);
    expect(val("${flag:or(${word:toNumber():gt(1)})}")).toBe(true);
    expect(() => val("${flag:and(${word:substring(${word})})}")).toThrow(ElEvaluationError);
  });

  it("ifElse evaluates only the chosen branch and keeps its type", () => {
    expect(ev("${amount:gt(50):ifElse('big', 'small')}")).toBe("big");
    expect(ev("${small:gt(50):ifElse('big', 'small')}")).toBe("small");
    expect(val("${flag:ifElse(1, 2)}")).toBe(1);
    expect(ev("${missing:isNull():ifElse(${filename}, ${word:toNumber()})}")).toBe("orders.2024.csv");
  });

  it("isTruthy is the condition rule for RouteOnAttribute", () => {
    expect(isTruthy(true)).toBe(true);
    expect(isTruthy("true")).toBe(true);
    expect(isTruthy("True")).toBe(true);
    expect(isTruthy(false)).toBe(false);
    expect(isTruthy("yes")).toBe(false);
    expect(isTruthy(1)).toBe(false);
    expect(isTruthy(null)).toBe(false);
    expect(isTruthy(" true")).toBe(false);
  });
});

describe("numbers", () => {
  // NiFi (WholeNumberCastEvaluator): toNumber is whole; decimal text is truncated.
  it("toNumber gives whole numbers, truncating decimals, and trims whitespace", () => {
    expect(val("${amount:toNumber()}")).toBe(75);
    expect(val("${decimal:toNumber()}")).toBe(2);
    expect(val("${literal(' -1.5e2 '):toNumber()}")).toBe(-150);
    expect(val("${missing:toNumber()}")).toBeNull();
    expect(val("${empty:toNumber()}")).toBeNull();
    expect(val("${blank:toNumber()}")).toBeNull();
  });

  it("an evaluation error names the function and position", () => {
    const c = compile("x=${word:substring(${word})}");
    let error: unknown;
    try {
      c.evaluate(A);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ElEvaluationError);
    const ee = error as ElEvaluationError;
    expect(ee.functionName).toBe("substring");
    expect(ee.position).toBe(9);
    expect(ee.message).toBe("Index is empty, expected a whole number in 'substring' at position 9");
    // NiFi's NumberParsing: hex and Java's double literals are numbers; other text is no value.
    const n = (v: string) => compile("${v:toNumber()}").evaluate({ v });
    expect([n("0x10"), n("Infinity"), n("NaN"), n("1,5"), n("5 5")]).toEqual(["16", "9223372036854775807", "0", "", ""]);
  });

  it("toString gives text; missing is ''", () => {
    expect(val("${amount:toNumber():toString()}")).toBe("75");
    expect(val("${missing:toString()}")).toBe("");
    expect(val("${flag:equals('true'):toString()}")).toBe("true");
  });

  it("arithmetic", () => {
    expect(ev("${amount:plus(5)}")).toBe("80");
    expect(ev("${amount:minus(100)}")).toBe("-25");
    expect(ev("${amount:multiply(2)}")).toBe("150");
    expect(ev("${amount:multiply(0.5)}")).toBe("37.5");
    expect(ev("${amount:divide(4)}")).toBe("18"); // NiFi: whole division truncates
    expect(ev("${amount:divide(5)}")).toBe("15");
    expect(ev("${amount:mod(7)}")).toBe("5");
    expect(ev("${literal(-7):mod(3)}")).toBe("-1");
    expect(ev("${decimal:plus(0.5)}")).toBe("3.0"); // NiFi: decimals print as Java doubles
    expect(ev("${amount:plus(${small}):multiply(2)}")).toBe("164");
    expect(ev("[${missing:plus(1)}]")).toBe("[]");
    expect(ev("[${amount:plus(${missing})}]")).toBe("[]");
  });

  it("whole numbers print without .0, decimals as Java prints doubles", () => {
    expect(ev("${decimal:multiply(2)}")).toBe("5.0");
    expect(ev("${amount:multiply(2)}")).toBe("150");
    expect(ev("${literal(2.50)}")).toBe("2.5");
  });

  it("division and modulo by zero are evaluation errors", () => {
    expect(() => ev("${amount:divide(0)}")).toThrow(/by zero in 'divide'/);
    expect(() => ev("${amount:mod(${literal(0)})}")).toThrow(ElEvaluationError);
  });

  // NiFi: arithmetic with a non-number is no value; a bad index is still an error.
  it("arithmetic on a non-number is empty", () => {
    expect(ev("[${word:plus(1)}]")).toBe("[]");
    expect(ev("[${amount:plus(${word})}]")).toBe("[]");
    expect(() => ev("${word:substring(${word})}")).toThrow(ElEvaluationError);
  });
});

describe("chaining, nesting and typed values", () => {
  it("chains left to right", () => {
    expect(ev("${filename:substringBefore('.'):toUpper()}")).toBe("ORDERS");
    expect(ev("${amount:toNumber():gt(50)}")).toBe("true");
    expect(val("${amount:toNumber():gt(50)}")).toBe(true);
    expect(ev("${filename:substringAfterLast('.'):toUpper():append('-'):append(${amount:plus(1)})}")).toBe("CSV-76");
  });

  it("nests expressions inside arguments, several levels deep", () => {
    expect(val("${filename:startsWith(${word:replace('abc', 'ord')})}")).toBe(true);
    expect(ev("${word:append(${literal('-'):append(${amount:plus(${small})})})}")).toBe("abc-82");
  });

  it("accepts both quote styles with escapes", () => {
    expect(ev("${word:append('it\\'s')}")).toBe("abcit's");
    expect(ev('${word:append("say \\"hi\\"")}')).toBe('abcsay "hi"');
    expect(ev("${word:append('a\\tb\\nc\\\\d')}")).toBe("abca\tb\nc\\d");
    expect(ev("${word:append('}')}")).toBe("abc}");
    expect(ev("${word:append(\"'\")}")).toBe("abc'");
    expect(ev("${word:append('$${not an expression}')}")).toBe("abc${not an expression}");
    expect(ev("${word:append('${word}')}")).toBe("abcabc"); // NiFi: ${...} in a quoted argument is evaluated
  });

  it("evaluateValue keeps the type of a single expression and gives text otherwise", () => {
    expect(val("${amount:plus(1)}")).toBe(76);
    expect(val("x${amount:plus(1)}")).toBe("x76");
    expect(val("${a}${b}", { a: "1", b: "2" })).toBe("12");
    expect(val("text")).toBe("text");
  });

  it("folds constant sub-expressions at compile time", () => {
    const c = compile("${literal('a'):toUpper()}-${literal(2):plus(3)}");
    expect(c.isLiteral).toBe(true);
    expect(c.evaluate({})).toBe("A-5");
    expect(compile("${literal(true)}").evaluateValue({})).toBe(true);
    expect(compile("${now()}").isLiteral).toBe(false);
  });

  it("a constant that fails still fails per evaluation, not at compile time", () => {
    const c = compile("${literal('abc'):substring(${literal('x')})}");
    expect(c.isLiteral).toBe(false);
    expect(() => c.evaluate({})).toThrow(ElEvaluationError);
  });

  it("a compiled expression is reusable across many attribute maps", () => {
    const c = compile("${name:toUpper()}:${n:plus(1)}");
    for (let i = 0; i < 100; i++) expect(c.evaluate({ name: `f${i}`, n: String(i) })).toBe(`F${i}:${i + 1}`);
  });

  it("unicode attribute names and values", () => {
    expect(ev("${ключ:toUpper()}", { ключ: "значение" })).toBe("ЗНАЧЕНИЕ");
    expect(ev("${emoji:length()}", { emoji: "😀" })).toBe("2");
  });
});

describe("function reference", () => {
  it("docs/expression-language.md has a table row for every function, with its current signature", () => {
    const readme = readFileSync(new URL("../../../docs/expression-language.md", import.meta.url), "utf8");
    const missing = [...FUNCTIONS.values()].map(signature).filter((sig) => !readme.includes(`| \`${sig}\` |`));
    expect(missing).toEqual([]);
  });
});
