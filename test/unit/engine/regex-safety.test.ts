// User-supplied regular expressions run on a linear-time engine (re2js), and what such an
// engine cannot do is reported when the pattern is validated, naming the construct.
//
// No timed assertions: the pathological inputs below (catastrophic backtracking for
// JavaScript's RegExp, which takes seconds at 30 characters and would never finish at 100,000)
// simply have to complete within the normal test timeout.
import { describe, expect, it } from "vitest";
import { compile, validate } from "../../../engine/core/el/index";
import { compileJavaRegex, compileJavaReplacement, MAX_PROGRAM_SIZE, RegexError, type RegexMatch } from "../../../engine/core/el/regex";
import { ExtractText } from "../../../processors/extract-text";
import { GetFile } from "../../../processors/get-file";
import { wholeNameRegex } from "../../../processors/kafka/records";
import { compileJsonPath } from "../../../processors/lib/json-path";
import { ListFile } from "../../../processors/list-file";
import { LogAttribute } from "../../../processors/log-attribute";
import { ReplaceText } from "../../../processors/replace-text";
import { RouteOnContent } from "../../../processors/route-on-content";
import { RouteText } from "../../../processors/route-text";
import { UpdateAttribute } from "../../../processors/update-attribute";
import { testRunner } from "../../../processors/testing/runner";

const SHORT = "a".repeat(29) + "!";
const LONG = "a".repeat(100_000) + "!";

function regexError(pattern: string, mode: "full" | "find" = "find"): RegexError {
  try {
    compileJavaRegex(pattern, mode);
  } catch (e) {
    if (e instanceof RegexError) return e;
    throw e;
  }
  throw new Error(`expected ${pattern} to be rejected`);
}

describe("catastrophic patterns run in linear time", () => {
  it("EL matches: the 21-second validation case answers, and at 100,000 characters too", () => {
    const text = "${literal('aaaaaaaaaaaaaaaaaaaaaaaaaaaaa!'):matches('(a+)+')}";
    expect(validate(text)).toEqual({ ok: true });
    expect(compile(text).evaluateValue({})).toBe(false);
    for (const s of [SHORT, LONG]) {
      expect(compile("${s:matches('(a+)+')}").evaluateValue({ s })).toBe(false);
      expect(compile("${s:matches('(a+)+!')}").evaluateValue({ s })).toBe(true);
      expect(compile("${s:find('(a|aa)+$')}").evaluateValue({ s })).toBe(false);
      expect(compile("${s:find('^(a+)+!')}").evaluateValue({ s })).toBe(true);
    }
  });

  it("EL replaceAll / replaceFirst with $1 on pathological input", () => {
    expect(compile("${s:replaceAll('(a+)+(!)', '$2$1')}").evaluate({ s: SHORT })).toBe("!" + "a".repeat(29));
    expect(compile("${s:replaceAll('(a+)+$', 'x')}").evaluate({ s: LONG })).toBe(LONG);
    expect(compile("${s:replaceFirst('(a|aa)+', '<$0>')}").evaluate({ s: "baaa!" })).toBe("b<aaa>!");
    const out = compile("${s:replaceAll('(a+)+!', '[$1]')}").evaluate({ s: LONG });
    // Greedy outer group: the last iteration of (a+) holds every a.
    expect(out).toBe(`[${"a".repeat(100_000)}]`);
  });

  it("the SafeRegex API on pathological input", () => {
    const re = compileJavaRegex("(x+x+)+y", "find");
    expect(re.test("x".repeat(100_000))).toBe(false);
    expect(re.exec("x".repeat(100_000) + "y")?.index).toBe(0);
    expect([...compileJavaRegex("(a+)+!", "find").matchAll(`${SHORT} ${SHORT}`)].map((m) => m.index)).toEqual([0, 31]);
    expect(compileJavaRegex("(\\w+\\s?)+$", "full").test("word ".repeat(20_000) + "!")).toBe(false);
  });

  it("JSONPath filters", () => {
    const path = compileJsonPath("$.items[?(@.name =~ /(a+)+/)].id");
    expect(path.find({ items: [{ id: 1, name: LONG }, { id: 2, name: "aaa" }] })).toEqual([2]);
  });
});

describe("constructs a linear-time engine cannot run are named at validation", () => {
  const cases: Array<[string, RegExp, number]> = [
    ["(a)\\1", /^backreference \\1 at index 3 is not supported/, 3],
    ["(?<w>a)\\k<w>", /^backreference \\k<w> at index 7 is not supported/, 7],
    ["a(?=b)", /^lookahead '\(\?=' at index 1 is not supported/, 1],
    ["a(?!b)", /^negative lookahead '\(\?!' at index 1 is not supported/, 1],
    ["(?<=a)b", /^lookbehind '\(\?<=' at index 0 is not supported/, 0],
    ["(?<!a)b", /^negative lookbehind '\(\?<!' at index 0 is not supported/, 0],
    ["(?>ab|a)c", /^atomic group '\(\?>' at index 0 is not supported/, 0],
    ["a++b", /^possessive quantifier '\+\+' at index 1 is not supported/, 1],
    ["x{2,3}+", /^possessive quantifier '\{2,3\}\+' at index 1 is not supported/, 1],
    ["[a-z&&[^aeiou]]", /^character class intersection '&&' at index 4 is not supported/, 4],
    ["[a[bc]]", /^nested character class \(union\) '\[' at index 2 is not supported/, 2],
    ["end\\Z", /^\\Z .* at index 3 is not supported.*use \\z or \$/, 3],
    ["\\Ga", /^\\G .* at index 0 is not supported/, 0],
    ["\\X", /^\\X \(grapheme cluster\) at index 0 is not supported/, 0],
    ["\\p{InGreek}", /^Unicode block \\p\{InGreek\} at index 0 is not supported/, 0],
    ["(?U)\\w", /^inline flag 'U' .* at index 0 is not supported/, 0],
  ];
  it.each(cases)("%s", (pattern, message, index) => {
    const e = regexError(pattern);
    expect(e.message).toMatch(message);
    expect(e.message).toMatch(/linear time/);
    expect(e.index).toBe(index);
  });

  it("plain syntax errors name the place too", () => {
    expect(regexError("ab(c").message).toBe("unclosed group '(' at index 2");
    expect(regexError("ab)").message).toBe("unmatched closing ')' at index 2");
    expect(regexError("x[ab").message).toBe("unclosed character class '[' at index 1");
    expect(regexError("*a").message).toBe("quantifier '*' at index 0 has nothing to repeat");
    expect(regexError("[z-a]").message).toMatch(/^illegal character range at index 2/);
    expect(regexError("\\p{Nope}").message).toMatch(/^unknown character property \\p\{Nope\} at index 0/);
    expect(regexError("(?<n>a)(?<n>b)").message).toBe("duplicate group name 'n' at index 7");
    expect(regexError("a\\y").message).toBe("illegal escape \\y at index 1");
  });

  it("size limits: huge repetitions and huge patterns are problems, found without compiling them", () => {
    expect(regexError("a{1000}{1000}").message).toMatch(/^quantifier '\{1000\}' at index 7 directly follows another quantifier/);
    expect(regexError("a{1001}").message).toBe("repetition count {1001} at index 1 is over the limit of 1000");
    expect(regexError("(?:a{1000}){1000}").message).toMatch(/^pattern too large at index 11/);
    expect(regexError("(?:(?:a{100}){100}){100}").message).toMatch(/^pattern too large/);
    expect(regexError("(?:a{100}){20}").message).toMatch(/^repetition \{20\} at index 10 is too large: nested repetition counts multiply/);
    expect(regexError("(?:.{1000})".repeat(1500)).message).toMatch(/^pattern too large at index/);
    expect(regexError("\\w{1000}".repeat(12)).message).toMatch(new RegExp(`^pattern too large: it compiles to \\d+ instructions.*at most ${MAX_PROGRAM_SIZE}`));
    expect(regexError("a".repeat(40_000)).message).toBe("pattern too long: 40000 characters, at most 20000");
    expect(regexError("(".repeat(5000) + ")".repeat(5000)).message).toMatch(/nests groups too deeply/);
    // Within the limits: RE2's maximum single repetition.
    expect(compileJavaRegex("\\p{L}{1000}", "full").test("é".repeat(1000))).toBe(true);
  });

  it("EL reports them as syntax errors with the argument's position", () => {
    const v = validate("${a:matches('(x)\\1')}");
    expect(v.ok).toBe(false);
    if (!v.ok) {
      expect(v.message).toMatch(/^Invalid regular expression '\(x\)\\1' for 'matches': backreference \\1 at index 3 is not supported/);
      expect(v.position).toBe(12);
    }
    const big = validate("${a:replaceAll('a{1000}{1000}', 'b')}");
    expect(big.ok).toBe(false);
  });

  it("processors report them per property", () => {
    const problem = (r: { problems: ReadonlyArray<{ property: string; message: string }> }, property: string) =>
      r.problems.find((p) => p.property === property)?.message ?? "";
    expect(problem(testRunner(RouteOnContent, { properties: { dup: "(a)\\1" } }), "dup")).toMatch(/backreference \\1 at index 3/);
    expect(problem(testRunner(ExtractText, { properties: { v: "(?<=x)\\d+" } }), "v")).toMatch(/lookbehind/);
    expect(problem(testRunner(ReplaceText, { properties: { searchValue: "a++" } }), "searchValue")).toMatch(/possessive quantifier/);
    expect(problem(testRunner(RouteText, { properties: { matchingStrategy: "Matches Regular Expression", r: "(?>a)" } }), "r")).toMatch(/atomic group/);
    expect(problem(testRunner(RouteText, { properties: { matchingStrategy: "Starts With", r: "x", groupingRegex: "(a)\\1" } }), "groupingRegex")).toMatch(/backreference/);
    expect(problem(testRunner(LogAttribute, { properties: { attributesToLog: "a(?!b)" } }), "attributesToLog")).toMatch(/negative lookahead/);
    expect(problem(testRunner(UpdateAttribute, { properties: { deleteAttributes: "x{1001}" } }), "deleteAttributes")).toMatch(/over the limit of 1000/);
    expect(problem(testRunner(GetFile, { properties: { inputDirectory: "/tmp", fileFilter: "(.)\\1" } }), "fileFilter")).toMatch(/backreference/);
    expect(problem(testRunner(ListFile, { properties: { inputDirectory: "/tmp", fileFilter: ".*\\.(?=csv)" } }), "fileFilter")).toMatch(/lookahead/);
    expect(() => wholeNameRegex("(?<=a)b")).toThrow(RegexError);
    expect(() => compileJsonPath("$[?(@.a =~ /(x)\\1/)]")).toThrow(/bad regex: backreference/);
  });
});

describe("processors on pathological input", () => {
  it("RouteOnContent routes exact and contained matches", async () => {
    const exact = testRunner(RouteOnContent, { properties: { evil: "(a+)+", bang: "(a+)+!" } });
    exact.enqueue(SHORT);
    exact.enqueue(LONG);
    await exact.run();
    expect(exact.flowFiles("bang").map((f) => f.size)).toEqual([30, 100_001]);
    exact.assertTransferCount("evil", 0);

    const contains = testRunner(RouteOnContent, { properties: { matchRequirement: "content must contain match", evil: "^(a|aa)+$", tail: "(a+)+!$" } });
    contains.enqueue(LONG);
    await contains.run();
    contains.assertTransferCount("evil", 0);
    contains.assertTransferCount("tail", 1);
  });

  it("RouteOnContent sends a dynamic pattern the engine cannot run to failure, not a crash", async () => {
    const r = testRunner(RouteOnContent, { properties: { dyn: "${pattern}" } });
    r.enqueue("ab", { pattern: "(a)\\1" });
    await r.run();
    r.assertTransferCount("failure", 1);
    expect(r.flowFiles("failure")[0]!.attributes["routeoncontent.error"]).toMatch(/backreference \\1 at index 3 is not supported/);
  });

  it("ExtractText extracts groups", async () => {
    const r = testRunner(ExtractText, { properties: { run: "((a+)+)!", none: "(a+)+b" } });
    r.enqueue(LONG);
    await r.run();
    r.assertTransferCount("matched", 1);
    const a = r.flowFiles("matched")[0]!.attributes;
    expect(a.run).toHaveLength(1024); // cut to Maximum Capture Group Length
    expect(a.none).toBeUndefined();
  });

  it("ReplaceText replaces with back references, entire text and line by line", async () => {
    const whole = testRunner(ReplaceText, { properties: { searchValue: "(a+)+(!)", replacementValue: "$2", evaluationMode: "Entire text" } });
    whole.enqueue(LONG);
    await whole.run();
    expect(whole.flowFiles("success")[0]!.content).toBe("!");

    const lines = testRunner(ReplaceText, { properties: { searchValue: "^(a|aa)+$", replacementValue: "x" } });
    lines.enqueue(`${SHORT}\naaaa\n${LONG}\n`);
    await lines.run();
    expect(lines.flowFiles("success")[0]!.content).toBe(`${SHORT}\nx\n${LONG}\n`);
  });

  it("RouteText matches and contains", async () => {
    const r = testRunner(RouteText, { properties: { matchingStrategy: "Matches Regular Expression", evil: "(a+)+", ok: "(a+)+!" } });
    r.enqueue(`${SHORT}\n${LONG}\naaa\n`);
    await r.run();
    expect(r.flowFiles("ok")[0]!.content).toBe(`${SHORT}\n${LONG}\n`);
    expect(r.flowFiles("evil")[0]!.content).toBe("aaa\n");

    const c = testRunner(RouteText, { properties: { matchingStrategy: "Contains Regular Expression", tail: "(a|aa)+!", routingStrategy: "Route to 'matched' if line matches all conditions" } });
    c.enqueue(`${LONG}\nbbb\n`);
    await c.run();
    expect(c.flowFiles("matched")[0]!.content).toBe(`${LONG}\n`);
    expect(c.flowFiles("unmatched")[0]!.content).toBe("bbb\n");
  });
});

describe("Java semantics on the linear engine", () => {
  const m = (pattern: string, subject: string, flags = "") => compileJavaRegex(pattern, "full", flags).test(subject);

  it("inline flags, scoped as in Java, and extra flags", () => {
    expect(m("(?i)abc", "ABC")).toBe(true);
    expect(m("a(?i)b|c", "AC")).toBe(false);
    expect(m("a(?i)b|c", "C")).toBe(true); // (?i) runs to the end of the group, across |
    expect(m("(?i:a)b", "Ab")).toBe(true);
    expect(m("(?i:a)b", "AB")).toBe(false);
    expect(m("(?x) a b  # comment\n c", "abc")).toBe(true);
    expect(m("(?x)a\\ b[ c]", "a c")).toBe(false); // whitespace in a class is skipped too, as in Java
    expect(m("(?m)^b$", "a\nb")).toBe(false); // full match: the whole subject
    expect(compileJavaRegex("(?m)^b$", "find").test("a\nb\nc")).toBe(true);
    expect(m("ABC", "abc", "i")).toBe(true);
  });

  it("'.' excludes every line terminator unless (?s) or (?d)", () => {
    expect(m("a.c", "a\rc")).toBe(false);
    expect(m("a.c", "a\u2028c")).toBe(false);
    expect(m("(?s)a.c", "a\rc")).toBe(true);
    expect(m("(?d)a.c", "a\rc")).toBe(true);
    expect(m("a.c", "a😀c")).toBe(true); // one character, two UTF-16 units
  });

  it("escapes and classes", () => {
    expect(m("\\Q(a+)+\\E", "(a+)+")).toBe(true);
    expect(m("[\\Q]-\\E]+", "]-]")).toBe(true);
    expect(m("\\u00e9\\x{1F600}\\x41\\0101\\t", "é😀AA\t")).toBe(true);
    expect(m("\\uD83D\\uDE00", "😀")).toBe(true);
    expect(m("\\p{L}+ \\p{Lu}\\p{IsLatin}\\p{Greek}", "Grüße Aaα")).toBe(true);
    expect(m("\\p{Alpha}+\\P{Digit}\\p{javaLowerCase}", "ab-c")).toBe(true);
    expect(m("[\\p{Punct}\\d]+", "!3,")).toBe(true);
    expect(m("\\h\\R\\v", "\t\r\n\f")).toBe(true);
    expect(m("[a\\-c]+", "-")).toBe(true);
    expect(m("x{,3}", "x{,3}")).toBe(true); // a "{" that starts no repetition is literal
    expect(m("\\$\\^\\.", "$^.")).toBe(true);
  });

  it("groups: numbered, named both ways, non-greedy", () => {
    const re = compileJavaRegex("(?<y>\\d{4})-(?P<mo>\\d\\d)(?:-(\\d\\d))?", "find");
    expect(re.groupCount).toBe(3);
    const hit = re.exec("on 2024-05!") as RegexMatch;
    expect([...hit]).toEqual(["2024-05", "2024", "05", undefined]);
    expect(hit.index).toBe(3);
    expect(hit.groups).toEqual({ y: "2024", mo: "05" });
    expect(compileJavaRegex("<(.+?)>", "find").exec("<a><b>")?.[1]).toBe("a");
  });

  it("replacements follow Java: $n, longest existing group, ${name}, \\$, empty matches", () => {
    const re = compileJavaRegex("(\\w)(\\w)(?<last>\\w)", "find");
    expect(re.replace("abc", "$3$2$1", true)).toBe("cba");
    expect(re.replace("abc", "$12", true)).toBe("a2"); // group 1, then "2"
    expect(re.replace("abc", "$4", true)).toBe("$4"); // no such group: literal
    expect(re.replace("abc", "${last}\\$0$0", true)).toBe("c$0abc");
    expect(compileJavaRegex("b*", "find").replace("abc", "-", true)).toBe("-a--c-");
    expect(compileJavaRegex("x*", "find").replace("😀", "-", true)).toBe("-😀-");
    expect(compileJavaRegex("a", "find").replace("banana", "o", false)).toBe("bonana");
    expect(compileJavaReplacement("[$1|${n}]")(Object.assign(["ab", "a"], { index: 0, groups: { n: "b" } }))).toBe("[a|b]");
  });

  it("plain-text patterns (the fast path) behave like the automaton", () => {
    for (const [pattern, twin] of [["ana", "an(?:a)"], ["a.b", "a\\.(?:b)"], ["\\Q$x\\E", "\\$(?:x)"]] as const) {
      for (const mode of ["find", "full"] as const) {
        const fast = compileJavaRegex(pattern, mode);
        const slow = compileJavaRegex(twin, mode);
        for (const s of ["banana", "ana", "a.b", "xa.bx", "$x", "", "$x$x"]) {
          expect(fast.test(s)).toBe(slow.test(s));
          expect(fast.replace(s, "<$0>", true)).toBe(slow.replace(s, "<$0>", true));
          expect(fast.replace(s, "<$0>", false)).toBe(slow.replace(s, "<$0>", false));
          expect([...fast.matchAll(s)].map((x) => [x.index, x[0]])).toEqual([...slow.matchAll(s)].map((x) => [x.index, x[0]]));
        }
      }
    }
  });
});
