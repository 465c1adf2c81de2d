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
 * The price is speed: re2js is typically 10-40x slower than RegExp (see the commit that
 * introduced it for figures); plain-text patterns skip the automaton entirely.
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
    for (const m of this.matchAll(subject)) {
      out += subject.slice(last, m.index) + fn(m);
      last = m.index + (m[0] ?? "").length;
    }
    return last === 0 && out === "" ? subject : out + subject.slice(last);
  }
}

/**
 * Above this subject length, group-extracting calls first ask re2js's DFA whether there is a
 * match at all: with capture groups re2js runs its NFA from the start (about 0.3 s per MB even
 * for simple patterns), while the DFA answers no-match at tens of MB per second. Short subjects
 * use re2js's bit-state backtracker, for which the extra pass would only add cost.
 */
const DFA_FIRST_LENGTH = 4096;

/** A pattern on re2js. */
class Re2Regex extends BaseRegex {
  readonly groupCount: number;
  constructor(
    readonly source: string,
    readonly mode: RegexMode,
    private readonly re: RE2JS,
  ) {
    super();
    this.groupCount = re.groupCount();
  }
  test(subject: string): boolean {
    return this.re.test(subject);
  }
  exec(subject: string): RegexMatch | null {
    if (subject.length > DFA_FIRST_LENGTH && !this.re.test(subject)) return null;
    return this.re.exec(subject) as RegexMatch | null;
  }
  matchAll(subject: string): IterableIterator<RegexMatch> {
    if (subject.length > DFA_FIRST_LENGTH && !this.re.test(subject)) return [][Symbol.iterator]();
    return this.re.matchAll(subject) as IterableIterator<RegexMatch>;
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

function build(pattern: string, mode: RegexMode, extraFlags: string): SafeRegex {
  const t = new Translator(pattern, flagsOf(extraFlags)).run();
  if (t.literal !== null) {
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
  return new Re2Regex(pattern, mode, re);
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
