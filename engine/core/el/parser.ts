/**
 * Parser: property text → a small syntax tree (template of literal text and expressions).
 *
 * Grammar (whitespace is allowed between the tokens inside `${...}`):
 *
 *   template   := ( text | escape | "${" expression "}" )*
 *   expression := subject ( ":" call )*
 *   subject    := attrName | quoted | "${" expression "}" | call   -- a call here is subjectless: now()
 *   call       := ident "(" [ arg ( "," arg )* ] ")"
 *   arg        := quoted | number | "true" | "false" | "null" | "${" expression "}"
 *
 * As in NiFi (Query.extractExpressionRanges and the ANTLR grammar):
 * - in a run of `$` directly before `{`, each `$$` is one literal `$`, and an odd `$` left over
 *   starts an expression. A `$` run not followed by `{` is plain text;
 * - a `${` whose braces never balance (quotes respected) is plain text, `$` run and all;
 * - a quoted string (argument or attribute name) that contains `${` is itself a template:
 *   `${x:equals('${a}')}`, `${'$$${abc}'}`;
 * - `${${abc}}` reads the attribute named by the value of `abc`;
 * - inside `${...}`, `#` followed by anything but `{` starts a comment that runs to the end of
 *   the line (a comment needs its newline).
 *
 * Names and arities are checked by the compiler, which knows the function table.
 */
import { ElSyntaxError } from "./errors";
import { decimalOf, wholeOf, type ElDecimal, type ElWhole } from "./values";

/** `${name}` or `${'quoted name'}`; `name` is a template when the quoted name contains `${`. */
export interface AttrNode {
  readonly kind: "attr";
  readonly name: string;
  readonly position: number;
}

/** `${${expr}}` or `${'text ${expr}'}`: the attribute named by a computed value. */
export interface DynamicAttrNode {
  readonly kind: "dynamicAttr";
  readonly name: TemplateNode;
  readonly position: number;
}

/** A function call; `subject` is null for a subjectless call such as `now()`. */
export interface CallNode {
  readonly kind: "call";
  readonly name: string;
  /** Offset of the function name. */
  readonly position: number;
  readonly subject: ExprNode | null;
  readonly args: readonly ArgNode[];
}

export type ExprNode = AttrNode | DynamicAttrNode | CallNode;

/** A literal argument value: text, whole number, decimal, boolean or `null`. */
export type LiteralValue = string | ElWhole | ElDecimal | boolean | null;

export type ArgNode =
  | { readonly kind: "literal"; readonly value: LiteralValue; readonly position: number }
  | { readonly kind: "expr"; readonly expr: ExprNode; readonly position: number }
  | { readonly kind: "template"; readonly template: TemplateNode; readonly position: number };

/** literals.length === expressions.length + 1; the text is lit0 expr0 lit1 expr1 ... litN. */
export interface TemplateNode {
  readonly literals: readonly string[];
  readonly expressions: readonly ExprNode[];
}

// NiFi's set of characters that cannot appear in an unquoted attribute name, plus '"' and '#'.
const NOT_IN_NAME = new Set([..."${}()[],:;/*'\"| \t\r\n"]);
const IDENT = /^[A-Za-z_][A-Za-z0-9_]*$/;
const NUMBER_WORD = /^(?:[-+]?\d+(?:\.\d*)?(?:[eE][-+]?\d+)?|[-+]?\.\d+(?:[eE][-+]?\d+)?|true|false|null)/;
const MAX_DEPTH = 64;

/**
 * Index of the `}` that closes the `{` at `open`, counting nested braces and skipping quoted
 * strings (a backslash escapes a quote), or -1 when the braces never balance.
 */
function matchingBrace(text: string, open: number): number {
  let depth = 0;
  for (let i = open; i < text.length; i++) {
    const c = text[i];
    if ((c === "'" || c === '"') && depth > 0) {
      let j = i + 1;
      while (j < text.length && text[j] !== c) j += text[j] === "\\" ? 2 : 1;
      if (j >= text.length) return -1;
      i = j;
    } else if (c === "{") depth++;
    else if (c === "}" && --depth === 0) return i;
  }
  return -1;
}

class Parser {
  private i = 0;
  private depth = 0;
  /** Where `text` starts in the text the user typed (nested templates in quoted strings). */
  private readonly base: number;

  constructor(
    private readonly text: string,
    base = 0,
    depth = 0,
  ) {
    this.base = base;
    this.depth = depth;
  }

  parseTemplate(): TemplateNode {
    const text = this.text;
    const literals: string[] = [];
    const expressions: ExprNode[] = [];
    let lit = "";
    while (this.i < text.length) {
      const dollar = text.indexOf("$", this.i);
      if (dollar < 0) {
        lit += text.slice(this.i);
        break;
      }
      lit += text.slice(this.i, dollar);
      let end = dollar;
      while (text[end] === "$") end++;
      const run = end - dollar;
      if (text[end] !== "{") {
        lit += text.slice(dollar, end);
        this.i = end;
        continue;
      }
      if (run % 2 === 0) {
        lit += "$".repeat(run >> 1) + "{";
        this.i = end + 1;
        continue;
      }
      if (matchingBrace(text, end) < 0) {
        // NiFi keeps an expression that is never closed as text, `$` run included.
        lit += text.slice(dollar);
        break;
      }
      lit += "$".repeat(run >> 1);
      literals.push(lit);
      lit = "";
      this.i = end - 1;
      expressions.push(this.parseEmbedded());
    }
    literals.push(lit);
    return { literals, expressions };
  }

  private pos(i: number): number {
    return this.base + i;
  }

  private error(message: string, i: number): ElSyntaxError {
    return new ElSyntaxError(`${message} at position ${this.pos(i)}`, this.pos(i));
  }

  /** At "${": parses through the matching "}". */
  private parseEmbedded(): ExprNode {
    const open = this.i;
    if (++this.depth > MAX_DEPTH) throw this.error(`Expressions nested deeper than ${MAX_DEPTH} levels`, open);
    this.i += 2;
    let expr = this.parseSubject(open);
    for (;;) {
      this.skipWs();
      const c = this.text[this.i];
      if (c === "}") {
        this.i++;
        this.depth--;
        return expr;
      }
      if (c === ":") {
        this.i++;
        this.skipWs();
        const nameAt = this.i;
        const name = this.readIdent();
        if (name === "") throw this.expected("a function name after ':'");
        expr = this.parseCall(name, nameAt, expr, open);
        continue;
      }
      if (c === undefined) throw this.unterminated(open);
      throw this.expected("':' or '}'");
    }
  }

  private parseSubject(open: number): ExprNode {
    this.skipWs();
    const at = this.i;
    const text = this.text;
    const c = text[at];
    if (c === undefined) throw this.unterminated(open);
    if (c === "'" || c === '"') {
      const arg = this.readStringArg();
      if (arg.kind === "template") return { kind: "dynamicAttr", name: arg.template, position: this.pos(at) };
      return { kind: "attr", name: (arg as { value: string }).value, position: this.pos(at) };
    }
    if (c === "$" && text[at + 1] === "{") {
      const inner = this.parseEmbedded();
      return { kind: "dynamicAttr", name: { literals: ["", ""], expressions: [inner] }, position: this.pos(at) };
    }
    let end = at;
    while (end < text.length && !NOT_IN_NAME.has(text[end])) end++;
    if (end === at) throw this.expected("an attribute name, a quoted attribute name or a function call");
    const name = text.slice(at, end);
    this.i = end;
    this.skipWs();
    if (text[this.i] === "(") {
      if (!IDENT.test(name)) throw this.error(`Invalid function name '${name}'`, at);
      return this.parseCall(name, at, null, open);
    }
    this.i = end;
    return { kind: "attr", name, position: this.pos(at) };
  }

  /** After the function name: "(" args ")". */
  private parseCall(name: string, at: number, subject: ExprNode | null, open: number): CallNode {
    const position = this.pos(at);
    this.skipWs();
    if (this.text[this.i] !== "(") {
      if (this.i >= this.text.length) throw this.unterminated(open);
      throw this.expected(`'(' after function name '${name}'`);
    }
    this.i++;
    const args: ArgNode[] = [];
    this.skipWs();
    if (this.text[this.i] === ")") {
      this.i++;
      return { kind: "call", name, position, subject, args };
    }
    for (;;) {
      this.skipWs();
      args.push(this.parseArg(open));
      this.skipWs();
      const c = this.text[this.i];
      if (c === ",") {
        this.i++;
        continue;
      }
      if (c === ")") {
        this.i++;
        return { kind: "call", name, position, subject, args };
      }
      if (c === undefined) throw this.unterminated(open);
      throw this.expected("',' or ')'");
    }
  }

  private parseArg(open: number): ArgNode {
    const at = this.i;
    const text = this.text;
    const c = text[at];
    if (c === undefined) throw this.unterminated(open);
    if (c === "'" || c === '"') return this.readStringArg();
    if (c === "$" && text[at + 1] === "{") return { kind: "expr", expr: this.parseEmbedded(), position: this.pos(at) };
    const word = NUMBER_WORD.exec(text.slice(at, at + 400));
    if (word !== null) {
      const after = text[at + word[0].length];
      if (after === undefined || after === "," || after === ")" || after === "#" || /\s/.test(after)) {
        this.i = at + word[0].length;
        return { kind: "literal", value: literalOf(word[0]), position: this.pos(at) };
      }
    }
    throw this.expected("an argument (a quoted string, a number, true, false, null or ${...})");
  }

  /** At a quote: a string literal, or a template when the text contains `${`. */
  private readStringArg(): ArgNode {
    const at = this.i;
    const value = this.readString();
    if (!value.includes("${")) return { kind: "literal", value, position: this.pos(at) };
    const template = new Parser(value, this.pos(at + 1), this.depth).parseTemplate();
    if (template.expressions.length === 0) return { kind: "literal", value: template.literals[0], position: this.pos(at) };
    return { kind: "template", template, position: this.pos(at) };
  }

  /** At a quote: reads a string literal. Escapes: \' \" \\ \n \r \t; any other \x stays as typed. */
  private readString(): string {
    const text = this.text;
    const start = this.i;
    const quote = text[start];
    let out = "";
    let i = start + 1;
    for (;;) {
      const c = text[i];
      if (c === undefined) {
        throw new ElSyntaxError(
          `Unterminated string: the ${quote} at position ${this.pos(start)} is never closed (found end of text at position ${this.pos(text.length)})`,
          this.pos(start),
        );
      }
      if (c === quote) break;
      if (c === "\\" && i + 1 < text.length) {
        const n = text[i + 1];
        switch (n) {
          case "n": out += "\n"; break;
          case "r": out += "\r"; break;
          case "t": out += "\t"; break;
          case "\\":
          case "'":
          case '"': out += n; break;
          // Kept as typed so regular expressions read naturally: matches('\d+').
          default: out += "\\" + n;
        }
        i += 2;
        continue;
      }
      out += c;
      i++;
    }
    this.i = i + 1;
    return out;
  }

  private readIdent(): string {
    const start = this.i;
    while (this.i < this.text.length && /[A-Za-z0-9_]/.test(this.text[this.i])) this.i++;
    return this.text.slice(start, this.i);
  }

  /** Skips whitespace and `#` comments (NiFi's lexer: `#` then a character other than `{`, through the newline). */
  private skipWs(): void {
    const text = this.text;
    while (this.i < text.length) {
      const c = text[this.i];
      if (c === "#" && this.i + 1 < text.length && text[this.i + 1] !== "{") {
        const nl = text.indexOf("\n", this.i + 1);
        if (nl < 0) return;
        this.i = nl + 1;
        continue;
      }
      if (c !== " " && c !== "\t" && c !== "\n" && c !== "\r") return;
      this.i++;
    }
  }

  private found(): string {
    const c = this.text[this.i];
    return c === undefined ? "end of text" : `'${c}'`;
  }

  private expected(what: string): ElSyntaxError {
    return this.error(`Expected ${what} but found ${this.found()}`, this.i);
  }

  private unterminated(open: number): ElSyntaxError {
    return new ElSyntaxError(
      `Unterminated expression: the '\${' at position ${this.pos(open)} is never closed with '}' (found end of text at position ${this.pos(this.text.length)})`,
      this.pos(open),
    );
  }
}

/** A number, boolean or null word as NiFi's lexer reads it: digits are whole, a point or exponent makes a decimal. */
function literalOf(w: string): LiteralValue {
  if (w === "true") return true;
  if (w === "false") return false;
  if (w === "null") return null;
  if (/^[-+]?\d+$/.test(w)) return w.replace(/^[-+]/, "").length <= 15 ? Number(w) : wholeOf(BigInt(w[0] === "+" ? w.slice(1) : w));
  return decimalOf(Number(w));
}

/** Parses property text. Throws ElSyntaxError with the offset of the problem. */
export function parse(text: string): TemplateNode {
  return new Parser(text).parseTemplate();
}
