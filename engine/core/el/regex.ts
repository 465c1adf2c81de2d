/**
 * Java-flavoured regular expressions on top of JavaScript's engine.
 *
 * Most Java syntax is JavaScript syntax. Translated here: leading inline flags (`(?i)`,
 * `(?s)`, `(?m)` and combinations), `\Q...\E` quoting, and `$1` / `${name}` / `\$` in
 * replacement strings. Patterns are tried with the `u` flag first (so `\p{L}` works) and
 * without it when that fails (so Java's lenient escapes such as `\-` outside a class work).
 */

/** Why a pattern was rejected. */
export class RegexError extends Error {}

/** How a compiled pattern will be used: whole subject, search, or replace all ("global" = "all") / first. */
export type RegexMode = "full" | "find" | "all" | "global" | "first";

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
 * Compiles a Java-style pattern. "full" must match the whole subject (Java `matches`),
 * "find" anywhere, "all"/"first" are for replacing. `extraFlags` adds JavaScript flags
 * ("i", "s", "m"). Throws RegexError with a message fit for a validation problem.
 */
export function compileJavaRegex(pattern: string, mode: RegexMode, extraFlags = ""): RegExp {
  let flags = "";
  for (const f of extraFlags) if (!flags.includes(f)) flags += f;
  let body = pattern;
  const lead = /^\(\?([a-zA-Z]+)\)/.exec(body);
  if (lead !== null) {
    for (const f of lead[1]) {
      if (f !== "i" && f !== "m" && f !== "s") throw new RegexError(`Unsupported inline flag '${f}'`);
      if (!flags.includes(f)) flags += f;
    }
    body = body.slice(lead[0].length);
  }
  body = unquote(body);
  if (mode === "full") body = `^(?:${body})$`;
  if (mode === "all" || mode === "global") flags += "g";
  try {
    return new RegExp(body, flags + "u");
  } catch {
    try {
      return new RegExp(body, flags);
    } catch (e) {
      throw new RegexError(e instanceof Error ? e.message.replace(/^Invalid regular expression: \/.*\/[a-z]*: /s, "") : String(e));
    }
  }
}

/**
 * Translates a Java replacement string to a JavaScript one: `$n` and `${name}` are group
 * references (`$0` the whole match), `\x` is a literal x; a lone `$` is kept literally.
 */
export function javaReplacement(replacement: string): string {
  if (!replacement.includes("$") && !replacement.includes("\\")) return replacement;
  let out = "";
  for (let i = 0; i < replacement.length; i++) {
    const c = replacement[i];
    if (c === "\\" && i + 1 < replacement.length) {
      const next = replacement[++i];
      out += next === "$" ? "$$" : next;
    } else if (c === "$") {
      const rest = replacement.slice(i + 1);
      const num = /^\d+/.exec(rest);
      const named = /^\{([A-Za-z][A-Za-z0-9]*)\}/.exec(rest);
      if (num !== null && num[0].startsWith("0")) {
        // Java's $0 is the whole match; JavaScript spells it $&.
        out += "$&";
        i += 1;
      } else if (num !== null) {
        out += "$" + num[0];
        i += num[0].length;
      } else if (named !== null) {
        out += `$<${named[1]}>`;
        i += named[0].length;
      } else {
        out += "$$";
      }
    } else {
      out += c;
    }
  }
  return out;
}
