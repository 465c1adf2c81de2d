/**
 * Java-flavoured regular expressions for processors (NiFi users paste Java patterns): the
 * translation itself is the Expression Language's (exported through engine/sdk); this module
 * adds what processors need around it.
 */
import { compileJavaRegex, type RegexMode } from "../../engine/sdk";

export { compileJavaRegex, type RegexMode };

/** Returns a validation message for a pattern, or null when it compiles. */
export function regexProblem(pattern: string, mode: RegexMode = "find", extraFlags = ""): string | null {
  try {
    compileJavaRegex(pattern, mode, extraFlags);
    return null;
  } catch (e) {
    return `not a valid regular expression: ${(e as Error).message}`;
  }
}

/**
 * Expands a Java replacement string against one match: `$n` and `${name}` are groups (`$0`
 * the whole match; a missing group is empty), `\x` is a literal x, a lone `$` is literal.
 */
export function expandReplacement(replacement: string, match: RegExpExecArray | RegExpMatchArray): string {
  if (!replacement.includes("$") && !replacement.includes("\\")) return replacement;
  let out = "";
  for (let i = 0; i < replacement.length; i++) {
    const c = replacement[i] as string;
    if (c === "\\" && i + 1 < replacement.length) {
      out += replacement[++i];
    } else if (c === "$") {
      const rest = replacement.slice(i + 1);
      const named = /^\{([A-Za-z][A-Za-z0-9]*)\}/.exec(rest);
      const num = /^\d+/.exec(rest);
      if (named !== null) {
        out += match.groups?.[named[1] as string] ?? "";
        i += named[0].length;
      } else if (num !== null) {
        // Java takes the longest group number that exists: "$12" with 3 groups is group 1 then "2".
        let digits = num[0];
        while (digits.length > 1 && Number(digits) >= match.length) digits = digits.slice(0, -1);
        const n = Number(digits);
        if (n < match.length) out += match[n] ?? "";
        else out += "$" + digits;
        i += digits.length;
      } else {
        out += "$";
      }
    } else {
      out += c;
    }
  }
  return out;
}

/** Escapes text so it matches literally inside a pattern. */
export function quoteRegex(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\/-]/g, "\\$&");
}
