/**
 * User-supplied regular expressions, matched in linear time.
 *
 * Why not JavaScript's RegExp: it backtracks, so a pattern such as `(a+)+` against thirty
 * `a`s and a `!` takes seconds of CPU (exponential in the input), and a node has one thread.
 * Every pattern a user types (Expression Language, processor properties, JSONPath filters)
 * therefore runs on re2js, a pure JavaScript port of RE2: matching time is linear in the
 * input, whatever the pattern. V8's own linear engine (`--enable-experimental-regexp-engine`,
 * flag `l`) was tried and rejected: it needs a process-wide Node flag, refuses the `u` flag (so
 * `\p{L}`), and was no faster overall (about 2x faster replacing, 3-6x slower testing lines).
 * The native `re2` module would need node-gyp.
 *
 * NiFi users write Java patterns, so `compileJavaRegex` reads Java syntax and translates it
 * to RE2's: inline flags (`(?i)`, `(?x)` comments mode, ... anywhere, scoped as in Java),
 * `\Q...\E`, `\uXXXX`, `\0oct`, `\e`, `\cX`, `\h \v \R`, POSIX `\p{Alpha}`, `\p{IsLatin}`, and
 * Java's `.` (no line terminator of any kind). What a linear-time engine cannot do
 * (backreferences, lookaround, possessive quantifiers, atomic groups, ...) is a RegexError
 * naming the construct and its index in the pattern, thrown at compile time, so validation
 * reports it instead of a run-time failure. Size limits keep compiling (and matching, whose
 * cost is input length × program size) bounded.
 *
 * The price is speed. re2js alone extracts groups 10-50x slower than RegExp, so matches are
 * found here with Sluice's own lazy DFAs over re2js's compiled program and groups extracted on
 * the matched span only (see "Fast path" below; the README's Regular expressions section has
 * figures); plain-text patterns skip the automaton entirely.
 */
import { RE2JS } from "re2js";

/** Why a pattern was rejected; the message names the construct and, when known, its index. */
export class RegexError extends Error {
  /** 0-based index of the offending construct in the pattern as written, when known. */
  readonly index: number | undefined;
  constructor(message: string, index?: number) {
    super(message);
    this.name = "RegexError";
    this.index = index;
  }
}

/** "full": the whole subject must match (Java's `matches`); "find": a match anywhere. */
export type RegexMode = "full" | "find";

/**
 * One match: `[0]` the matched text, `[n]` capture group n (undefined when the group took no
 * part in the match), `index` where it starts (UTF-16 offset), `groups` the named groups
 * (undefined when the pattern names none).
 */
export interface RegexMatch extends ReadonlyArray<string | undefined> {
  readonly index: number;
  readonly groups?: Readonly<Record<string, string | undefined>>;
}

/**
 * A compiled, immutable pattern; safe to share and to call concurrently (no `lastIndex`).
 * Every method runs in time linear in the subject's length (times the pattern's size).
 * In "full" mode every method sees only a match of the whole subject.
 */
export interface SafeRegex {
  /** The pattern as written (Java syntax). */
  readonly source: string;
  readonly mode: RegexMode;
  /** Number of capture groups; group 0 (the whole match) is not counted. */
  readonly groupCount: number;
  /** Whether the subject matches (whole subject in "full" mode). */
  test(subject: string): boolean;
  /** The first match, or null. */
  exec(subject: string): RegexMatch | null;
  /**
   * Every non-overlapping match from left to right, empty ones included; after an empty match
   * the search resumes one character further (as Java's `find` and JavaScript's `matchAll`).
   */
  matchAll(subject: string): IterableIterator<RegexMatch>;
  /**
   * Replaces the first match, or every match when `all`, with a Java replacement string:
   * `$n` / `${name}` are groups (`$0` the whole match; `$12` is group 12 when it exists, else
   * group 1 then "2"; a group that took no part inserts nothing), `\x` is a literal x, and a `$`
   * that starts no reference is literal.
   */
  replace(subject: string, replacement: string, all: boolean): string;
  /** Replaces the first match, or every match when `all`, with what `fn` returns for it. */
  replaceWith(subject: string, fn: (match: RegexMatch) => string, all: boolean): string;
}

/** Longest pattern accepted, in UTF-16 code units; keeps translation and compilation fast. */
export const MAX_PATTERN_LENGTH = 20_000;
/**
 * Largest compiled program (RE2's "program size": about one instruction per literal character
 * or class, with repetitions multiplied out). Matching is linear in the input but, on RE2's NFA
 * fallback, also proportional to this: `.{1000}y` against 1 MB of `x` takes about a minute in
 * re2js. Real patterns stay far below (an IPv4 address: 55, 300 alternative keywords: 2,016).
 */
export const MAX_PROGRAM_SIZE = 5_000;
/** RE2's limit on one repetition count `{n,m}`. */
export const MAX_REPEAT = 1000;
/**
 * Before compiling, a size estimate above this is rejected without compiling (compile time and
 * memory grow with it). The estimate counts every character, so it overshoots for alternations
 * of words, which RE2 factors (20,000 characters of keywords compile to about 6,700).
 */
const MAX_ESTIMATE = 4 * MAX_PROGRAM_SIZE;
/** Compiled patterns kept for reuse (compiling costs far more than with RegExp). */
const CACHE_SIZE = 128;

/** Java's line terminators, which `.` does not match outside DOTALL (RE2's `.` excludes only \n). */
const NOT_LINE_TERMINATOR = "[^\\n\\r\\x{85}\\x{2028}\\x{2029}]";
/** Java's \h, as a class body. */
const HORIZONTAL_SPACE = "\\t \\x{A0}\\x{1680}\\x{180E}\\x{2000}-\\x{200A}\\x{202F}\\x{205F}\\x{3000}";
/** Java's \v, as a class body. */
const VERTICAL_SPACE = "\\n\\x{B}\\f\\r\\x{85}\\x{2028}\\x{2029}";
/** Java's POSIX classes (US-ASCII), as RE2 POSIX class names. */
const POSIX: Readonly<Record<string, string>> = {
  Lower: "lower", Upper: "upper", ASCII: "ascii", Alpha: "alpha", Digit: "digit", Alnum: "alnum", Punct: "punct",
  Graph: "graph", Print: "print", Blank: "blank", Cntrl: "cntrl", XDigit: "xdigit", Space: "space",
};
/** java.lang.Character classes that are one Unicode category. */
const JAVA_CHARACTER: Readonly<Record<string, string>> = {
  javaLowerCase: "Ll", javaUpperCase: "Lu", javaTitleCase: "Lt", javaDigit: "Nd", javaLetter: "L",
};
const UNSUPPORTED_NOTE = "Sluice matches regular expressions in linear time (RE2 syntax)";

function unsupported(what: string, index: number, hint = ""): RegexError {
  return new RegexError(`${what} at index ${index} is not supported: ${UNSUPPORTED_NOTE}${hint ? `; ${hint}` : ""}`, index);
}

function hex(cp: number): string {
  return `\\x{${cp.toString(16).toUpperCase()}}`;
}

const isAsciiAlnum = (c: string): boolean => /^[A-Za-z0-9]$/.test(c);

/** A literal code point in RE2 syntax (the same escaping serves inside and outside a class). */
function literal(cp: number): string {
  if (cp < 0x20 || cp === 0x7f) return hex(cp);
  const c = String.fromCodePoint(cp);
  return cp < 0x80 && !isAsciiAlnum(c) && c !== " " ? "\\" + c : c;
}

/** Java inline flags Sluice tracks itself; only `i` and `m` are passed on to RE2. */
interface Flags {
  readonly i: boolean;
  readonly m: boolean;
  readonly s: boolean;
  readonly x: boolean;
  readonly d: boolean;
}

const NO_FLAGS: Flags = { i: false, m: false, s: false, x: false, d: false };

/** What an escape sequence stands for; `end` is the index after it. */
type Escape =
  | { readonly kind: "char"; readonly cp: number; readonly end: number }
  /** A set of characters: `out` outside a class, `inClass` inside one (null: not allowed there). */
  | { readonly kind: "set"; readonly out: string; readonly inClass: string | null; readonly end: number }
  /** An empty-width assertion (\b, \A, ...) or \R: not allowed in a class. */
  | { readonly kind: "other"; readonly out: string; readonly size: number; readonly end: number }
  /** \Q: quoted text follows up to \E. */
  | { readonly kind: "quote"; readonly end: number };

/** The RE2 translation of a Java pattern. */
interface Translation {
  readonly re2: string;
  /** The text matched when the pattern is plain text (no operator, no case folding), else null. */
  readonly literal: string | null;
}

/** Unicode property names RE2 knows, checked once each. */
const knownProperties = new Map<string, boolean>();

function re2KnowsProperty(name: string): boolean {
  let known = knownProperties.get(name);
  if (known === undefined) {
    try {
      RE2JS.compile(`\\p{${name}}`);
      known = true;
    } catch {
      known = false;
    }
    if (knownProperties.size < 1000) knownProperties.set(name, known);
  }
  return known;
}

/** One open group while translating. */
interface Frame {
  readonly open: number;
  /** Flags in force before the group; restored when it closes. */
  readonly outer: Flags;
  readonly capture: boolean;
  /** Estimated program size of the group's content so far. */
  size: number;
  /** Estimated size of the last atom; 0 when there is nothing a quantifier could repeat. */
  last: number;
  lastWasQuantifier: boolean;
}

/**
 * Translates one Java pattern to RE2 syntax in a single left-to-right pass. Throws RegexError
 * for what Java itself rejects, for what a linear-time engine cannot do, and for patterns over
 * the size limits. It also estimates the compiled program's size (repetitions multiplied out),
 * so that a pattern like `(?:.{1000})` repeated a hundred times is refused before RE2 spends
 * time and memory compiling it.
 */
class Translator {
  private i = 0;
  private out = "";
  private flags: Flags;
  /** The text matched so far, while the pattern is plain text; null once it is not. */
  private literal: string | null;
  private estimate = 0;
  private readonly stack: Frame[];
  private readonly names = new Set<string>();
  private readonly n: number;

  constructor(
    private readonly pattern: string,
    private readonly initial: Flags,
  ) {
    this.n = pattern.length;
    this.flags = initial;
    this.literal = initial.i ? null : "";
    this.stack = [{ open: -1, outer: initial, capture: false, size: 0, last: 0, lastWasQuantifier: false }];
  }

  run(): Translation {
    if (this.n > MAX_PATTERN_LENGTH) throw new RegexError(`pattern too long: ${this.n} characters, at most ${MAX_PATTERN_LENGTH}`);
    const p = this.pattern;
    while (this.i < this.n) {
      if (this.flags.x) {
        this.i = this.skipComments(this.i);
        if (this.i >= this.n) break;
      }
      const at = this.i;
      const c = p[at] as string;
      switch (c) {
        case "\\":
          this.escapeOutsideClass(at);
          break;
        case "[":
          this.i = this.charClass(at);
          break;
        case "(":
          this.openGroup(at);
          break;
        case ")":
          this.closeGroup(at);
          break;
        case "|": {
          this.literal = null;
          this.out += "|";
          const t = this.top();
          t.size += 1;
          t.last = 0;
          t.lastWasQuantifier = false;
          this.grow(1, at);
          this.i++;
          break;
        }
        case "*":
        case "+":
        case "?":
          this.i = this.quantifier(at);
          break;
        case "{": {
          const end = this.quantifier(at);
          if (end >= 0) this.i = end;
          else {
            // Not a repetition: a literal "{", as JavaScript reads it (Java would reject it).
            this.atom("\\{", 1, at, "{");
            this.i++;
          }
          break;
        }
        case ".":
          // Java's "." excludes every line terminator; RE2's excludes only \n.
          this.atom(this.flags.s ? "(?s:.)" : this.flags.d ? "[^\\n]" : NOT_LINE_TERMINATOR, 1, at, null);
          this.i++;
          break;
        case "^":
        case "$":
          this.atom(c, 1, at, null);
          this.i++;
          break;
        default: {
          const cp = p.codePointAt(at) as number;
          const width = cp > 0xffff ? 2 : 1;
          this.atom(literal(cp), 1, at, p.slice(at, at + width));
          this.i += width;
        }
      }
      if (this.flags.i) this.literal = null;
    }
    if (this.stack.length > 1) {
      const open = this.top().open;
      throw new RegexError(`unclosed group '(' at index ${open}`, open);
    }
    const prefix = re2Flags(this.initial, NO_FLAGS);
    return { re2: (prefix ? `(?${prefix})` : "") + this.out, literal: this.literal === "" ? null : this.literal };
  }

  private top(): Frame {
    return this.stack[this.stack.length - 1] as Frame;
  }

  private grow(delta: number, at: number): void {
    this.estimate += delta;
    if (this.estimate > MAX_ESTIMATE) {
      throw new RegexError(`pattern too large at index ${at}: more than ${MAX_ESTIMATE} instructions, counting each repetition's copies (the limit is ${MAX_PROGRAM_SIZE})`, at);
    }
  }

  /** Appends one repeatable item; `literalText` is what it matches when it is plain text. */
  private atom(text: string, size: number, at: number, literalText: string | null): void {
    this.out += text;
    const f = this.top();
    f.size += size;
    f.last = size;
    f.lastWasQuantifier = false;
    this.grow(size, at);
    if (this.literal !== null) this.literal = literalText === null ? null : this.literal + literalText;
  }

  /** In comments mode (?x): skips whitespace and `#` comments from `j`; returns the next index. */
  private skipComments(j: number): number {
    const p = this.pattern;
    while (j < this.n) {
      const c = p[j] as string;
      if (c === " " || c === "\t" || c === "\n" || c === "\x0B" || c === "\f" || c === "\r") j++;
      else if (c === "#") {
        while (j < this.n && p[j] !== "\n" && p[j] !== "\r") j++;
      } else break;
    }
    return j;
  }

  /** `\Q...\E` from `from` (just after \Q): the quoted text and the index after \E. */
  private quote(from: number): { text: string; end: number } {
    const close = this.pattern.indexOf("\\E", from);
    return close < 0 ? { text: this.pattern.slice(from), end: this.n } : { text: this.pattern.slice(from, close), end: close + 2 };
  }

  private escapeOutsideClass(at: number): void {
    const e = this.escape(at, false);
    if (e.kind === "quote") {
      const q = this.quote(e.end);
      for (const ch of q.text) this.atom(literal(ch.codePointAt(0) as number), 1, at, ch);
      this.i = q.end;
      return;
    }
    if (e.kind === "char") this.atom(literal(e.cp), 1, at, String.fromCodePoint(e.cp));
    else this.atom(e.out, e.kind === "other" ? e.size : 1, at, null);
    this.i = e.end;
  }

  /** Reads the escape sequence at `at` (a backslash). */
  private escape(at: number, inClass: boolean): Escape {
    const p = this.pattern;
    if (at + 1 >= this.n) throw new RegexError(`trailing backslash at index ${at}`, at);
    const c = p[at + 1] as string;
    const char = (cp: number, end: number): Escape => ({ kind: "char", cp, end });
    const set = (out: string, inside: string | null): Escape => ({ kind: "set", out, inClass: inside, end: at + 2 });
    const other = (out: string, size = 1): Escape => ({ kind: "other", out, size, end: at + 2 });
    switch (c) {
      case "Q": return { kind: "quote", end: at + 2 };
      case "t": return char(9, at + 2);
      case "n": return char(10, at + 2);
      case "r": return char(13, at + 2);
      case "f": return char(12, at + 2);
      case "a": return char(7, at + 2);
      case "e": return char(27, at + 2);
      case "c": {
        const x = p.codePointAt(at + 2);
        if (x === undefined) throw new RegexError(`control character missing after \\c at index ${at}`, at);
        return char(x ^ 64, at + 2 + (x > 0xffff ? 2 : 1));
      }
      case "0": {
        // Java: \0n, \0nn, \0mnn with m <= 3.
        const oct = /^[0-7]{1,3}/.exec(p.slice(at + 2, at + 5))?.[0] ?? "";
        const digits = oct.length === 3 && oct[0] !== undefined && oct[0] > "3" ? oct.slice(0, 2) : oct;
        if (digits === "") throw new RegexError(`illegal octal escape \\0 at index ${at}: octal digits must follow`, at);
        return char(parseInt(digits, 8), at + 2 + digits.length);
      }
      case "x": return this.hexEscape(at);
      case "u": return this.unicodeEscape(at);
      case "d": case "D": case "w": case "W": case "s": case "S": return set("\\" + c, "\\" + c);
      case "h": return set(`[${HORIZONTAL_SPACE}]`, HORIZONTAL_SPACE);
      case "H": return set(`[^${HORIZONTAL_SPACE}]`, null);
      case "v": return set(`[${VERTICAL_SPACE}]`, VERTICAL_SPACE);
      case "V": return set(`[^${VERTICAL_SPACE}]`, null);
      case "R": return other(`(?:\\r\\n|[${VERTICAL_SPACE}])`, 5);
      case "p": case "P": return this.property(at, c === "P");
      case "b":
        if (p[at + 2] === "{") throw unsupported(`boundary ${p.slice(at, p.indexOf("}", at) + 1 || at + 3)}`, at);
        return other("\\b");
      case "B": case "A": case "z": return other("\\" + c);
      case "Z": throw unsupported("\\Z (end of input before a final line terminator)", at, "use \\z or $");
      case "G": throw unsupported("\\G (end of the previous match)", at);
      case "X": throw unsupported("\\X (grapheme cluster)", at);
      case "N": throw unsupported("\\N{name} (character by name)", at, "use \\x{...}");
      case "k": throw unsupported(`backreference ${/^\\k<[^>]*>/.exec(p.slice(at))?.[0] ?? "\\k"}`, at);
      default: {
        if (c >= "1" && c <= "9") {
          if (inClass) throw new RegexError(`illegal escape \\${c} in a character class at index ${at}`, at);
          throw unsupported(`backreference \\${c}`, at);
        }
        if (/[A-Za-z]/.test(c)) throw new RegexError(`illegal escape \\${c} at index ${at}`, at);
        // Any other escaped character (punctuation, space, non-ASCII) stands for itself.
        const cp = p.codePointAt(at + 1) as number;
        return char(cp, at + 1 + (cp > 0xffff ? 2 : 1));
      }
    }
  }

  /** `\xhh` or `\x{h...}`. */
  private hexEscape(at: number): Escape {
    const p = this.pattern;
    if (p[at + 2] === "{") {
      const close = p.indexOf("}", at + 3);
      const digits = close < 0 ? "" : p.slice(at + 3, close);
      const cp = /^[0-9a-fA-F]{1,6}$/.test(digits) ? parseInt(digits, 16) : -1;
      if (cp < 0 || cp > 0x10ffff) throw new RegexError(`illegal hexadecimal escape at index ${at}`, at);
      return { kind: "char", cp, end: close + 1 };
    }
    const digits = p.slice(at + 2, at + 4);
    if (!/^[0-9a-fA-F]{2}$/.test(digits)) throw new RegexError(`illegal hexadecimal escape at index ${at}: \\x needs two hex digits or \\x{...}`, at);
    return { kind: "char", cp: parseInt(digits, 16), end: at + 4 };
  }

  /** `\uhhhh`; a surrogate pair written as two escapes is one character, as in Java. */
  private unicodeEscape(at: number): Escape {
    const p = this.pattern;
    const digits = p.slice(at + 2, at + 6);
    if (!/^[0-9a-fA-F]{4}$/.test(digits)) throw new RegexError(`illegal Unicode escape at index ${at}: \\u needs four hex digits`, at);
    const unit = parseInt(digits, 16);
    const low = /^\\u([dD][c-fC-F][0-9a-fA-F]{2})/.exec(p.slice(at + 6, at + 12));
    if (unit >= 0xd800 && unit <= 0xdbff && low !== null) {
      return { kind: "char", cp: 0x10000 + ((unit - 0xd800) << 10) + (parseInt(low[1] as string, 16) - 0xdc00), end: at + 12 };
    }
    return { kind: "char", cp: unit, end: at + 6 };
  }

  /** `\p{Name}`, `\pL`, `\P{Name}`: Unicode categories and scripts, Java's POSIX and java* classes. */
  private property(at: number, negated: boolean): Escape {
    const p = this.pattern;
    const letter = negated ? "P" : "p";
    let name: string;
    let end: number;
    if (p[at + 2] === "{") {
      const close = p.indexOf("}", at + 3);
      if (close < 0) throw new RegexError(`unclosed character property \\${letter}{ at index ${at}`, at);
      name = p.slice(at + 3, close);
      end = close + 1;
    } else {
      name = p[at + 2] ?? "";
      if (name === "") throw new RegexError(`character property name missing after \\${letter} at index ${at}`, at);
      end = at + 3;
    }
    const written = p.slice(at, end);
    const posix = POSIX[name];
    if (posix !== undefined) {
      const cls = `[:${negated ? "^" : ""}${posix}:]`;
      return { kind: "set", out: `[${cls}]`, inClass: cls, end };
    }
    if (/^(In|blk=|block=)/.test(name)) {
      throw unsupported(`Unicode block ${written}`, at, "use a script such as \\p{Greek} or a range such as [\\x{370}-\\x{3FF}]");
    }
    const keyed = /^(?:general_category|gc|script|sc)=(.+)$/.exec(name);
    const re2Name = JAVA_CHARACTER[name] ?? (keyed !== null ? (keyed[1] as string) : name.startsWith("Is") && name.length > 2 ? name.slice(2) : name);
    if (!re2KnowsProperty(re2Name)) {
      throw new RegexError(
        `unknown character property ${written} at index ${at} (supported: Unicode categories such as \\p{L} or \\p{Lu}, scripts such as \\p{Greek}, POSIX classes such as \\p{Alpha})`,
        at,
      );
    }
    const cls = `\\${letter}{${re2Name}}`;
    return { kind: "set", out: cls, inClass: cls, end };
  }

  /** A character class from `start` (its "["); returns the index after its "]". */
  private charClass(start: number): number {
    const p = this.pattern;
    let j = start + 1;
    let body = "";
    const negated = p[j] === "^";
    if (negated) j++;
    /** Reads one member; `cp` is null for a set, which cannot bound a range. */
    const member = (): { cp: number | null; text: string } => {
      if (p[j] !== "\\") {
        const cp = p.codePointAt(j) as number;
        j += cp > 0xffff ? 2 : 1;
        return { cp, text: literal(cp) };
      }
      const e = this.escape(j, true);
      if (e.kind === "quote") {
        const q = this.quote(e.end);
        j = q.end;
        let text = "";
        for (const ch of q.text) text += literal(ch.codePointAt(0) as number);
        return { cp: null, text };
      }
      if (e.kind === "char") {
        j = e.end;
        return { cp: e.cp, text: literal(e.cp) };
      }
      if (e.kind === "set" && e.inClass !== null) {
        j = e.end;
        return { cp: null, text: e.inClass };
      }
      throw new RegexError(`${p.slice(j, e.end)} cannot be used inside a character class (index ${j})`, j);
    };
    for (let first = true; ; first = false) {
      if (this.flags.x) j = this.skipComments(j);
      if (j >= this.n) throw new RegexError(`unclosed character class '[' at index ${start}`, start);
      const c = p[j] as string;
      // A "]" right after "[" or "[^" is a member, as in Java.
      if (c === "]" && !first) {
        j++;
        break;
      }
      if (c === "[") throw unsupported("nested character class (union) '['", j, "list the members in one class, or escape a literal [ as \\[");
      if (c === "&" && p[j + 1] === "&") throw unsupported("character class intersection '&&'", j);
      const lo = member();
      const dash = this.flags.x ? this.skipComments(j) : j;
      if (lo.cp === null || p[dash] !== "-" || dash + 1 >= this.n || p[dash + 1] === "]" || p[dash + 1] === "[") {
        body += lo.text;
        continue;
      }
      j = dash + 1;
      if (this.flags.x) j = this.skipComments(j);
      const hi = member();
      if (hi.cp === null) throw new RegexError(`illegal character range at index ${dash}: a range needs a character on each side`, dash);
      if (hi.cp < lo.cp) throw new RegexError(`illegal character range at index ${dash}: its end is below its start`, dash);
      body += `${lo.text}-${hi.text}`;
    }
    this.atom(`[${negated ? "^" : ""}${body}]`, 1, start, null);
    return j;
  }

  /** A quantifier at `at`; returns the index after it, or -1 when a "{" starts no repetition. */
  private quantifier(at: number): number {
    const p = this.pattern;
    const c = p[at] as string;
    let min: number;
    let max: number; // -1: unbounded
    let j = at + 1;
    if (c === "*") [min, max] = [0, -1];
    else if (c === "+") [min, max] = [1, -1];
    else if (c === "?") [min, max] = [0, 1];
    else {
      const m = /^\{(\d+)(,(\d*))?\}/.exec(p.slice(at, at + 64));
      if (m === null) return -1;
      min = Number(m[1]);
      max = m[2] === undefined ? min : m[3] === "" ? -1 : Number(m[3]);
      j = at + m[0].length;
      if (min > MAX_REPEAT || max > MAX_REPEAT) throw new RegexError(`repetition count ${m[0]} at index ${at} is over the limit of ${MAX_REPEAT}`, at);
      if (max !== -1 && max < min) throw new RegexError(`illegal repetition range ${m[0]} at index ${at}`, at);
    }
    const written = p.slice(at, j);
    const f = this.top();
    if (f.lastWasQuantifier) {
      throw new RegexError(`quantifier '${written}' at index ${at} directly follows another quantifier (to repeat a repetition, group it: (?:x{2})${written})`, at);
    }
    if (f.last === 0) throw new RegexError(`quantifier '${written}' at index ${at} has nothing to repeat`, at);
    if (p[j] === "+") throw unsupported(`possessive quantifier '${written}+'`, at, `use '${written}'`);
    const lazy = p[j] === "?";
    if (lazy) j++;
    // RE2 copies the repeated item once per count (x{2,5} = xx(x(x(x)?)?)?).
    const grown = max === -1 ? f.last * Math.max(min, 1) + 1 : f.last * Math.max(max, 1) + (max - min);
    this.grow(grown - f.last, at);
    f.size += grown - f.last;
    f.last = grown;
    f.lastWasQuantifier = true;
    this.out += written + (lazy ? "?" : "");
    this.literal = null;
    return j;
  }

  private push(open: number, capture: boolean): void {
    this.stack.push({ open, outer: this.flags, capture, size: 0, last: 0, lastWasQuantifier: false });
  }

  /** "(" at `at`: a group, or inline flags. */
  private openGroup(at: number): void {
    const p = this.pattern;
    this.literal = null;
    if (p[at + 1] !== "?") {
      this.push(at, true);
      this.out += "(";
      this.i = at + 1;
      return;
    }
    const kind = p.slice(at + 2, at + 4);
    if (kind.startsWith("=")) throw unsupported("lookahead '(?='", at);
    if (kind.startsWith("!")) throw unsupported("negative lookahead '(?!'", at);
    if (kind === "<=") throw unsupported("lookbehind '(?<='", at);
    if (kind === "<!") throw unsupported("negative lookbehind '(?<!'", at);
    if (kind.startsWith(">")) throw unsupported("atomic group '(?>'", at);
    if (kind === "P=" || kind === "P>") throw unsupported(`'(?${kind}'`, at);
    const named = /^\(\?P?<([^>]*)>/.exec(p.slice(at, at + 200));
    if (named !== null) {
      const name = named[1] as string;
      if (!/^[A-Za-z][A-Za-z0-9_]*$/.test(name)) throw new RegexError(`illegal group name '${name}' at index ${at}: a name is a letter followed by letters and digits`, at);
      if (this.names.has(name)) throw new RegexError(`duplicate group name '${name}' at index ${at}`, at);
      this.names.add(name);
      this.push(at, true);
      this.out += `(?P<${name}>`;
      this.i = at + named[0].length;
      return;
    }
    const m = /^\(\?([a-zA-Z]*)(?:-([a-zA-Z]*))?([:)])/.exec(p.slice(at, at + 40));
    if (m === null) throw new RegexError(`unknown group construct '${p.slice(at, at + 3)}' at index ${at}`, at);
    const next: { -readonly [K in keyof Flags]: boolean } = { ...this.flags };
    for (const [letters, value] of [[m[1] ?? "", true], [m[2] ?? "", false]] as const) {
      for (const f of letters) {
        if (f === "i" || f === "m" || f === "s" || f === "x" || f === "d") next[f] = value;
        else if (f === "U") throw unsupported("inline flag 'U' (UNICODE_CHARACTER_CLASS)", at, "use \\p{L}, \\p{Nd}, ... for Unicode classes");
        // "u" (Unicode-aware case folding) needs nothing: RE2 always folds Unicode.
        else if (f !== "u") throw new RegexError(`unknown inline flag '${f}' at index ${at}`, at);
      }
    }
    const re2 = re2Flags(next, this.flags);
    if (m[3] === ":") {
      this.push(at, false);
      this.out += re2 ? `(?${re2}:` : "(?:";
    } else {
      // (?i) applies to the rest of the enclosing group, in Java as in RE2.
      if (re2) this.out += `(?${re2})`;
      const t = this.top();
      t.last = 0;
      t.lastWasQuantifier = false;
    }
    this.flags = next;
    this.i = at + m[0].length;
  }

  private closeGroup(at: number): void {
    if (this.stack.length === 1) throw new RegexError(`unmatched closing ')' at index ${at}`, at);
    const closed = this.stack.pop() as Frame;
    this.flags = closed.outer;
    this.out += ")";
    const size = closed.size + (closed.capture ? 2 : 0);
    const parent = this.top();
    parent.size += size;
    parent.last = Math.max(size, 1);
    parent.lastWasQuantifier = false;
    this.grow(closed.capture ? 2 : 0, at);
    this.i = at + 1;
  }
}

/** RE2 flag letters turning `base` into `on` (only `i` and `m` exist in both dialects). */
function re2Flags(on: Flags, base: Flags): string {
  let set = "";
  let clear = "";
  for (const k of ["i", "m"] as const) {
    if (on[k] && !base[k]) set += k;
    if (!on[k] && base[k]) clear += k;
  }
  return set + (clear ? "-" + clear : "");
}

/** A RE2 error as a RegexError; the position is found when the fragment RE2 quotes was written as is. */
function fromRe2(e: unknown, pattern: string): RegexError {
  const raw = e instanceof Error ? e.message : String(e);
  const text = raw.replace(/^error parsing regexp: /, "");
  const fragment = /: `(.*)`$/s.exec(text)?.[1];
  const at = fragment !== undefined && fragment.length < pattern.length ? pattern.indexOf(fragment) : -1;
  if (/nests too deeply/.test(text)) return new RegexError("pattern nests groups too deeply (RE2 allows 1000 levels)");
  if (/invalid repeat count/.test(text)) {
    return new RegexError(`repetition ${fragment ?? ""}${at >= 0 ? ` at index ${at}` : ""} is too large: nested repetition counts multiply, and RE2 allows ${MAX_REPEAT} in all`, at >= 0 ? at : undefined);
  }
  if (/expression too large/.test(text)) return new RegexError(`pattern too large (the limit is ${MAX_PROGRAM_SIZE} instructions)`);
  const where = at >= 0 ? ` at index ${at}` : "";
  return new RegexError(text.replace(/: `(.*)`$/s, (_m, frag: string) => `: '${frag}'${where}`), at >= 0 ? at : undefined);
}

/** The Java replacement string, parsed: literal text, group numbers (as written) and group names. */
type ReplacementPart = { readonly text: string } | { readonly digits: string } | { readonly name: string };

/**
 * Compiles a Java replacement string (see SafeRegex.replace) into a function of one match.
 * Multi-digit group numbers are resolved per match, against the groups the match has.
 */
export function compileJavaReplacement(replacement: string): (match: RegexMatch) => string {
  if (!replacement.includes("$") && !replacement.includes("\\")) return () => replacement;
  const parts: ReplacementPart[] = [];
  let text = "";
  for (let i = 0; i < replacement.length; i++) {
    const c = replacement[i] as string;
    if (c === "\\" && i + 1 < replacement.length) {
      text += replacement[++i];
    } else if (c === "$") {
      const rest = replacement.slice(i + 1, i + 200);
      const named = /^\{([A-Za-z][A-Za-z0-9_]*)\}/.exec(rest);
      const num = /^\d+/.exec(rest);
      if (named !== null) {
        if (text) parts.push({ text });
        text = "";
        parts.push({ name: named[1] as string });
        i += named[0].length;
      } else if (num !== null) {
        if (text) parts.push({ text });
        text = "";
        parts.push({ digits: num[0] });
        i += num[0].length;
      } else text += "$";
    } else text += c;
  }
  if (text) parts.push({ text });
  return (m) => {
    let out = "";
    for (const p of parts) {
      if ("text" in p) out += p.text;
      else if ("name" in p) out += m.groups?.[p.name] ?? "";
      else {
        // Java takes the longest group number that exists: "$12" with 3 groups is group 1 then "2".
        let digits = p.digits;
        while (digits.length > 1 && Number(digits) >= m.length) digits = digits.slice(0, -1);
        const g = Number(digits);
        out += g < m.length ? (m[g] ?? "") + p.digits.slice(digits.length) : "$" + p.digits;
      }
    }
    return out;
  };
}

/** Shared by both implementations: replacement strings are compiled once per regex and string. */
abstract class BaseRegex implements SafeRegex {
  private lastReplacement: string | null = null;
  private lastExpand: ((m: RegexMatch) => string) | null = null;
  abstract readonly source: string;
  abstract readonly mode: RegexMode;
  abstract readonly groupCount: number;
  abstract test(subject: string): boolean;
  abstract exec(subject: string): RegexMatch | null;
  abstract matchAll(subject: string): IterableIterator<RegexMatch>;

  replace(subject: string, replacement: string, all: boolean): string {
    if (replacement !== this.lastReplacement || this.lastExpand === null) {
      this.lastExpand = compileJavaReplacement(replacement);
      this.lastReplacement = replacement;
    }
    return this.replaceWith(subject, this.lastExpand, all);
  }

  replaceWith(subject: string, fn: (match: RegexMatch) => string, all: boolean): string {
    if (!all) {
      const m = this.exec(subject);
      return m === null ? subject : subject.slice(0, m.index) + fn(m) + subject.slice(m.index + (m[0] ?? "").length);
    }
    let out = "";
    let last = 0;
    this.eachMatch(subject, (m) => {
      out += subject.slice(last, m.index) + fn(m);
      last = m.index + (m[0] ?? "").length;
    });
    return last === 0 && out === "" ? subject : out + subject.slice(last);
  }

  /** Calls `each` with every match, as matchAll yields them; a subclass may do so without an iterator. */
  protected eachMatch(subject: string, each: (match: RegexMatch) => void): void {
    for (const m of this.matchAll(subject)) each(m);
  }
}

/*
 * Fast path. re2js extracts groups with its slowest engine: a Matcher runs the NFA (or, on
 * inputs of a few thousand characters at most, the bit-state backtracker) from the search
 * position over all the text up to the match end, twice (once for the match, once more for its
 * groups). RE2 itself first finds the match with DFAs: a forward DFA in leftmost-first mode for
 * where the match ends, then a reverse DFA from that end for where it starts, and only then runs
 * a capturing engine, on the matched span alone. Sluice does the same here, over the program
 * re2js compiled (same instructions, same character classes):
 * - FastMatcher: the two lazy DFAs (Sluice's), then the groups of the span from a one-pass table
 *   (SpanCaptures) when the pattern is one-pass and asserts nothing, else from re2js's
 *   backtracker or NFA run on the span with the real text around it;
 * - wholeTextPlan: patterns that match all the rest of the text, as ReplaceText's default
 *   `(?s)(^.*$)`, are answered without reading it.
 * Every step is linear in the text. A DFA that needs too many states gives up, and so does any
 * step that meets something unexpected: the call then runs on re2js's Matcher (the reference).
 */

// re2js internals (build/index.js of re2js 2.x): instruction opcodes (Inst), empty-width
// flags (Utils.EMPTY_*) and anchors (RE2Flags). fastPathSupported checks them once at run time.
const OP_ALT = 1;
const OP_ALT_MATCH = 2;
const OP_CAPTURE = 3;
const OP_EMPTY_WIDTH = 4;
const OP_FAIL = 5;
const OP_MATCH = 6;
const OP_NOP = 7;
const OP_RUNE = 8;
const OP_RUNE1 = 9;
const OP_RUNE_ANY = 10;
const OP_RUNE_ANY_NOT_NL = 11;
const EMPTY_BEGIN_LINE = 1;
const EMPTY_END_LINE = 2;
const EMPTY_BEGIN_TEXT = 4;
const EMPTY_END_TEXT = 8;
const EMPTY_WORD_BOUNDARY = 16;
const EMPTY_NO_WORD_BOUNDARY = 32;
const UNANCHORED = 0;
const ANCHOR_BOTH = 2;
/** MachineInputBase.EOF() */
const INPUT_EOF = -8;

interface Re2Inst {
  readonly op: number;
  readonly out: number;
  readonly arg: number;
  readonly runes: Int32Array;
  /** In a one-pass program: the next instruction per rune range of an ALT (see OnePass.next). */
  readonly next: Uint32Array | null;
  matchRune(r: number): boolean;
  matchRunePos(r: number): number;
}
/** re2js's one-pass program (OnePass.compile). */
interface Re2OnePass {
  readonly start: number;
  readonly inst: readonly Re2Inst[];
}
interface Re2Prog {
  readonly inst: readonly Re2Inst[];
  readonly start: number;
  readonly numLb: number;
}
/** The character classes re2js's own DFA computes for a program: runes in a class are indistinguishable to it. */
interface Re2RuneClasses {
  readonly classBounds: Int32Array;
  readonly latin1Class: Int32Array;
  readonly numClasses: number;
}
interface Re2Prefilter {
  readonly str: string;
  eval(input: TextWindow, pos: number): boolean;
  automaton16(): { searchUTF16(text: string, from: number, end: number): boolean };
}
/** re2js's RE2 object (what RE2JS.re2() returns), as far as the fast path uses it. */
interface Re2Internals {
  readonly prog: Re2Prog;
  readonly numSubexp: number;
  readonly longest: boolean | number;
  readonly onepass: Re2OnePass | null;
  readonly prefix: string;
  readonly prefilter: Re2Prefilter | null;
  readonly namedGroups: Readonly<Record<string, number>>;
  readonly dfa: Re2RuneClasses;
  executeEngine(input: TextWindow, pos: number, anchor: number, ncap: number): number[] | null;
}

const WORD_ASCII = new Uint8Array(128);
for (let c = 0; c < 128; c++) WORD_ASCII[c] = /\w/.test(String.fromCharCode(c)) ? 1 : 0;
const isWordUnit = (c: number): boolean => c >= 0 && c < 128 && WORD_ASCII[c] === 1;

// What the DFAs remember of the character on the far side of the current position (the one
// before it going forward, after it going backward): only what empty-width assertions ask.
const KIND_OTHER = 0;
const KIND_NEWLINE = 1;
const KIND_WORD = 2;
/** No character: the start (forward) or end (backward) of the text. */
const KIND_EDGE = 3;

/** The kind of a code unit or rune; -1 is the text's edge. */
const kindOf = (r: number): number => (r < 0 ? KIND_EDGE : r === 10 ? KIND_NEWLINE : isWordUnit(r) ? KIND_WORD : KIND_OTHER);

/** Utils.emptyOpContext on kinds: the empty-width flags between a character of kind `left` and one of kind `right`. */
function flagsBetween(left: number, right: number): number {
  let op = 0;
  if (left === KIND_EDGE) op |= EMPTY_BEGIN_TEXT | EMPTY_BEGIN_LINE;
  else if (left === KIND_NEWLINE) op |= EMPTY_BEGIN_LINE;
  if (right === KIND_EDGE) op |= EMPTY_END_TEXT | EMPTY_END_LINE;
  else if (right === KIND_NEWLINE) op |= EMPTY_END_LINE;
  return op | ((left === KIND_WORD) !== (right === KIND_WORD) ? EMPTY_WORD_BOUNDARY : EMPTY_NO_WORD_BOUNDARY);
}

/**
 * The character at `pos` as MachineUTF16Input.step reads it: the rune shifted left by 3 plus its
 * width in code units (a surrogate pair is one rune), or -8 (rune -1, width 0) at `end`.
 */
function readRune(text: string, pos: number, end: number): number {
  if (pos >= end) return INPUT_EOF;
  const c1 = text.charCodeAt(pos);
  if (c1 < 0xd800 || c1 > 0xdbff || pos + 1 >= end) return (c1 << 3) | 1;
  const c2 = text.charCodeAt(pos + 1);
  if (c2 >= 0xdc00 && c2 <= 0xdfff) return ((((c1 - 0xd800) << 10) + (c2 - 0xdc00) + 0x10000) << 3) | 2;
  return (c1 << 3) | 1;
}

/**
 * A span [start, end) of a string as re2js's engines read their input (MachineUTF16Input),
 * positions relative to `start`, except that empty-width assertions see the real neighbours:
 * at either edge of the span, `^ $ \b \A \z` answer as they would in the whole text. So an engine
 * run on the span finds what it would find in the whole text among matches inside the span.
 */
class TextWindow {
  constructor(
    private text: string,
    private start: number,
    private end: number,
  ) {}
  /** This window set to the whole of `text` (one object reused for the prefilter). */
  of(text: string): this {
    this.text = text;
    this.start = 0;
    this.end = text.length;
    return this;
  }
  step(pos: number): number {
    return readRune(this.text, pos + this.start, this.end);
  }
  context(pos: number): number {
    pos += this.start;
    return flagsBetween(kindOf(pos > 0 ? this.text.charCodeAt(pos - 1) : -1), kindOf(pos < this.text.length ? this.text.charCodeAt(pos) : -1));
  }
  endPos(): number {
    return this.end - this.start;
  }
  canCheckPrefix(): boolean {
    return true;
  }
  index(re2: { readonly prefix: string }, pos: number): number {
    pos += this.start;
    const i = this.text.indexOf(re2.prefix, pos);
    return i < 0 || i > this.end - re2.prefix.length ? -1 : i - pos;
  }
  prefixLength(re2: { readonly prefix: string }): number {
    return re2.prefix.length;
  }
  hasString(prefilter: Re2Prefilter, pos: number): boolean {
    const i = this.text.indexOf(prefilter.str, this.start + pos);
    return i !== -1 && i <= this.end - prefilter.str.length;
  }
  hasAnyString(prefilter: Re2Prefilter, pos: number): boolean {
    return prefilter.automaton16().searchUTF16(this.text, this.start + pos, this.end);
  }
}

const FLAG_KIND = 3;
/** Forward: the search may still start a match at a later position. */
const FLAG_SEARCHING = 4;
/** The transition into this state found a match (ending, or going backward starting, before the character read). */
const FLAG_MATCH = 8;
/** The DFA gave up (too many states for too little progress): run the reference path. */
const GAVE_UP = -2;
const NO_PCS = new Int32Array(0);
/** Upper bound on one DFA's memory, in 4-byte words (about 512 KB with the state keys), whatever the pattern. */
const MAX_DFA_WORDS = 1 << 16;
const ENTRY_MATCH = 1;
const ENTRY_EMPTY = 2;

/**
 * One lazily built DFA: states are interned lists of program counters plus flags. The transition
 * table holds, per state row and character class, the next state's row (its id times `cols`)
 * shifted left by 2, plus ENTRY_MATCH when the transition found a match and ENTRY_EMPTY when the
 * next state has no thread (nothing to do but start a new search, or stop); -1 when not built.
 */
class LazyDfa {
  trans: Int32Array;
  readonly flags: number[] = [];
  readonly pcs: Int32Array[] = [];
  private readonly ids = new Map<string, number>();
  /** Memory used, in 4-byte words: table rows and program counter lists. */
  private words = 0;
  readonly maxStates: number;
  /** Where (in characters scanned by the current search) the cache was last emptied; -1: not in this search. */
  resetAt = -1;
  /** Start states by the kind of character beyond the starting position (-1: not built yet). */
  readonly starts = new Int32Array(4).fill(-1);

  constructor(readonly cols: number) {
    this.maxStates = Math.max(16, Math.floor(MAX_DFA_WORDS / (2 * cols)));
    this.trans = new Int32Array(Math.min(16, this.maxStates) * cols).fill(-1);
  }

  /** The state for `pcs` and `flag`, or -1 when the DFA is full. */
  intern(pcs: Int32Array, flag: number): number {
    const key = `${flag}:${pcs.join(",")}`;
    let id = this.ids.get(key);
    if (id !== undefined) return id;
    id = this.pcs.length;
    const words = this.words + this.cols + pcs.length + (key.length >> 1);
    if (id >= this.maxStates || words > MAX_DFA_WORDS) return -1;
    this.words = words;
    if ((id + 1) * this.cols > this.trans.length) {
      const grown = new Int32Array(Math.min(this.maxStates, 2 * (id + 1)) * this.cols).fill(-1);
      grown.set(this.trans);
      this.trans = grown;
    }
    this.pcs.push(pcs);
    this.flags.push(flag);
    this.ids.set(key, id);
    return id;
  }

  /**
   * The transition table entry that leads to state `id`. ENTRY_EMPTY marks a state without
   * threads only where the search loop has something to do there: stop, or skip ahead to a
   * literal prefix (`skipTo`); a searching state with nothing to skip to just reads on.
   */
  entry(id: number, skipTo: boolean): number {
    const flag = this.flags[id] as number;
    const empty = (this.pcs[id] as Int32Array).length === 0 && ((flag & FLAG_SEARCHING) === 0 || skipTo);
    return ((id * this.cols) << 2) | ((flag & FLAG_MATCH) !== 0 ? ENTRY_MATCH : 0) | (empty ? ENTRY_EMPTY : 0);
  }

  clear(): void {
    this.ids.clear();
    this.pcs.length = 0;
    this.flags.length = 0;
    this.words = 0;
    this.starts.fill(-1);
    this.trans = new Int32Array(Math.min(16, this.maxStates) * this.cols).fill(-1);
  }

  /** The start state for `kind` (interned as `pcs` and `kind | flag` the first time), or -1 when the DFA is full. */
  start(kind: number, pcs: Int32Array, flag: number): number {
    let id = this.starts[kind] as number;
    if (id < 0) {
      id = this.intern(pcs, kind | flag);
      this.starts[kind] = id;
    }
    return id;
  }
}

/** Capture slots of a program that matches any text whole: where each slot is (0: match start, 1: match end). */
interface WholeTextPlan {
  readonly slots: ReadonlyMap<number, 0 | 1>;
  /** The program asserts the start of the text (`^` without (?m), `\A`): it matches only at 0. */
  readonly anchored: boolean;
}

/**
 * Recognises programs equivalent to "all the rest of the text": a chain of captures and
 * start/end-of-text assertions around one greedy any-character loop, as ReplaceText's default
 * `(?s)(^.*$)` and `(?s)(.*)` compile. Such a match is found without reading the text.
 */
function wholeTextPlan(prog: Re2Prog): WholeTextPlan | null {
  const slots = new Map<number, 0 | 1>();
  let anchored = false;
  let phase: 0 | 1 = 0;
  let pc = prog.start;
  for (let steps = 0; steps <= prog.inst.length; steps++) {
    const inst = prog.inst[pc];
    if (inst === undefined) return null;
    switch (inst.op) {
      case OP_CAPTURE:
        if (slots.has(inst.arg)) return null;
        slots.set(inst.arg, phase);
        pc = inst.out;
        break;
      case OP_NOP:
        pc = inst.out;
        break;
      case OP_EMPTY_WIDTH:
        if (phase === 0 && inst.arg === EMPTY_BEGIN_TEXT) anchored = true;
        else if (phase === 0 || (inst.arg & ~(EMPTY_END_TEXT | EMPTY_END_LINE)) !== 0) return null;
        pc = inst.out;
        break;
      case OP_ALT: {
        const body = prog.inst[inst.out];
        if (phase !== 0 || body === undefined || body.op !== OP_RUNE_ANY || body.out !== pc) return null;
        phase = 1;
        pc = inst.arg;
        break;
      }
      case OP_MATCH:
        return phase === 1 ? { slots, anchored } : null;
      default:
        return null;
    }
  }
  return null;
}

/** A match found by the fast path: the capture slots (UTF-16 offsets, -1 for a group that took no part). */
type Slots = readonly number[];

/**
 * Finds leftmost-first matches with two lazy DFAs over re2js's compiled program, then asks
 * re2js's capturing engine for the groups of that span only.
 */
class FastMatcher {
  private readonly insts: readonly Re2Inst[];
  private readonly op: Uint8Array;
  private readonly start: number;
  private readonly needWord: boolean;
  private readonly needLine: boolean;
  private readonly latin1Class: Int32Array;
  private readonly bounds: Int32Array;
  /** Column of the text's edge (end going forward, start going backward) in transition tables. */
  private readonly edgeCol: number;
  private readonly fwd: LazyDfa;
  private readonly rev: LazyDfa;
  /** Reverse edges: instructions that reach pc without reading (ALT, NOP, CAPTURE, EMPTY_WIDTH). */
  private readonly revEmpty: Int32Array[];
  /** Reverse edges: character instructions whose next instruction is pc. */
  private readonly revRune: Int32Array[];
  private readonly matchPcs: Int32Array;
  private readonly ncap: number;
  private readonly maxBitStateLen: number;
  /** Groups are the whole match: `(...)` around the whole pattern and no other group. */
  private readonly outerGroupOnly: boolean;
  private readonly prefix: string;
  /** The program has no empty-width assertion (`^ $ \b \B \A \z`): what surrounds a span cannot matter. */
  private readonly contextFree: boolean;
  /** Group extraction at DFA speed for one-pass patterns; built on first use, null when not one-pass. */
  private spanCaptures: SpanCaptures | null | undefined;
  /** The subject as the prefilter reads it, reused from call to call. */
  private readonly whole = new TextWindow("", 0, 0);
  /** Finds the next character that can start a match, when no thread is alive (see buildSkip); null: none. */
  private skip: RegExp | null = null;
  /** Skips made and characters skipped, to drop `skip` where it hops too often to pay. */
  private skipHops = 0;
  private skipChars = 0;
  /** Set when skipping did not pay: the next search drops `skip` (and the entries that stop for it). */
  private dropSkip = false;
  // Scratch for building states.
  private readonly seen: Int32Array;
  private readonly queued: Int32Array;
  private stamp = 0;
  private readonly stack: Int32Array;

  constructor(
    private readonly re2: Re2Internals,
    private readonly pattern: string,
  ) {
    const prog = re2.prog;
    const n = prog.inst.length;
    this.insts = prog.inst;
    this.op = new Uint8Array(n);
    this.start = prog.start;
    let needWord = false;
    let needLine = false;
    const revEmpty: number[][] = Array.from({ length: n }, () => []);
    const revRune: number[][] = Array.from({ length: n }, () => []);
    const matchPcs: number[] = [];
    for (let pc = 0; pc < n; pc++) {
      const inst = prog.inst[pc] as Re2Inst;
      this.op[pc] = inst.op;
      switch (inst.op) {
        case OP_ALT:
        case OP_ALT_MATCH:
          if (inst.out !== 0) revEmpty[inst.out]?.push(pc);
          if (inst.arg !== 0) revEmpty[inst.arg]?.push(pc);
          break;
        case OP_EMPTY_WIDTH:
          if ((inst.arg & (EMPTY_WORD_BOUNDARY | EMPTY_NO_WORD_BOUNDARY)) !== 0) needWord = true;
          if ((inst.arg & (EMPTY_BEGIN_LINE | EMPTY_END_LINE)) !== 0) needLine = true;
          if (inst.out !== 0) revEmpty[inst.out]?.push(pc);
          break;
        case OP_NOP:
        case OP_CAPTURE:
          if (inst.out !== 0) revEmpty[inst.out]?.push(pc);
          break;
        case OP_RUNE:
        case OP_RUNE1:
        case OP_RUNE_ANY:
        case OP_RUNE_ANY_NOT_NL:
          if (inst.out !== 0) revRune[inst.out]?.push(pc);
          break;
        case OP_MATCH:
          matchPcs.push(pc);
          break;
        case OP_FAIL:
          break;
        default:
          throw new Error(`re2js instruction ${inst.op} is not supported by the fast path`);
      }
    }
    this.needWord = needWord;
    this.needLine = needLine;
    this.contextFree = this.op.every((op) => op !== OP_EMPTY_WIDTH);
    this.revEmpty = revEmpty.map((a) => Int32Array.from(a));
    this.revRune = revRune.map((a) => Int32Array.from(a));
    this.matchPcs = Int32Array.from(matchPcs);
    const classes = re2.dfa;
    this.latin1Class = classes.latin1Class;
    this.bounds = classes.classBounds;
    this.edgeCol = classes.numClasses;
    this.fwd = new LazyDfa(classes.numClasses + 1);
    this.rev = new LazyDfa(classes.numClasses + 1);
    this.ncap = 2 * (1 + re2.numSubexp);
    this.maxBitStateLen = n <= 500 ? Math.floor(262_144 / n) : 0;
    this.outerGroupOnly = re2.numSubexp === 1 && isOuterGroup(prog);
    this.prefix = re2.prefix;
    this.seen = new Int32Array(n);
    this.queued = new Int32Array(n);
    this.stack = new Int32Array(2 * n + 2);
    this.skip = this.buildSkip();
  }

  /**
   * RE2 skips with memchr through text where no match can start. Here: when the pattern has no
   * literal prefix and asserts nothing about neighbours (so one start state serves everywhere
   * but at 0), the characters whose transition leaves that state, as one character class of a
   * JavaScript RegExp. A single class cannot backtrack: V8 scans for it in linear time, much
   * faster than the DFA reads. Only when those characters are few (at most 16 of printable
   * ASCII, e.g. f F p P for (?i)fatal|panic); the search drops it when hops average under 16.
   */
  private buildSkip(): RegExp | null {
    if (this.prefix !== "" || this.needWord || this.needLine || this.edgeCol > 1024) return null;
    const dfa = this.fwd;
    const s0 = dfa.start(KIND_OTHER, NO_PCS, FLAG_SEARCHING);
    if (s0 < 0) return null;
    const row0 = s0 * dfa.cols;
    let cls = "";
    let ascii = 0;
    for (let c = 0; c < this.edgeCol; c++) {
      const lo = c === 0 ? 0 : (this.bounds[c - 1] as number);
      const hi = c === this.edgeCol - 1 ? 0x10ffff : (this.bounds[c] as number) - 1;
      const t = this.build(dfa, row0, lo, c, 0, true);
      if (t === GAVE_UP) return null;
      if (t >> 2 === row0 && (t & ENTRY_MATCH) === 0) continue;
      cls += `\\u{${lo.toString(16)}}-\\u{${hi.toString(16)}}`;
      ascii += Math.max(0, Math.min(hi, 0x7e) - Math.max(lo, 0x20) + 1);
      if (ascii > 16) return null;
    }
    // Rebuilt on demand, now with ENTRY_EMPTY on the way into the start state (see entry).
    dfa.clear();
    return new RegExp(`[${cls}]`, "gu");
  }

  /** A fresh mark for `seen` and `queued` (cleared when the counter would overflow). */
  private nextStamp(): number {
    if (this.stamp === 0x7fffffff) {
      this.stamp = 0;
      this.seen.fill(0);
      this.queued.fill(0);
    }
    return ++this.stamp;
  }

  private runeClass(r: number): number {
    return r < 256 ? (this.latin1Class[r] as number) : runeClassIn(this.bounds, r);
  }

  private kind(r: number): number {
    if (r < 0) return KIND_EDGE;
    if (r === 10 && this.needLine) return KIND_NEWLINE;
    return this.needWord && r < 128 && WORD_ASCII[r] === 1 ? KIND_WORD : KIND_OTHER;
  }

  private matchesRune(pc: number, r: number): boolean {
    switch (this.op[pc]) {
      case OP_RUNE:
        return (this.insts[pc] as Re2Inst).matchRune(r);
      case OP_RUNE1:
        return r === (this.insts[pc] as Re2Inst).runes[0];
      case OP_RUNE_ANY:
        return true;
      case OP_RUNE_ANY_NOT_NL:
        return r !== 10;
      default:
        return false;
    }
  }

  /**
   * Forward transition of state `s` on rune `r` (-1: the end of the text), as re2js's NFA steps
   * (Machine.add then Machine.step): follow the pending threads in priority order, then (while
   * searching) a new thread from the start; a thread reaching MATCH cuts every thread of lower
   * priority, new starts included. Returns the next state, or -1 when the table is full.
   */
  private forwardStep(s: number, r: number): number {
    const dfa = this.fwd;
    const flag = dfa.flags[s] as number;
    const cond = flagsBetween(flag & FLAG_KIND, this.kind(r));
    const pending = dfa.pcs[s] as Int32Array;
    const stamp = this.nextStamp();
    const seen = this.seen;
    const queued = this.queued;
    const stack = this.stack;
    const next: number[] = [];
    let matched = false;
    const roots = (flag & FLAG_SEARCHING) !== 0 ? pending.length + 1 : pending.length;
    outer: for (let k = 0; k < roots; k++) {
      let pc = k < pending.length ? (pending[k] as number) : this.start;
      let top = 0;
      for (;;) {
        while (pc !== 0 && seen[pc] !== stamp) {
          seen[pc] = stamp;
          const inst = this.insts[pc] as Re2Inst;
          switch (inst.op) {
            case OP_ALT:
            case OP_ALT_MATCH:
              stack[top++] = inst.arg;
              pc = inst.out;
              break;
            case OP_EMPTY_WIDTH:
              pc = (inst.arg & ~cond) === 0 ? inst.out : 0;
              break;
            case OP_NOP:
            case OP_CAPTURE:
              pc = inst.out;
              break;
            case OP_MATCH:
              matched = true;
              break outer;
            case OP_FAIL:
              pc = 0;
              break;
            default:
              if (r >= 0 && this.matchesRune(pc, r) && queued[inst.out] !== stamp) {
                queued[inst.out] = stamp;
                next.push(inst.out);
              }
              pc = 0;
          }
        }
        if (top === 0) break;
        pc = stack[--top] as number;
      }
    }
    let nextFlag = r < 0 ? KIND_EDGE : this.kind(r);
    if (matched) nextFlag |= FLAG_MATCH;
    else nextFlag |= flag & FLAG_SEARCHING;
    return dfa.intern(Int32Array.from(next), nextFlag);
  }

  /**
   * Reverse transition of state `s` (reading leftwards) on rune `r` to the left of the current
   * position (-1: the start of the text): which instructions can, from this position, reach a
   * MATCH at the match end; FLAG_MATCH when the program's start is among them.
   */
  private reverseStep(s: number, r: number): number {
    const dfa = this.rev;
    const flag = dfa.flags[s] as number;
    const cond = flagsBetween(this.kind(r), flag & FLAG_KIND);
    const pending = dfa.pcs[s] as Int32Array;
    const stamp = this.nextStamp();
    const seen = this.seen;
    const queued = this.queued;
    const stack = this.stack;
    let top = 0;
    let matched = false;
    const next: number[] = [];
    for (const pc of pending) {
      if (seen[pc] !== stamp) {
        seen[pc] = stamp;
        stack[top++] = pc;
      }
    }
    while (top > 0) {
      const pc = stack[--top] as number;
      if (pc === this.start) matched = true;
      if (r >= 0) {
        for (const from of this.revRune[pc] as Int32Array) {
          if (queued[from] !== stamp && this.matchesRune(from, r)) {
            queued[from] = stamp;
            next.push(from);
          }
        }
      }
      for (const from of this.revEmpty[pc] as Int32Array) {
        if (seen[from] === stamp) continue;
        const inst = this.insts[from] as Re2Inst;
        if (inst.op === OP_EMPTY_WIDTH && (inst.arg & ~cond) !== 0) continue;
        seen[from] = stamp;
        stack[top++] = from;
      }
    }
    next.sort((a, b) => a - b);
    return dfa.intern(Int32Array.from(next), (r < 0 ? KIND_EDGE : this.kind(r)) | (matched ? FLAG_MATCH : 0));
  }

  /**
   * Builds the transition from the state at `row` on rune `r` (class `col`). When the DFA is full
   * it is emptied, as RE2 does, unless it was already emptied less than 10 characters per state
   * ago in this search: then the DFA gives up. Returns the table entry (valid in the possibly
   * emptied table), or GAVE_UP.
   */
  private build(dfa: LazyDfa, row: number, r: number, col: number, scanned: number, forward: boolean): number {
    let s = row / dfa.cols;
    let t = forward ? this.forwardStep(s, r) : this.reverseStep(s, r);
    if (t < 0) {
      if (dfa.resetAt >= 0 && scanned - dfa.resetAt < 10 * dfa.maxStates) return GAVE_UP;
      const pcs = dfa.pcs[s] as Int32Array;
      const flag = dfa.flags[s] as number;
      dfa.clear();
      dfa.resetAt = scanned;
      s = dfa.intern(pcs, flag);
      t = forward ? this.forwardStep(s, r) : this.reverseStep(s, r);
      if (t < 0) return GAVE_UP;
    }
    const entry = dfa.entry(t, this.prefix !== "" || (forward && this.skip !== null));
    dfa.trans[s * dfa.cols + col] = entry;
    return entry;
  }

  /**
   * Where the leftmost-first match at or after `pos` ends (with `earliest`, where the first
   * match found ends, which only answers whether there is one); -1: no match; GAVE_UP.
   */
  forwardEnd(text: string, pos: number, earliest: boolean): number {
    const dfa = this.fwd;
    if (this.dropSkip) {
      this.dropSkip = false;
      this.skip = null;
      dfa.clear();
    }
    dfa.resetAt = -1;
    const n = text.length;
    const latin1 = this.latin1Class;
    let row = this.forwardStart(text, pos);
    if (row < 0) return GAVE_UP;
    let last = -1;
    let i = pos;
    let trans = dfa.trans;
    for (;;) {
      // The common case in a tight loop: Latin-1 characters through built transitions that
      // neither find a match nor empty the state.
      while (i < n) {
        const c = text.charCodeAt(i);
        if (c >= 256) break;
        const t = trans[row + (latin1[c] as number)] as number;
        if (t < 0 || (t & (ENTRY_MATCH | ENTRY_EMPTY)) !== 0) break;
        row = t >> 2;
        i++;
      }
      if (i >= n) {
        let t = trans[row + this.edgeCol] as number;
        if (t < 0) t = this.build(dfa, row, -1, this.edgeCol, i - pos, true);
        if (t === GAVE_UP) return GAVE_UP;
        return (t & ENTRY_MATCH) !== 0 ? n : last;
      }
      let r = text.charCodeAt(i);
      let w = 1;
      if (r >= 0xd800 && r <= 0xdbff && i + 1 < n) {
        const lo = text.charCodeAt(i + 1);
        if (lo >= 0xdc00 && lo <= 0xdfff) {
          r = ((r - 0xd800) << 10) + (lo - 0xdc00) + 0x10000;
          w = 2;
        }
      }
      const col = r < 256 ? (latin1[r] as number) : this.runeClass(r);
      let t = trans[row + col] as number;
      if (t < 0) {
        t = this.build(dfa, row, r, col, i - pos, true);
        if (t === GAVE_UP) return GAVE_UP;
        trans = dfa.trans;
      }
      i += w;
      row = t >> 2;
      if ((t & (ENTRY_MATCH | ENTRY_EMPTY)) === 0) continue;
      if ((t & ENTRY_MATCH) !== 0) {
        last = i - w;
        if (earliest) return last;
      }
      if ((t & ENTRY_EMPTY) !== 0) {
        // No thread alive: stop, or (still searching) skip to where the literal every match starts with occurs.
        if (((dfa.flags[row / dfa.cols] as number) & FLAG_SEARCHING) === 0) return last;
        if (this.prefix !== "" && i < n && text.charCodeAt(i) !== this.prefix.charCodeAt(0)) {
          const j = text.indexOf(this.prefix, i);
          if (j < 0) return -1;
          i = j;
          row = this.forwardStart(text, i);
          if (row < 0) return GAVE_UP;
          trans = dfa.trans;
        } else if (this.skip !== null && i < n && dfa.flags[row / dfa.cols] === (KIND_OTHER | FLAG_SEARCHING)) {
          i = this.skipFrom(text, i);
          row = this.forwardStart(text, i);
          if (row < 0) return GAVE_UP;
          trans = dfa.trans;
        }
      }
    }
  }

  /** The next position from `i` whose character can start a match (the text's length if none). */
  private skipFrom(text: string, i: number): number {
    const skip = this.skip as RegExp;
    skip.lastIndex = i;
    let j = text.length;
    if (skip.test(text)) {
      // The class matched one code point just before lastIndex: a surrogate pair or one unit.
      j = skip.lastIndex - 1;
      const c = text.charCodeAt(j);
      if (c >= 0xdc00 && c <= 0xdfff && j - 1 >= i) {
        const h = text.charCodeAt(j - 1);
        if (h >= 0xd800 && h <= 0xdbff) j--;
      }
    }
    this.skipChars += j - i;
    if (++this.skipHops === 256) {
      if (this.skipChars < 16 * 256) this.dropSkip = true;
      this.skipHops = 0;
      this.skipChars = 0;
    }
    return j;
  }

  private forwardStart(text: string, pos: number): number {
    // A low surrogate before pos, in a pair or alone, is neither a word character nor a newline.
    const id = this.fwd.start(this.kind(pos === 0 ? -1 : text.charCodeAt(pos - 1)), NO_PCS, FLAG_SEARCHING);
    return id < 0 ? id : id * this.fwd.cols;
  }

  /** Where the leftmost match that ends at `end` starts, at or after `pos`; -1 if none; GAVE_UP. */
  reverseStart(text: string, pos: number, end: number): number {
    const dfa = this.rev;
    dfa.resetAt = -1;
    const latin1 = this.latin1Class;
    const id = dfa.start(end < text.length ? this.kind(text.charCodeAt(end)) : KIND_EDGE, this.matchPcs, 0);
    if (id < 0) return GAVE_UP;
    let row = id * dfa.cols;
    let trans = dfa.trans;
    let best = -1;
    for (let i = end; ; ) {
      let r = -1;
      let w = 1;
      if (i > 0) {
        r = text.charCodeAt(i - 1);
        if (r >= 0xdc00 && r <= 0xdfff && i - 2 >= pos) {
          const hi = text.charCodeAt(i - 2);
          if (hi >= 0xd800 && hi <= 0xdbff) {
            r = ((hi - 0xd800) << 10) + (r - 0xdc00) + 0x10000;
            w = 2;
          }
        }
      }
      const col = r < 0 ? this.edgeCol : r < 256 ? (latin1[r] as number) : this.runeClass(r);
      let t = trans[row + col] as number;
      if (t < 0) {
        t = this.build(dfa, row, r, col, end - i, false);
        if (t === GAVE_UP) return GAVE_UP;
        trans = dfa.trans;
      }
      if ((t & ENTRY_MATCH) !== 0) best = i;
      if (i <= pos || (t & ENTRY_EMPTY) !== 0) return best;
      row = t >> 2;
      i -= w;
    }
  }

  /**
   * Whether re2js's prefilter (literals every match contains, found with indexOf or
   * Aho-Corasick) rules out a match at or after `pos`, as re2js asks before every search.
   */
  private prefilterRejects(text: string, pos: number): boolean {
    const prefilter = this.re2.prefilter;
    if (prefilter === null) return false;
    const possible = prefilter.eval(this.whole.of(text), pos);
    this.whole.of("");
    return !possible;
  }

  /** The leftmost-first match at or after `pos` (its capture slots), null if none, or GAVE_UP. */
  find(text: string, pos: number): Slots | null | typeof GAVE_UP {
    if (this.prefilterRejects(text, pos)) return null;
    const end = this.forwardEnd(text, pos, false);
    if (end < 0) return end === GAVE_UP ? GAVE_UP : null;
    const start = this.reverseStart(text, pos, end);
    if (start < 0) return GAVE_UP;
    if (this.ncap === 2) return [start, end];
    if (this.outerGroupOnly) return [start, end, start, end];
    let caps: number[] | null | typeof SPAN_UNSURE = SPAN_UNSURE;
    const spanCaptures = this.spanCaptureTable();
    if (spanCaptures !== null) {
      caps = spanCaptures.run(text, start, end);
      if (caps === SPAN_UNSURE) this.spanCaptures = null;
    }
    if (caps !== SPAN_UNSURE) {
      // found by the one-pass table
    } else if (end - start <= this.maxBitStateLen) {
      // The span alone, anchored at both ends: re2js's bit-state backtracker, which reads
      // empty-width context from the input (so the real neighbours count).
      caps = this.re2.executeEngine(new TextWindow(text, start, end), 0, ANCHOR_BOTH, this.ncap);
      if (caps !== null) for (let k = 0; k < caps.length; k++) if ((caps[k] as number) >= 0) caps[k] = (caps[k] as number) + start;
    } else {
      // Too long for the backtracker: re2js's NFA from `start` over the text cut at `end`.
      caps = this.re2.executeEngine(new TextWindow(text, 0, end), start, UNANCHORED, this.ncap);
    }
    if (caps === null || caps[0] !== start || caps[1] !== end) return GAVE_UP;
    return caps;
  }

  /**
   * For a program without empty-width assertions, `\A(?:pattern)\z` compiled by re2js, when it is
   * one-pass, as a SpanCaptures table. Its `\A` and `\z` see the span's edges as the text's,
   * which is what they must assert there, and nothing else in the program looks at context.
   * One-pass means at most one way to match, so the groups are the leftmost-first match's.
   */
  private spanCaptureTable(): SpanCaptures | null {
    if (this.spanCaptures === undefined) {
      this.spanCaptures = null;
      if (this.contextFree) {
        try {
          const anchored = RE2JS.compile(`\\A(?:${this.pattern})\\z`).re2() as unknown as Re2Internals;
          if (anchored.onepass !== null && anchored.numSubexp === this.re2.numSubexp) {
            const classes = anchored.dfa;
            if (anchored.onepass.inst.length * (classes.numClasses + 1) <= MAX_DFA_WORDS) this.spanCaptures = new SpanCaptures(anchored.onepass, classes, this.ncap);
          }
        } catch {
          // Not compilable as a group (cannot happen for a pattern that compiled): no table.
        }
      }
    }
    return this.spanCaptures;
  }

  /** Whether anything matches at or after 0 (the DFA stops at the first match it sees). */
  test(text: string): boolean | typeof GAVE_UP {
    if (this.prefilterRejects(text, 0)) return false;
    const end = this.forwardEnd(text, 0, true);
    return end === GAVE_UP ? GAVE_UP : end >= 0;
  }
}

/** SpanCaptures transitions: the match ends here (at the span's end), or there is none. */
const SPAN_MATCH = -1;
const SPAN_FAIL = -2;
/** SpanCaptures.run's answer when the table cannot say (an assertion other than \A, \z; a loop reading nothing). */
const SPAN_UNSURE = -3;

/**
 * re2js's OnePass engine (OnePass.execute, ANCHOR_BOTH) on a span, as a lazily built table:
 * for a state (the one-pass instruction after the last rune read, or the start) and a character
 * class, the walk OnePass.execute makes up to the next rune is always the same, so it is done
 * once and remembered: the capture slots it sets at the current position and where it stops (the
 * next state, MATCH, or no match). The program is `\A(?:pattern)\z` with a pattern that asserts
 * nothing, so the only context is being at the span's start (for `\A`) or end (for `\z`).
 */
class SpanCaptures {
  private readonly insts: readonly Re2Inst[];
  private readonly startState: number;
  private readonly cols: number;
  private readonly edgeCol: number;
  private readonly latin1Class: Int32Array;
  private readonly bounds: Int32Array;
  /**
   * Per state row and class, -1 when not built, else where the walk stops plus 2 (a state, or
   * SPAN_MATCH, SPAN_FAIL) in the low 11 bits and, above them, which list of `slots` it sets (0:
   * none). One-pass programs have under 1,000 instructions, so states fit.
   */
  private readonly table: Int32Array;
  private readonly slots: Int32Array[] = [new Int32Array(0)];

  constructor(
    private readonly onePass: Re2OnePass,
    classes: Re2RuneClasses,
    private readonly ncap: number,
  ) {
    this.insts = onePass.inst;
    // States 0..n-1 resume at that instruction; state n is the start, at the span's start.
    this.startState = onePass.inst.length;
    this.cols = classes.numClasses + 1;
    this.edgeCol = classes.numClasses;
    this.latin1Class = classes.latin1Class;
    this.bounds = classes.classBounds;
    this.table = new Int32Array((this.startState + 1) * this.cols).fill(-1);
  }

  /** OnePass.execute's walk from `state` on rune `r` (-1: the span's end) up to the next rune. */
  private build(state: number, r: number, col: number): number {
    const flag = (state === this.startState ? EMPTY_BEGIN_TEXT | EMPTY_BEGIN_LINE : 0) | (r < 0 ? EMPTY_END_TEXT | EMPTY_END_LINE : 0);
    const slots: number[] = [];
    let pc = state === this.startState ? this.onePass.start : state;
    let next = SPAN_FAIL;
    for (let steps = 0; ; steps++) {
      if (steps > this.insts.length) return SPAN_UNSURE;
      const inst = this.insts[pc] as Re2Inst;
      pc = inst.out;
      const op = inst.op;
      if (op === OP_MATCH) next = SPAN_MATCH;
      else if (op === OP_RUNE) next = inst.matchRune(r) ? pc : SPAN_FAIL;
      else if (op === OP_RUNE1) next = r >= 0 && r === inst.runes[0] ? pc : SPAN_FAIL;
      else if (op === OP_RUNE_ANY) next = r >= 0 ? pc : SPAN_FAIL;
      else if (op === OP_RUNE_ANY_NOT_NL) next = r >= 0 && r !== 10 ? pc : SPAN_FAIL;
      else if (op === OP_ALT || op === OP_ALT_MATCH) {
        const k = inst.matchRunePos(r);
        pc = k >= 0 ? ((inst.next as Uint32Array)[k] as number) : op === OP_ALT_MATCH ? inst.out : 0;
        continue;
      } else if (op === OP_NOP) continue;
      else if (op === OP_CAPTURE) {
        if (inst.arg < this.ncap) slots.push(inst.arg);
        continue;
      } else if (op === OP_EMPTY_WIDTH) {
        if ((inst.arg & ~(EMPTY_BEGIN_TEXT | EMPTY_END_TEXT)) !== 0) return SPAN_UNSURE;
        if ((inst.arg & ~flag) !== 0) next = SPAN_FAIL;
        else continue;
      }
      break;
    }
    let entry = next + 2;
    if (slots.length > 0) {
      entry |= this.slots.length << 11;
      this.slots.push(Int32Array.from(slots));
    }
    this.table[state * this.cols + col] = entry;
    return entry;
  }

  /** The capture slots of the match that spans exactly [start, end), null if none, or SPAN_UNSURE. */
  run(text: string, start: number, end: number): number[] | null | typeof SPAN_UNSURE {
    const caps = new Array<number>(this.ncap).fill(-1);
    const cols = this.cols;
    const latin1 = this.latin1Class;
    let state = this.startState;
    for (let pos = start; ; ) {
      const step = readRune(text, pos, end);
      const r = step >> 3;
      const col = r < 0 ? this.edgeCol : r < 256 ? (latin1[r] as number) : runeClassIn(this.bounds, r);
      let t = this.table[state * cols + col] as number;
      if (t < 0) {
        t = this.build(state, r, col);
        if (t === SPAN_UNSURE) return SPAN_UNSURE;
      }
      if (t >= 2048) {
        const slots = this.slots[t >> 11] as Int32Array;
        for (let k = 0; k < slots.length; k++) caps[slots[k] as number] = pos;
      }
      const next = (t & 2047) - 2;
      if (next === SPAN_MATCH) {
        if (pos !== end) return null;
        caps[0] = start;
        caps[1] = pos;
        return caps;
      }
      if (next === SPAN_FAIL) return null;
      state = next;
      pos += step & 7;
    }
  }
}

/** The class of rune `r` (at least 256) given the sorted class bounds (DFA.searchClass). */
function runeClassIn(bounds: Int32Array, r: number): number {
  let lo = 0;
  let hi = bounds.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if ((bounds[mid] as number) <= r) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** Whether the program is `(` + a pattern without groups + `)`: group 1 is the whole match. */
function isOuterGroup(prog: Re2Prog): boolean {
  let pc = prog.start;
  let first = prog.inst[pc];
  while (first !== undefined && first.op === OP_NOP) first = prog.inst[(pc = first.out)];
  if (first === undefined || first.op !== OP_CAPTURE || first.arg !== 2) return false;
  const open = pc;
  let close = -1;
  for (let i = 0; i < prog.inst.length; i++) {
    const inst = prog.inst[i] as Re2Inst;
    // Nothing jumps back to the opening capture, and the closing one leads straight to MATCH.
    if ((inst.op === OP_ALT || inst.op === OP_ALT_MATCH) && (inst.out === open || inst.arg === open)) return false;
    if (inst.op !== OP_ALT && inst.op !== OP_ALT_MATCH && inst.op !== OP_MATCH && inst.op !== OP_FAIL && inst.out === open) return false;
    if (inst.op === OP_CAPTURE && inst.arg === 3) {
      if (close >= 0 || prog.inst[inst.out]?.op !== OP_MATCH) return false;
      close = i;
    }
  }
  if (close < 0) return false;
  // Only the closing capture leads to MATCH.
  for (let i = 0; i < prog.inst.length; i++) {
    const inst = prog.inst[i] as Re2Inst;
    if (i === close || inst.op === OP_MATCH || inst.op === OP_FAIL) continue;
    const targets = inst.op === OP_ALT || inst.op === OP_ALT_MATCH ? [inst.out, inst.arg] : [inst.out];
    if (targets.some((t) => prog.inst[t]?.op === OP_MATCH)) return false;
  }
  return true;
}

/**
 * Whether re2js's internals look as the fast path expects (opcodes, program layout, the DFA's
 * character classes, the engine entry point); checked once on a small program. When not (another
 * re2js version), every pattern runs on re2js's Matcher, the reference path.
 */
let fastPathChecked: boolean | undefined;

function fastPathSupported(): boolean {
  if (fastPathChecked === undefined) {
    try {
      const re2 = RE2JS.compile("(a|[bc]*)\\b$|d\\.").re2() as unknown as Re2Internals;
      const names = new Map<number, string>();
      for (const inst of re2.prog.inst) names.set(inst.op, String(inst).split(" ")[0] ?? "");
      const expected: ReadonlyArray<[number, string]> = [
        [OP_ALT, "alt"], [OP_CAPTURE, "cap"], [OP_EMPTY_WIDTH, "empty"], [OP_FAIL, "fail"], [OP_MATCH, "match"], [OP_RUNE, "rune"], [OP_RUNE1, "rune1"],
      ];
      const classes = re2.dfa;
      fastPathChecked =
        expected.every(([op, name]) => names.get(op) === name) &&
        typeof re2.executeEngine === "function" &&
        classes.classBounds instanceof Int32Array &&
        classes.latin1Class instanceof Int32Array &&
        classes.latin1Class.length === 256 &&
        classes.numClasses === classes.classBounds.length + 1 &&
        typeof re2.prefix === "string";
    } catch {
      fastPathChecked = false;
    }
  }
  return fastPathChecked;
}

/** Width of the character at `pos` as re2js steps (a surrogate pair is one), 1 at the end. */
function charWidth(text: string, pos: number): number {
  const c = text.charCodeAt(pos);
  if (c >= 0xd800 && c <= 0xdbff && pos + 1 < text.length) {
    const d = text.charCodeAt(pos + 1);
    if (d >= 0xdc00 && d <= 0xdfff) return 2;
  }
  return 1;
}

/** The same pattern on re2js's own API only (RE2JS.test, exec, matchAll), without the fast path. */
class ReferenceRegex extends BaseRegex {
  readonly groupCount: number;
  constructor(
    readonly source: string,
    readonly mode: RegexMode,
    protected readonly re: RE2JS,
  ) {
    super();
    this.groupCount = re.groupCount();
  }
  test(subject: string): boolean {
    return this.re.test(subject);
  }
  exec(subject: string): RegexMatch | null {
    return this.re.exec(subject) as RegexMatch | null;
  }
  matchAll(subject: string): IterableIterator<RegexMatch> {
    return this.re.matchAll(subject) as IterableIterator<RegexMatch>;
  }
}

/** A pattern on re2js: the fast path (whole-text plan, lazy DFAs) with re2js's Matcher behind it. */
class Re2Regex extends ReferenceRegex {
  private readonly re2: Re2Internals;
  private readonly names: readonly string[];
  private readonly plan: WholeTextPlan | null;
  /** Built on first use; null when the fast path does not apply. */
  private fast: FastMatcher | null | undefined;

  constructor(source: string, mode: RegexMode, re: RE2JS) {
    super(source, mode, re);
    this.re2 = re.re2() as unknown as Re2Internals;
    this.names = Object.keys(this.re2.namedGroups);
    this.plan = fastPathSupported() && this.re2.prog.numLb === 0 ? wholeTextPlan(this.re2.prog) : null;
  }

  private engine(): FastMatcher | null {
    if (this.fast === undefined) {
      this.fast = null;
      const re2 = this.re2;
      if (fastPathSupported() && re2.prog.numLb === 0 && !re2.longest) {
        try {
          this.fast = new FastMatcher(re2, this.re.pattern());
        } catch {
          this.fast = null;
        }
      }
    }
    return this.fast;
  }

  override test(subject: string): boolean {
    if (this.plan !== null) return true;
    const fast = this.engine();
    if (fast !== null) {
      const found = fast.test(subject);
      if (found !== GAVE_UP) return found;
    }
    return super.test(subject);
  }

  override exec(subject: string): RegexMatch | null {
    const slots = this.find(subject, 0);
    return slots === null ? null : this.toMatch(subject, slots);
  }

  override *matchAll(subject: string): IterableIterator<RegexMatch> {
    for (let slots = this.find(subject, 0); slots !== null; slots = this.findAfter(subject, slots)) yield this.toMatch(subject, slots);
  }

  protected override eachMatch(subject: string, each: (match: RegexMatch) => void): void {
    for (let slots = this.find(subject, 0); slots !== null; slots = this.findAfter(subject, slots)) each(this.toMatch(subject, slots));
  }

  /** The match after `previous`, as re2js's Matcher.find: after an empty match the search resumes one character further. */
  private findAfter(subject: string, previous: Slots): Slots | null {
    let pos = previous[1] as number;
    if (previous[0] === pos) pos += charWidth(subject, pos);
    return pos <= subject.length ? this.find(subject, pos) : null;
  }

  /** The leftmost-first match at or after `pos`, as re2js's Matcher.find(pos) finds it. */
  private find(subject: string, pos: number): Slots | null {
    const plan = this.plan;
    if (plan !== null) {
      if (plan.anchored && pos > 0) return null;
      const slots = new Array<number>(2 * (1 + this.groupCount)).fill(-1);
      slots[0] = pos;
      slots[1] = subject.length;
      for (const [slot, at] of plan.slots) slots[slot] = at === 0 ? pos : subject.length;
      return slots;
    }
    if (this.re2.onepass !== null) {
      // An anchored one-pass program (RE2's OnePass engine): one linear pass, no search.
      return this.re2.executeEngine(new TextWindow(subject, 0, subject.length), pos, UNANCHORED, 2 * (1 + this.groupCount));
    }
    const fast = this.engine();
    if (fast !== null) {
      const found = fast.find(subject, pos);
      if (found !== GAVE_UP) return found;
    }
    const m = this.re.matcher(subject);
    if (!m.find(pos)) return null;
    const slots: number[] = [];
    for (let g = 0; g <= this.groupCount; g++) slots.push(m.start(g), m.end(g));
    return slots;
  }

  /** The match as re2js's exec builds it. */
  private toMatch(subject: string, slots: Slots): RegexMatch {
    const values: Array<string | undefined> = [];
    for (let g = 0; g <= this.groupCount; g++) {
      const s = slots[2 * g] as number;
      const e = slots[2 * g + 1] as number;
      values.push(s < 0 && e < 0 ? undefined : subject.substring(s, e));
    }
    let groups: Record<string, string | undefined> | undefined;
    if (this.names.length > 0) {
      groups = Object.create(null) as Record<string, string | undefined>;
      for (const name of this.names) groups[name] = values[this.re2.namedGroups[name] as number];
    }
    const match = values as Array<string | undefined> & { index: number; input: string; groups: typeof groups };
    match.index = slots[0] as number;
    match.input = subject;
    match.groups = groups;
    return match;
  }
}


function literalMatch(text: string, index: number): RegexMatch {
  return Object.assign([text], { index });
}

/**
 * A pattern that is plain text (no operator, no case folding): String.indexOf is exact and far
 * faster than any automaton for it (and linear in V8, which switches to Boyer-Moore).
 */
class LiteralRegex extends BaseRegex {
  readonly groupCount = 0;
  constructor(
    readonly source: string,
    readonly mode: RegexMode,
    private readonly text: string,
  ) {
    super();
  }
  test(subject: string): boolean {
    return this.mode === "full" ? subject === this.text : subject.includes(this.text);
  }
  exec(subject: string): RegexMatch | null {
    if (this.mode === "full") return subject === this.text ? literalMatch(subject, 0) : null;
    const at = subject.indexOf(this.text);
    return at < 0 ? null : literalMatch(this.text, at);
  }
  *matchAll(subject: string): IterableIterator<RegexMatch> {
    if (this.mode === "full") {
      if (subject === this.text) yield literalMatch(subject, 0);
      return;
    }
    for (let at = subject.indexOf(this.text); at >= 0; at = subject.indexOf(this.text, at + this.text.length)) {
      yield literalMatch(this.text, at);
    }
  }
}

const cache = new Map<string, SafeRegex | RegexError>();

function flagsOf(extraFlags: string): Flags {
  const f = { i: false, m: false, s: false, x: false, d: false };
  for (const c of extraFlags) {
    if (c === "i" || c === "m" || c === "s" || c === "x" || c === "d") f[c] = true;
    else if (c !== "u") throw new RegexError(`unknown flag '${c}'`);
  }
  return f;
}

function build(pattern: string, mode: RegexMode, extraFlags: string, reference = false): SafeRegex {
  const t = new Translator(pattern, flagsOf(extraFlags)).run();
  if (t.literal !== null && !reference) {
    if (t.literal.length > MAX_PROGRAM_SIZE) throw new RegexError(`pattern too large: ${t.literal.length} characters of text, at most ${MAX_PROGRAM_SIZE}`);
    return new LiteralRegex(pattern, mode, t.literal);
  }
  // \A and \z are unaffected by (?m), so "full" stays whole-subject whatever flags follow.
  const source = mode === "full" ? `\\A(?:${t.re2})\\z` : t.re2;
  let re: RE2JS;
  try {
    re = RE2JS.compile(source);
  } catch (e) {
    throw fromRe2(e, pattern);
  }
  const size = re.programSize();
  if (size > MAX_PROGRAM_SIZE) {
    throw new RegexError(`pattern too large: it compiles to ${size} instructions (each repetition counts its copies), at most ${MAX_PROGRAM_SIZE}`);
  }
  return reference ? new ReferenceRegex(pattern, mode, re) : new Re2Regex(pattern, mode, re);
}

/**
 * Compiles a Java-style pattern for linear-time matching. "full" must match the whole subject
 * (Java `matches`), "find" anywhere. `extraFlags` adds Java flags ("i", "m", "s", "x", "d"), as
 * a leading `(?i)` would. Throws RegexError with a message fit for a validation problem.
 * Results are cached, so compiling the same pattern again is cheap.
 */
export function compileJavaRegex(pattern: string, mode: RegexMode, extraFlags = ""): SafeRegex {
  const key = `${mode}\u0000${extraFlags}\u0000${pattern}`;
  let hit = cache.get(key);
  if (hit === undefined) {
    try {
      hit = build(pattern, mode, extraFlags);
    } catch (e) {
      if (!(e instanceof RegexError)) throw e;
      hit = e;
    }
    if (cache.size >= CACHE_SIZE) cache.delete(cache.keys().next().value as string);
  } else cache.delete(key);
  // Re-inserting keeps the map in least-recently-used order.
  cache.set(key, hit);
  if (hit instanceof RegexError) throw hit;
  return hit;
}

/**
 * For tests: the pattern as compileJavaRegex translates it, matched by re2js's own API only
 * (no DFA fast path, no whole-text shortcut, no indexOf for plain text), not cached. The
 * results of compileJavaRegex must equal these.
 */
export function compileJavaRegexReference(pattern: string, mode: RegexMode, extraFlags = ""): SafeRegex {
  return build(pattern, mode, extraFlags, true);
}
