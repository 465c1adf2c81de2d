/**
 * Java-flavoured, linear-time regular expressions for processors (NiFi users paste Java
 * patterns): the translation and the engine are the Expression Language's (exported through
 * engine/sdk, see engine/core/el/regex.ts); this module adds what processors need around them.
 */
import { compileJavaRegex, compileJavaReplacement, type RegexMatch, type RegexMode, type SafeRegex } from "../../engine/sdk";

export { compileJavaRegex, compileJavaReplacement, type RegexMatch, type RegexMode, type SafeRegex };

/**
 * Returns a validation message for a pattern, or null when it compiles. Constructs a
 * linear-time engine cannot run (backreferences, lookaround, ...) are reported here, by name
 * and index, so they never reach a running processor.
 */
export function regexProblem(pattern: string, mode: RegexMode = "find", extraFlags = ""): string | null {
  try {
    compileJavaRegex(pattern, mode, extraFlags);
    return null;
  } catch (e) {
    return `not a valid regular expression: ${(e as Error).message}`;
  }
}
