/**
 * Parser: property text → a small syntax tree (template of literal text and expressions).
 *
 * Grammar (whitespace is allowed between the tokens inside `${...}`):
 *
 *   template   := ( text | escape | "${" expression "}" )*
 *   expression := subject ( ":" call )*
 *   subject    := attrName | quoted | call           -- a call here is subjectless: now()
 *   call       := ident "(" [ arg ( "," arg )* ] ")"
 *   arg        := quoted | number | "true" | "false" | "${" expression "}"
 *
 * Escapes follow NiFi: in a run of `$` directly before `{`, each `$$` is one literal `$`, and
 * an odd `$` left over starts an expression. A `$` run not followed by `{` is plain text.
 * Unlike NiFi, an unterminated `${` is an error rather than literal text, so a typo is caught
 * when the flow is validated instead of leaking into output.
 *
 * Names and arities are checked by the compiler, which knows the function table.
 */
import { ElSyntaxError } from "./errors";

/** `${name}` or `${'quoted name'}`. */
export interface AttrNode {
  readonly kind: "attr";
  readonly name: string;
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

export type ExprNode = AttrNode | CallNode;

export type ArgNode =
  | { readonly kind: "literal"; readonly value: string | number | boolean; readonly position: number }
  | { readonly kind: "expr"; readonly expr: ExprNode; readonly position: number };

/** literals.length === expressions.length + 1; the text is lit0 expr0 lit1 expr1 ... litN. */
export interface TemplateNode {
  readonly literals: readonly string[];
  readonly expressions: readonly ExprNode[];
}

// NiFi's set of characters that cannot appear in an unquoted attribute name, plus '"'.
const NOT_IN_NAME = new Set([..."${}()[],:;/*'\"| \t\r\n"]);
const IDENT = /^[A-Za-z_][A-Za-z0-9_]*$/;
const MAX_DEPTH = 64;

class Parser {
  private i = 0;
  private depth = 0;

  constructor(private readonly text: string) {}

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
      lit += "$".repeat(run >> 1);
      if (run % 2 === 0) {
        lit += "{";
        this.i = end + 1;
        continue;
      }
      literals.push(lit);
      lit = "";
      this.i = end - 1;
      expressions.push(this.parseEmbedded());
    }
    literals.push(lit);
    return { literals, expressions };
  }

  /** At "${": parses through the matching "}". */
  private parseEmbedded(): ExprNode {
    const open = this.i;
    if (++this.depth > MAX_DEPTH) throw new ElSyntaxError(`Expressions nested deeper than ${MAX_DEPTH} levels at position ${open}`, open);
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
    const c = this.text[at];
    if (c === undefined) throw this.unterminated(open);
    if (c === "'" || c === '"') return { kind: "attr", name: this.readString(), position: at };
    let end = at;
    while (end < this.text.length && !NOT_IN_NAME.has(this.text[end])) end++;
    if (end === at) throw this.expected("an attribute name, a quoted attribute name or a function call");
    const name = this.text.slice(at, end);
    this.i = end;
    this.skipWs();
    if (this.text[this.i] === "(") {
      if (!IDENT.test(name)) throw new ElSyntaxError(`Invalid function name '${name}' at position ${at}`, at);
      return this.parseCall(name, at, null, open);
    }
    this.i = end;
    return { kind: "attr", name, position: at };
  }

  /** After the function name: "(" args ")". */
  private parseCall(name: string, position: number, subject: ExprNode | null, open: number): CallNode {
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
    if (c === "'" || c === '"') return { kind: "literal", value: this.readString(), position: at };
    if (c === "$" && text[at + 1] === "{") return { kind: "expr", expr: this.parseEmbedded(), position: at };
    const word = /^(?:-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?|true|false)/.exec(text.slice(at, at + 64));
    if (word !== null) {
      const after = text[at + word[0].length];
      if (after === undefined || after === "," || after === ")" || /\s/.test(after)) {
        this.i = at + word[0].length;
        const w = word[0];
        return { kind: "literal", value: w === "true" ? true : w === "false" ? false : Number(w), position: at };
      }
    }
    throw this.expected("an argument (a quoted string, a number, true, false or ${...})");
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
          `Unterminated string: the ${quote} at position ${start} is never closed (found end of text at position ${text.length})`,
          start,
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

  private skipWs(): void {
    while (this.i < this.text.length) {
      const c = this.text[this.i];
      if (c !== " " && c !== "\t" && c !== "\n" && c !== "\r") return;
      this.i++;
    }
  }

  private found(): string {
    const c = this.text[this.i];
    return c === undefined ? "end of text" : `'${c}'`;
  }

  private expected(what: string): ElSyntaxError {
    return new ElSyntaxError(`Expected ${what} but found ${this.found()} at position ${this.i}`, this.i);
  }

  private unterminated(open: number): ElSyntaxError {
    return new ElSyntaxError(
      `Unterminated expression: the '\${' at position ${open} is never closed with '}' (found end of text at position ${this.text.length})`,
      open,
    );
  }
}

/** Parses property text. Throws ElSyntaxError with the offset of the problem. */
export function parse(text: string): TemplateNode {
  return new Parser(text).parseTemplate();
}
