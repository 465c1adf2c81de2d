import { compileExpression, defineProcessor, property, relationship, type FlowFile } from "../engine/sdk";
import { compileJavaRegex, regexProblem } from "./lib/regex";
import { CHARSETS, decode, encode, splitLines } from "./lib/text";
import { routeToFailure } from "./lib/failure-log";

const ROUTE_TO_NAMES = "Route to each matching Property Name";
const ALL = "Route to 'matched' if line matches all conditions";
const ANY = "Route to 'matched' if lines matches any condition";

const MATCHING = [
  { value: "Satisfies Expression", description: "The property is a boolean Expression Language condition; `${line}` is the line and `${lineNo}` its 1-based number." },
  { value: "Starts With", description: "The line starts with the property value." },
  { value: "Ends With", description: "The line ends with the property value." },
  { value: "Contains", description: "The line contains the property value." },
  { value: "Equals", description: "The line equals the property value." },
  { value: "Matches Regular Expression", description: "The whole line matches the regular expression." },
  { value: "Contains Regular Expression", description: "The regular expression matches somewhere in the line." },
] as const;

type Matching = (typeof MATCHING)[number]["value"];
const REGEX_MATCHING: readonly string[] = ["Matches Regular Expression", "Contains Regular Expression"];
const DECLARED = ["routingStrategy", "matchingStrategy", "characterSet", "ignoreWhitespace", "ignoreCase", "groupingRegex"];

/** A condition compiled for one FlowFile: tests one line. */
type LineTest = (line: string, lineNo: number) => boolean;

export const RouteText = defineProcessor({
  type: "RouteText",
  summary: "Routes each line of a text FlowFile by conditions, producing one FlowFile of lines per route.",
  description: [
    "Every line (with its line ending) is tested against the conditions (dynamic properties). With **Route to each matching Property Name** each property is a relationship and a line goes to every route it matches, or to `unmatched`; with the matched strategies a line goes to `matched` when all (or any) conditions hold, else to `unmatched`. For each relationship that received lines, one new FlowFile (a child of the input) holds them in their original order; the input goes to `original`.",
    "",
    "Matching Strategy decides what a condition means (starts with, contains, equals, regular expressions, or an Expression Language condition with `${line}` and `${lineNo}`). Property values may use Expression Language against the FlowFile's attributes. Ignore Leading/Trailing Whitespace trims each line before testing (the output keeps it) and Ignore Case compares case-insensitively. With a Grouping Regular Expression, lines are further split into one FlowFile per value of its capture groups (joined with `, `), written to `RouteText.Group`. A condition that cannot be evaluated for a FlowFile (e.g. `${line:toNumber()}` on text) sends the input to failure.",
  ].join("\n"),
  tags: ["route", "text", "lines", "filter", "regex", "split", "grep", "expression language"],
  input: "required",
  properties: {
    routingStrategy: property.enum({
      displayName: "Routing Strategy",
      description: "How conditions pick the destination of each line.",
      values: [ROUTE_TO_NAMES, ALL, ANY],
      default: ROUTE_TO_NAMES,
    }),
    matchingStrategy: property.enum({
      displayName: "Matching Strategy",
      description: "What a condition means.",
      values: MATCHING,
      required: true,
    }),
    characterSet: property.enum({ displayName: "Character Set", description: "Character set of the content.", values: CHARSETS, default: "UTF-8" }),
    ignoreWhitespace: property.boolean({ displayName: "Ignore Leading/Trailing Whitespace", description: "Trim each line before testing it.", default: "true" }),
    ignoreCase: property.boolean({ displayName: "Ignore Case", description: "Compare without regard to case (not for Satisfies Expression).", default: "false" }),
    groupingRegex: property.string({
      displayName: "Grouping Regular Expression",
      description: "Lines whose capture groups give the same value end up in the same FlowFile.",
    }),
  },
  relationships: {
    original: relationship("The input FlowFile, after routing.", { autoTerminateByDefault: true }),
    unmatched: relationship("Lines that match no condition (or not all, in the all strategy)."),
    matched: relationship("Lines that satisfy the conditions (matched strategies only)."),
    failure: relationship("Inputs whose conditions could not be evaluated; `routetext.error` says why."),
  },
  activeRelationships: (raw) => ((raw.routingStrategy ?? ROUTE_TO_NAMES) === ROUTE_TO_NAMES ? ["original", "unmatched", "failure"] : ["original", "unmatched", "matched", "failure"]),
  dynamicProperties: {
    description: "Condition name → value to match (Expression Language; see Matching Strategy).",
    relationships: (raw) => (raw.routingStrategy ?? ROUTE_TO_NAMES) === ROUTE_TO_NAMES,
  },
  writesAttributes: {
    "RouteText.Route": "The relationship the lines were routed to.",
    "RouteText.Group": "The group value (Grouping Regular Expression).",
    "routetext.error": "On failure: the reason.",
  },
  validate(config, raw) {
    const out: Array<{ property: string; message: string }> = [];
    const conditions = Object.entries(raw).filter(([k]) => !DECLARED.includes(k));
    if (conditions.length === 0) out.push({ property: "", message: "add at least one condition (a dynamic property)" });
    for (const [k, v] of conditions) {
      if ((config.routingStrategy === ROUTE_TO_NAMES && ["original", "unmatched", "matched", "failure"].includes(k))) {
        out.push({ property: k, message: `"${k}" is a built-in relationship` });
      }
      if (REGEX_MATCHING.includes(config.matchingStrategy) && !v.includes("${")) {
        const p = regexProblem(v, "find", config.ignoreCase ? "i" : "");
        if (p) out.push({ property: k, message: p });
      }
    }
    if (config.groupingRegex !== undefined) {
      const p = regexProblem(config.groupingRegex, "full");
      if (p) out.push({ property: "groupingRegex", message: p });
    }
    return out;
  },
  onScheduled({ config, context }) {
    // Satisfies Expression conditions are compiled once; the others are evaluated per FlowFile.
    const expressions = new Map(context.dynamicProperties.map((d) => [d.name, compileExpression(d.raw)]));
    return { expressions, grouping: config.groupingRegex ? compileJavaRegex(config.groupingRegex, "full") : null };
  },
  onTrigger({ session, config, context, state }) {
    const strategy: Matching = config.matchingStrategy;
    const fold = (s: string) => (config.ignoreCase ? s.toLowerCase() : s);

    const testFor = (ff: FlowFile, name: string, evaluateValue: (f: FlowFile) => string): LineTest => {
      if (strategy === "Satisfies Expression") {
        const expr = state.expressions.get(name);
        if (!expr) return () => false;
        return (line, lineNo) => {
          // `line` and `lineNo` win over FlowFile attributes of the same name, as in NiFi.
          const v = expr.evaluateValue({ line, lineNo: String(lineNo) }, ff.attributes);
          return v === true || (typeof v === "string" && v.toLowerCase() === "true");
        };
      }
      const value = evaluateValue(ff);
      if (REGEX_MATCHING.includes(strategy)) {
        const re = compileJavaRegex(value, strategy === "Matches Regular Expression" ? "full" : "find", config.ignoreCase ? "i" : "");
        return (line) => re.test(line);
      }
      const v = fold(value);
      switch (strategy) {
        case "Starts With":
          return (line) => fold(line).startsWith(v);
        case "Ends With":
          return (line) => fold(line).endsWith(v);
        case "Contains":
          return (line) => fold(line).includes(v);
        default:
          return (line) => fold(line) === v;
      }
    };

    for (const original of session.getBatch()) {
      const ff = original;
      // Relationship → group → lines (in order).
      const out = new Map<string, Map<string, string[]>>();
      const add = (rel: string, group: string, text: string) => {
        let groups = out.get(rel);
        if (!groups) out.set(rel, (groups = new Map()));
        const lines = groups.get(group);
        if (lines) lines.push(text);
        else groups.set(group, [text]);
      };
      try {
        const tests = context.dynamicProperties.map((d) => ({ name: d.name, test: testFor(ff, d.name, (f) => d.evaluate(f)) }));
        const lines = splitLines(decode(session.read(ff), config.characterSet));
        lines.forEach((l, i) => {
          const subject = config.ignoreWhitespace ? l.text.trim() : l.text;
          let group = "";
          if (state.grouping) {
            const m = state.grouping.exec(l.text);
            if (m) group = m.slice(1).filter((g) => g !== undefined).join(", ");
          }
          const full = l.text + l.ending;
          if (config.routingStrategy === ROUTE_TO_NAMES) {
            let hit = false;
            for (const t of tests) {
              if (t.test(subject, i + 1)) {
                add(t.name, group, full);
                hit = true;
              }
            }
            if (!hit) add("unmatched", group, full);
          } else {
            const ok = config.routingStrategy === ALL ? tests.every((t) => t.test(subject, i + 1)) : tests.some((t) => t.test(subject, i + 1));
            add(ok ? "matched" : "unmatched", group, full);
          }
        });
      } catch (e) {
        routeToFailure(session, context, ff, "routetext.error", (e as Error).message);
        continue;
      }
      for (const [rel, groups] of out) {
        for (const [group, texts] of groups) {
          let child = session.create(ff);
          const attrs: Record<string, string> = { "RouteText.Route": rel };
          if (state.grouping) attrs["RouteText.Group"] = group;
          child = session.putAllAttributes(child, attrs);
          child = session.write(child, encode(texts.join(""), config.characterSet));
          session.provenance.route(child, rel);
          if (rel === "unmatched" || rel === "matched") session.transfer(child, rel);
          else session.transferDynamic(child, rel);
        }
      }
      session.transfer(ff, "original");
    }
  },
});
