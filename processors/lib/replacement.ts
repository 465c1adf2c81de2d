/**
 * Replacement values that mix Java back references (`$1`) with Expression Language
 * (`${'$1':toUpper()}`), as in NiFi's ReplaceText.
 */
import { compileExpression, type FlowFile } from "../../engine/sdk";
import { compileJavaReplacement, type RegexMatch } from "./regex";

/**
 * Rewrites back references outside `${...}` into EL attribute references, so the whole
 * replacement is one expression evaluated per match with `$0..$n` as extra variables:
 * `$1` → `${'$1'}`, `\$` → a literal `$`, `\x` → `x`. `groups` bounds multi-digit references as
 * Java does (`$12` with 3 groups is group 1 then "2"); undefined = one digit.
 */
export function backReferencesToEl(raw: string, groups?: number): string {
  let out = "";
  let i = 0;
  while (i < raw.length) {
    const c = raw[i] as string;
    if (c === "\\" && i + 1 < raw.length) {
      const next = raw[i + 1] as string;
      out += next === "$" ? (raw[i + 2] === "{" ? "$$" : "$") : next;
      i += 2;
      continue;
    }
    if (c !== "$") {
      out += c;
      i++;
      continue;
    }
    let run = 0;
    while (raw[i + run] === "$") run++;
    if (raw[i + run] === "{") {
      out += raw.slice(i, i + run);
      i += run;
      if (run % 2 === 0) continue;
      // An expression: copy it through its matching brace (quotes may hold braces).
      let depth = 0;
      let quote: string | null = null;
      for (; i < raw.length; i++) {
        const d = raw[i] as string;
        out += d;
        if (quote) {
          if (d === "\\") out += raw[++i] ?? "";
          else if (d === quote) quote = null;
        } else if (d === "'" || d === '"') quote = d;
        else if (d === "{") depth++;
        else if (d === "}" && --depth === 0) {
          i++;
          break;
        }
      }
      continue;
    }
    if (run === 1 && /\d/.test(raw[i + 1] ?? "")) {
      let digits = /^\d+/.exec(raw.slice(i + 1))?.[0] ?? "";
      if (groups === undefined) digits = digits.slice(0, 1);
      else while (digits.length > 1 && Number(digits) > groups) digits = digits.slice(0, -1);
      out += `\${'$${digits}'}`;
      i += 1 + digits.length;
      continue;
    }
    out += raw.slice(i, i + run);
    i += run;
  }
  return out;
}

/** A compiled replacement: per match (with back references) or per FlowFile. */
export interface Replacement {
  /** True when the text neither uses EL nor back references. */
  readonly constant: string | null;
  /** Evaluates for one match; throws ElEvaluationError. */
  forMatch(ff: FlowFile, match: RegexMatch): string;
  /** Evaluates without a match (Prepend, Append, Always Replace): back references stay literal text. */
  forFlowFile(ff: FlowFile): string;
}

/** Compiles a replacement value; `groups` is the search pattern's group count when known. */
export function compileReplacement(raw: string, groups?: number): Replacement {
  if (!raw.includes("${")) {
    // No EL: plain Java replacement semantics, no per-match evaluation.
    const hasRefs = /[$\\]/.test(raw);
    const expand = compileJavaReplacement(raw);
    return {
      constant: hasRefs ? null : raw,
      forMatch: (_ff, m) => expand(m),
      forFlowFile: () => raw,
    };
  }
  const expr = compileExpression(backReferencesToEl(raw, groups));
  const whole = compileExpression(raw);
  return {
    constant: null,
    forMatch: (ff, m) => {
      const extra: Record<string, string> = {};
      for (let g = 0; g < m.length; g++) extra[`$${g}`] = m[g] ?? "";
      // The match groups win over FlowFile attributes of the same name, as in NiFi.
      return expr.evaluate(extra, ff.attributes);
    },
    forFlowFile: (ff) => whole.evaluate(ff.attributes),
  };
}
