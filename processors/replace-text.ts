import { defineProcessor, property, relationship, type FlowFile, type PropertyExpression } from "../engine/sdk";
import { compileJavaRegex, regexProblem, type SafeRegex } from "./lib/regex";
import { compileReplacement, type Replacement } from "./lib/replacement";
import { CHARSETS, decode, encode, splitLines } from "./lib/text";
import { routeToFailure } from "./lib/failure-log";

const STRATEGIES = [
  { value: "Regex Replace", description: "Replaces every match of the Search Value (a regular expression) with the Replacement Value; `$1` and `${'$1':toUpper()}` refer to capture groups." },
  { value: "Literal Replace", description: "Replaces every occurrence of the Search Value taken literally." },
  { value: "Prepend", description: "Inserts the Replacement Value at the start of the content (or of each line)." },
  { value: "Append", description: "Adds the Replacement Value at the end of the content (or of each line, before its line ending)." },
  { value: "Surround", description: "Prepends Text to Prepend and appends Text to Append." },
  { value: "Always Replace", description: "Replaces the whole content (or each line) with the Replacement Value." },
  { value: "Substitute Variables", description: "Replaces `${name}` in the content with the value of attribute `name` (left as is when there is no such attribute)." },
] as const;

const LINE_MODES = ["All", "First-Line", "Last-Line", "Except-First-Line", "Except-Last-Line"] as const;

type Strategy = (typeof STRATEGIES)[number]["value"];

/** Per-FlowFile regex cache, for search values that use Expression Language. */
const MAX_CACHED = 64;

export const ReplaceText = defineProcessor({
  type: "ReplaceText",
  summary: "Updates the content of a FlowFile by regex or literal replacement, prepending, appending or replacing it.",
  description:
    "Works on the entire content or line by line. In **Regex Replace** the Search Value is a (Java-style) regular expression and the Replacement Value may use back references `$1`..`$9` and `$0` (the whole match), also inside Expression Language as `${'$1':toUpper()}`; `\\$` is a literal dollar. The Search Value may use Expression Language too. In line-by-line mode the line endings are kept and each line is matched without its ending. Content larger than Maximum Buffer Size (a line, in line-by-line mode) goes to failure, as does an Expression Language evaluation error.",
  tags: ["text", "update", "change", "replace", "modify", "regex", "content"],
  input: "required",
  properties: {
    replacementStrategy: property.enum({
      displayName: "Replacement Strategy",
      description: "How the Search Value and Replacement Value are used.",
      values: STRATEGIES,
      default: "Regex Replace",
    }),
    searchValue: property.string({
      displayName: "Search Value",
      description: "Regular expression (Regex Replace) or literal text (Literal Replace) to search for. Expression Language is evaluated per FlowFile.",
      default: "(?s)(^.*$)",
      expressionLanguage: "flowfile",
      dependsOn: { property: "replacementStrategy", values: ["Regex Replace", "Literal Replace"] },
    }),
    replacementValue: property.string({
      displayName: "Replacement Value",
      description: "The replacement text. In Regex Replace, `$1`..`$n` refer to capture groups, also inside Expression Language as `${'$1'}`.",
      default: "$1",
      expressionLanguage: "flowfile",
      dependsOn: { property: "replacementStrategy", values: ["Regex Replace", "Literal Replace", "Prepend", "Append", "Always Replace"] },
    }),
    prependText: property.string({
      displayName: "Text to Prepend",
      description: "Text put before the content (or each line) in Surround.",
      expressionLanguage: "flowfile",
      dependsOn: { property: "replacementStrategy", values: ["Surround"] },
    }),
    appendText: property.string({
      displayName: "Text to Append",
      description: "Text put after the content (or each line, before its ending) in Surround.",
      expressionLanguage: "flowfile",
      dependsOn: { property: "replacementStrategy", values: ["Surround"] },
    }),
    characterSet: property.enum({ displayName: "Character Set", description: "Character set of the content.", values: CHARSETS, default: "UTF-8" }),
    maxBufferSize: property.dataSize({
      displayName: "Maximum Buffer Size",
      description: "Largest content (entire text mode) or line (line-by-line) that is processed; larger goes to failure.",
      default: "1 MB",
    }),
    evaluationMode: property.enum({
      displayName: "Evaluation Mode",
      description: "Apply the replacement to the entire content at once, or to each line.",
      values: ["Entire text", "Line-by-Line"],
      default: "Line-by-Line",
    }),
    lineByLineEvaluationMode: property.enum({
      displayName: "Line-by-Line Evaluation Mode",
      description: "Which lines are changed in line-by-line mode; the others are copied as they are.",
      values: LINE_MODES,
      default: "All",
      dependsOn: { property: "evaluationMode", values: ["Line-by-Line"] },
    }),
  },
  relationships: {
    success: relationship("FlowFiles whose content was updated (or needed no change)."),
    failure: relationship("FlowFiles that could not be processed: too large, or an Expression Language error; `replacetext.error` says why."),
  },
  writesAttributes: { "replacetext.error": "On failure: the reason." },
  validate(config) {
    if (config.replacementStrategy === "Regex Replace" && config.searchValue?.isLiteral) {
      const p = regexProblem(config.searchValue.raw);
      if (p) return [{ property: "searchValue", message: p }];
    }
    if (config.replacementStrategy === "Literal Replace" && config.searchValue?.raw === "") {
      return [{ property: "searchValue", message: "Literal Replace needs a non-empty Search Value" }];
    }
    return [];
  },
  onScheduled({ config }) {
    const literalRe =
      config.replacementStrategy === "Regex Replace" && config.searchValue?.isLiteral ? compileJavaRegex(config.searchValue.raw, "find") : null;
    const replacement: Replacement | null = config.replacementValue
      ? compileReplacement(config.replacementValue.raw, literalRe ? literalRe.groupCount : undefined)
      : null;
    return { literalRe, replacement, dynamic: new Map<string, { re: SafeRegex; replacement: Replacement }>() };
  },
  onTrigger({ session, config, context, state }) {
    const strategy: Strategy = config.replacementStrategy;
    const lineMode = config.evaluationMode === "Line-by-Line";

    /** Builds the per-text transformation for one FlowFile; EL is evaluated once per FlowFile where possible. */
    const transformFor = (ff: FlowFile): ((text: string) => string) => {
      switch (strategy) {
        case "Regex Replace": {
          let re = state.literalRe;
          let rep = state.replacement as Replacement;
          if (re === null) {
            const pattern = (config.searchValue as PropertyExpression).evaluate(ff);
            let hit = state.dynamic.get(pattern);
            if (!hit) {
              const compiled = compileJavaRegex(pattern, "find");
              hit = { re: compiled, replacement: compileReplacement((config.replacementValue as PropertyExpression).raw, compiled.groupCount) };
              if (state.dynamic.size >= MAX_CACHED) state.dynamic.clear();
              state.dynamic.set(pattern, hit);
            }
            re = hit.re;
            rep = hit.replacement;
          }
          const regex = re;
          if (rep.constant !== null) {
            const constant = rep.constant;
            return (text) => regex.replaceWith(text, () => constant, true);
          }
          return (text) => regex.replaceWith(text, (m) => rep.forMatch(ff, m), true);
        }
        case "Literal Replace": {
          const search = (config.searchValue as PropertyExpression).evaluate(ff);
          const value = (state.replacement as Replacement).forFlowFile(ff);
          if (search === "") return (text) => text;
          return (text) => text.split(search).join(value);
        }
        case "Prepend": {
          const value = (state.replacement as Replacement).forFlowFile(ff);
          return (text) => value + text;
        }
        case "Append": {
          const value = (state.replacement as Replacement).forFlowFile(ff);
          return (text) => text + value;
        }
        case "Surround": {
          const before = config.prependText?.evaluate(ff) ?? "";
          const after = config.appendText?.evaluate(ff) ?? "";
          return (text) => before + text + after;
        }
        case "Always Replace": {
          const value = (state.replacement as Replacement).forFlowFile(ff);
          return () => value;
        }
        case "Substitute Variables":
          return (text) => text.replace(/\$\{([^${}]+)\}/g, (whole, name: string) => ff.attributes[name] ?? whole);
      }
    };

    for (const original of session.getBatch()) {
      let ff = original;
      try {
        if (!lineMode && ff.size > config.maxBufferSize) {
          throw new Error(`content of ${ff.size} bytes exceeds Maximum Buffer Size of ${config.maxBufferSize} bytes`);
        }
        const transform = transformFor(ff);
        const text = decode(session.read(ff), config.characterSet);
        let out: string;
        if (!lineMode) {
          out = transform(text);
        } else {
          const lines = splitLines(text);
          const n = lines.length;
          const which = config.lineByLineEvaluationMode ?? "All";
          const parts: string[] = [];
          for (let i = 0; i < n; i++) {
            const line = lines[i] as { text: string; ending: string };
            const apply =
              which === "All" ||
              (which === "First-Line" && i === 0) ||
              (which === "Last-Line" && i === n - 1) ||
              (which === "Except-First-Line" && i > 0) ||
              (which === "Except-Last-Line" && i < n - 1);
            if (!apply) {
              parts.push(line.text, line.ending);
              continue;
            }
            if (Buffer.byteLength(line.text) > config.maxBufferSize) {
              throw new Error(`line ${i + 1} exceeds Maximum Buffer Size of ${config.maxBufferSize} bytes`);
            }
            parts.push(transform(line.text), line.ending);
          }
          // Empty content is one empty "line" for the strategies that add text (as NiFi does).
          if (n === 0 && (strategy === "Prepend" || strategy === "Append" || strategy === "Always Replace" || strategy === "Surround")) {
            parts.push(transform(""));
          }
          out = parts.join("");
        }
        if (out !== text) ff = session.write(ff, encode(out, config.characterSet));
        session.transfer(ff, "success");
      } catch (e) {
        routeToFailure(session, context, ff, "replacetext.error", (e as Error).message);
      }
    }
  },
});
