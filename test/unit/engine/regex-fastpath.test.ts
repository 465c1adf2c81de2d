// SafeRegex finds matches with its own lazy DFAs over re2js's compiled program (forward for
// where the leftmost-first match ends, reverse for where it starts), extracts groups on that
// span only (a one-pass table, or re2js's engines), and answers ReplaceText's default
// `(?s)(^.*$)` without reading the text. None of that may change a result: every test here
// compares compileJavaRegex with compileJavaRegexReference, the same translated pattern run by
// re2js's own API (RE2JS.test, exec, matchAll), which is what SafeRegex did before.
import { describe, expect, it } from "vitest";
import { compileJavaRegex, compileJavaRegexReference, RegexError, type RegexMode, type SafeRegex } from "../../../engine/core/el/regex";

/** Everything a caller can observe, in a form toEqual compares exactly. */
function observe(re: SafeRegex, subject: string): unknown {
  const show = (m: ReturnType<SafeRegex["exec"]>) =>
    m === null ? null : { values: [...m], index: m.index, groups: m.groups === undefined ? undefined : { ...m.groups } };
  return {
    test: re.test(subject),
    exec: show(re.exec(subject)),
    all: [...re.matchAll(subject)].map(show),
    replaceAll: re.replace(subject, "<$0|$1>", true),
    replaceFirst: re.replace(subject, "[$0]", false),
  };
}

/** Compiles with both paths; null when the pattern is rejected (by both, which is checked). */
function pair(pattern: string, mode: RegexMode, flags = ""): [SafeRegex, SafeRegex] | null {
  let fast: SafeRegex;
  try {
    fast = compileJavaRegex(pattern, mode, flags);
  } catch (e) {
    if (!(e instanceof RegexError)) throw e;
    expect(() => compileJavaRegexReference(pattern, mode, flags)).toThrow(RegexError);
    return null;
  }
  return [fast, compileJavaRegexReference(pattern, mode, flags)];
}

function expectSame(pattern: string, subjects: readonly string[], modes: readonly RegexMode[] = ["find", "full"], flags = ""): void {
  for (const mode of modes) {
    const p = pair(pattern, mode, flags);
    if (p === null) continue;
    for (const s of subjects) {
      const [fast, ref] = p;
      const got = observe(fast, s);
      const want = observe(ref, s);
      if (JSON.stringify(got) !== JSON.stringify(want)) {
        // toEqual names the difference; the message names the case.
        expect({ pattern, mode, flags, subject: s, result: got }).toEqual({ pattern, mode, flags, subject: s, result: want });
      }
    }
  }
}

/** A small deterministic generator (mulberry32), so that a failure reproduces. */
function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const ATOMS = ["a", "b", "c", "ab", "\\d", "\\w", "\\s", "\\W", ".", "[ab]", "[^a]", "[a-c\\n]", "é", "😀", "\\n", " ", "_", "1", "(?i:k)", "\\p{L}", "x"];
const ASSERTIONS = ["^", "$", "\\b", "\\B", "\\A", "\\z"];
const QUANTIFIERS = ["*", "+", "?", "*?", "+?", "??", "{2}", "{1,3}", "{0,2}?", "{2,}"];
const FLAGS = ["", "", "", "(?i)", "(?m)", "(?s)", "(?ms)"];

function randomPattern(rnd: () => number, depth = 0): string {
  const pick = <T,>(xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)] as T;
  const parts: string[] = [];
  const n = 1 + Math.floor(rnd() * 4);
  for (let i = 0; i < n; i++) {
    const r = rnd();
    let piece: string;
    if (r < 0.12) piece = pick(ASSERTIONS);
    else if (r < 0.3 && depth < 3) {
      const inner = randomPattern(rnd, depth + 1) + (rnd() < 0.4 ? "|" + randomPattern(rnd, depth + 1) : "");
      const open = pick(["(", "(", "(?:", "(?<g" + depth + i + ">"]);
      piece = open + inner + ")";
    } else piece = pick(ATOMS);
    if (!ASSERTIONS.includes(piece) && rnd() < 0.35) piece += pick(QUANTIFIERS);
    parts.push(piece);
  }
  let out = parts.join("");
  if (rnd() < 0.15) out += "|" + randomPattern(rnd, depth + 1);
  return depth === 0 ? pick(FLAGS) + out : out;
}

const ALPHABET = ["a", "a", "b", "c", "k", "K", "x", " ", "\n", "1", "_", "é", "😀", "\ud800", "\udc00", "=", "A"];

function randomSubject(rnd: () => number): string {
  const n = Math.floor(rnd() * 12);
  let s = "";
  for (let i = 0; i < n; i++) s += ALPHABET[Math.floor(rnd() * ALPHABET.length)];
  return s;
}

describe("the fast path gives re2js's results", () => {
  it("on random patterns and subjects (fixed seed)", () => {
    const rnd = random(20260412);
    for (let i = 0; i < 1500; i++) {
      const pattern = randomPattern(rnd);
      const subjects = Array.from({ length: 6 }, () => randomSubject(rnd));
      expectSame(pattern, subjects);
    }
  });

  it("on longer random subjects, where spans are longer and matches many", () => {
    const rnd = random(7);
    for (let i = 0; i < 150; i++) {
      const pattern = randomPattern(rnd);
      const subjects = Array.from({ length: 2 }, () => Array.from({ length: 20 }, () => randomSubject(rnd)).join(""));
      expectSame(pattern, subjects, ["find"]);
    }
  });

  it("on random patterns over subjects too long for re2js's backtracker (the reference runs its NFA, the fast path the span's engine)", () => {
    const rnd = random(99);
    const filler = "x y_1\n".repeat(4000);
    for (let i = 0; i < 120; i++) {
      const pattern = randomPattern(rnd);
      expectSame(pattern, [randomSubject(rnd) + filler + randomSubject(rnd)], ["find"]);
    }
  });

  it("at the edges of matches: ^ $ \\b \\B \\A \\z, multiline, empty matches", () => {
    const subjects = ["", "a", "ab cd", "ab\ncd\n", "\n", "\n\n", " x ", "x=1 y=22\nz=333", "aaa", "a\nb"];
    for (const p of [
      "^", "$", "\\b", "\\B", "(?m)^", "(?m)$", "(?m)^$", "(?m)^(\\w*)$", "\\b(\\w+)\\b", "\\B(\\w)\\B", "(\\w)\\b(.)", "x*", "(x*)",
      "a*?", "(a|)", "(|a)", "a|\\b", "(a|\\b)+", "(?m)(^|x)(.)", "\\A(.)", "(.)\\z", "(\\w+)=(\\d+)$", "(?m)(\\w+)=(\\d+)$",
      "^(\\w+)=(\\d+)", "(\\d+)\\b", "\\b(\\d+)", "(a*)*", "(a*)+b?", "(?:a|ab)(c|bcd)(d*)", "(a+)(a+)", "(a+?)(a+)", "(a??)(a*)",
    ]) {
      expectSame(p, subjects);
    }
  });

  it("with surrogate pairs, lone surrogates and non-Latin-1 text", () => {
    const subjects = ["😀", "a😀b", "😀😀x", "\ud800", "\udc00", "\ud800\ud800\udc00", "x\udc00\ud800y", "日本語テキスト", "ΑΒΓ αβγ", "K k K"];
    for (const p of [".", "(.)", "(.)(.)", "\\p{L}+", "(\\p{L})(\\P{L})", "[😀-😂]+", "(?i)k+", "(?i)(k)", "\\W+", "(\\S+)", "\\b.\\b", "(?s)(.*)", ".*?", "(日本)(語)?"]) {
      expectSame(p, subjects);
    }
  });

  it("ReplaceText's default (?s)(^.*$) and other whole-text patterns", () => {
    const subjects = ["", "a", "line 1\nline 2\n", "\n", "😀", "x".repeat(10_000)];
    for (const p of ["(?s)(^.*$)", "(?s)^.*$", "(?s)(.*)", "(?s).*", "(?s)^(.*)$", "(?s)\\A(.*)\\z", "(?s)(^(.*)$)", "(?ms)(^.*$)", "(?s)(.*)$", "(?s)(.*?)", "(.*)", "^(.*)$"]) {
      expectSame(p, subjects);
    }
    for (const extra of ["i", "m", "s"]) expectSame("(^.*$)", subjects, ["find", "full"], extra);
  });

  it("on inputs longer than re2js's backtracker takes (the NFA on the span) and with many matches", () => {
    const text = Array.from({ length: 3000 }, (_, i) => `k${i}=${i % 7 === 0 ? "" : i} ${i % 5 === 0 ? "fatal" : "ok"}`).join("\n");
    for (const p of ["(\\w+)=(\\d*)", "(?m)^(\\w+)=(\\d+) (ok)$", "(\\w+)=(\\d+)\\b", "(?s)k1=(.*)k2999", "(?i)(FATAL)|(ok)", "k(\\d+)=(\\d)?", "(\\d)(\\d)?(\\d)?", "(?s)(.*?)fatal"]) {
      expectSame(p, [text], ["find"]);
    }
    // A match longer than the backtracker's limit, with groups at both ends.
    expectSame("(k0)=(?s:.*)(fatal|ok)$", [text], ["find"]);
    expectSame("(?s)(k0)=.*\\b(ok)\\z", [text], ["find", "full"]);
  });

  it("when the DFA needs too many states and gives up (re2js's Matcher answers)", () => {
    // (a|b)*a(a|b){14}: the DFA for "the 15th character from the end is a" has 2^15 states.
    const rnd = random(3);
    const text = Array.from({ length: 40_000 }, () => (rnd() < 0.5 ? "a" : "b")).join("");
    expectSame("(a|b)*a(a|b){14}", [text], ["find"]);
    expectSame("(b)a[ab]{14}(b)", [text], ["find"]);
  });

  it("skipping to characters that can start a match (contains), and dropping that where it hops too often", () => {
    const text = Array.from({ length: 2000 }, (_, i) => `line ${i} status=${i % 9 === 0 ? "FATAL" : "ok"} 😀${i % 13 === 0 ? "😂" : ""}`).join("\n");
    for (const p of ["(?i)fatal|panic", "(?i)(fatal)", "[😂-😃]", "(😂)(.)", "[😀-😂]\\n", "y|😂", "q?z", "(?i)k\\d"]) {
      expectSame(p, [text, "", "fatal", "x😂"], ["find"]);
    }
    // Digits everywhere: skips are short, so the search stops using them; results stay the same.
    const digits = "0123456789 ".repeat(3000) + "5x";
    for (let round = 0; round < 3; round++) expectSame("\\dx|y", [digits], ["find"]);
  });

  it("case-insensitive and Unicode classes on the one-pass group table", () => {
    const subjects = ["KEY=1 Key=22 key=333", "K=1 ſ=2", "Straße=5", "ǅ=1 ǆ=2 Ǆ=3"];
    for (const p of ["(?i)(key)=(\\d+)", "(?i)(k)=(\\d)", "(?i)(s)=(\\d)", "(\\p{Lu})=(\\d)", "(?i)(ǆ)=(\\d)", "(\\w+)=(\\d+)", "([^=]+)=(.*)"]) {
      expectSame(p, subjects);
    }
  });

  it("through the processors' interface: replace with Java replacement strings", () => {
    const cases: Array<[string, string, string]> = [
      ["(\\w+)=(\\d+)", "a=1 bb=22", "$2:$1"],
      ["(?s)(^.*$)", "whole\ntext", "[$1]"],
      ["(?<k>\\w+)=(?<v>\\d+)", "a=1", "${v}=${k}"],
      ["x*", "abc", "-"],
      ["\\b", "ab cd", "|"],
    ];
    for (const [p, s, r] of cases) {
      const [fast, ref] = pair(p, "find") as [SafeRegex, SafeRegex];
      expect(fast.replace(s, r, true)).toBe(ref.replace(s, r, true));
      expect(fast.replace(s, r, false)).toBe(ref.replace(s, r, false));
    }
  });
});
