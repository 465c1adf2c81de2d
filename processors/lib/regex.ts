/**
 * Java-flavoured regular expressions for processors (NiFi users paste Java patterns).
 *
 * Why a copy: the Expression Language has the same translation in engine/core/el/regex.ts, but
 * processors may import only engine/sdk, which does not export it. Translated: leading inline
 * flags (`(?i)`, `(?s)`, `(?m)`), `\Q...\E` quoting, and `$1` / `${name}` / `\$` in
 * replacement strings. Patterns are tried with the `u` flag first (so `\p{L}` works) and
 * without it when that fails (so Java's lenient escapes such as `\-` work).
 */

/** How a compiled pattern will be used: whole-subject match, search, or global search. */
export type RegexMode = "full" | "find" | "global";

function unquote(pattern: string): string {
  if (!pattern.includes("\\Q")) return pattern;
  let out = "";
  let i = 0;
  while (i < pattern.length) {
    if (pattern[i] === "\\" && pattern[i + 1] === "Q") {
      const end = pattern.indexOf("\\E", i + 2);
      const quoted = end < 0 ? pattern.slice(i + 2) : pattern.slice(i + 2, end);
      out += quoted.replace(/[.*+?^${}()|[\]\\/-]/g, "\\$&");
      i = end < 0 ? pattern.length : end + 2;
    } else if (pattern[i] === "\\") {
      out += pattern.slice(i, i + 2);
      i += 2;
    } else {
      out += pattern[i];
      i++;
    }
  }
  return out;
}

/**
 * Compiles a Java-style pattern. `extraFlags` adds JavaScript flags (e.g. "i", "s", "m").
 * Throws an Error whose message is fit for a validation problem.
 */
export function compileJavaRegex(pattern: string, mode: RegexMode, extraFlags = ""): RegExp {
  let flags = "";
  for (const f of extraFlags) if (!flags.includes(f)) flags += f;
  let body = pattern;
  const lead = /^\(\?([a-zA-Z]+)\)/.exec(body);
  if (lead !== null) {
    for (const f of lead[1] as string) {
      if (f !== "i" && f !== "m" && f !== "s") throw new Error(`unsupported inline flag '${f}'`);
      if (!flags.includes(f)) flags += f;
    }
    body = body.slice(lead[0].length);
  }
  body = unquote(body);
  if (mode === "full") body = `^(?:${body})$`;
  if (mode === "global") flags += "g";
  try {
    return new RegExp(body, flags + "u");
  } catch {
    try {
      return new RegExp(body, flags);
    } catch (e) {
      throw new Error(e instanceof Error ? e.message.replace(/^Invalid regular expression: \/.*\/[a-z]*: /s, "") : String(e));
    }
  }
}

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
