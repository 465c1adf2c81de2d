import { defineProcessor, property, relationship } from "../engine/sdk";
import { compileJavaRegex, regexProblem } from "./lib/regex";
import { CHARSETS, decode } from "./lib/text";

const DECLARED = [
  "characterSet",
  "maxBufferSize",
  "maxCaptureGroupLength",
  "includeCaptureGroupZero",
  "enableRepeatingCaptureGroup",
  "caseInsensitive",
  "multiline",
  "dotall",
];

export const ExtractText = defineProcessor({
  type: "ExtractText",
  summary: "Extracts regular expression capture groups from the content into attributes.",
  description: [
    "Each dynamic property is an attribute name → regular expression (Java-style, evaluated against the first Maximum Buffer Size bytes). For a property `name` whose expression matches:",
    "",
    "- `name` is capture group 1 (when the expression has groups), and",
    "- `name.0` is the whole match (when Include Capture Group 0), `name.1`, `name.2`, ... the groups.",
    "",
    "With Enable Repeating Capture Group every match is used and the numbering continues across matches (`name.1`, `name.2`, `name.3`, ...). Groups that did not participate or are empty are skipped; values are cut to Maximum Capture Group Length. A FlowFile goes to `matched` when at least one expression matches, else to `unmatched` (unchanged).",
  ].join("\n"),
  tags: ["extract", "text", "regex", "regular expression", "attributes", "evaluate"],
  input: "required",
  properties: {
    characterSet: property.enum({ displayName: "Character Set", description: "Character set of the content.", values: CHARSETS, default: "UTF-8" }),
    maxBufferSize: property.dataSize({ displayName: "Maximum Buffer Size", description: "How many bytes of the content are examined.", default: "1 MB" }),
    maxCaptureGroupLength: property.integer({
      displayName: "Maximum Capture Group Length",
      description: "Longest value put in an attribute; longer captures are cut.",
      default: "1024",
      min: 1,
    }),
    includeCaptureGroupZero: property.boolean({
      displayName: "Include Capture Group 0",
      description: "Also write the whole match as `name.0`.",
      default: "true",
    }),
    enableRepeatingCaptureGroup: property.boolean({
      displayName: "Enable repeating capture group",
      description: "Use every match, not just the first.",
      default: "false",
    }),
    caseInsensitive: property.boolean({ displayName: "Enable Case-insensitive Matching", description: "Same as a leading (?i).", default: "false" }),
    multiline: property.boolean({ displayName: "Enable Multiline Mode", description: "^ and $ match at line boundaries; same as (?m).", default: "false" }),
    dotall: property.boolean({ displayName: "Enable DOTALL Mode", description: ". also matches line endings; same as (?s).", default: "false" }),
  },
  relationships: {
    matched: relationship("FlowFiles where at least one expression matched, with the captured attributes."),
    unmatched: relationship("FlowFiles where no expression matched."),
  },
  dynamicProperties: { description: "Attribute name → regular expression with capture groups.", expressionLanguage: false },
  writesAttributes: {
    "(name)": "Capture group 1 of the first match.",
    "(name).0": "The whole match (Include Capture Group 0).",
    "(name).N": "Capture group N (numbering continues across matches when repeating).",
  },
  validate(config, raw) {
    const flags = (config.caseInsensitive ? "i" : "") + (config.multiline ? "m" : "") + (config.dotall ? "s" : "");
    const dyn = Object.entries(raw).filter(([k]) => !DECLARED.includes(k));
    const out: Array<{ property: string; message: string }> = [];
    if (dyn.length === 0) out.push({ property: "", message: "add at least one expression (a dynamic property: attribute name → regular expression)" });
    for (const [k, v] of dyn) {
      const p = regexProblem(v, "find", flags);
      if (p) out.push({ property: k, message: p });
    }
    return out;
  },
  onScheduled({ config, context }) {
    const flags = (config.caseInsensitive ? "i" : "") + (config.multiline ? "m" : "") + (config.dotall ? "s" : "");
    return { regexes: context.dynamicProperties.map((d) => ({ name: d.name, re: compileJavaRegex(d.raw, "find", flags) })) };
  },
  onTrigger({ session, config, state }) {
    const first = config.includeCaptureGroupZero ? 0 : 1;
    for (const original of session.getBatch()) {
      let ff = original;
      const buf = session.read(ff);
      const text = decode(buf.length > config.maxBufferSize ? buf.subarray(0, config.maxBufferSize) : buf, config.characterSet);
      const attrs: Record<string, string> = {};
      let matchedAny = false;
      for (const { name, re } of state.regexes) {
        let j = first;
        let matched = false;
        for (const m of re.matchAll(text)) {
          matched = true;
          for (let g = first; g < m.length; g++) {
            const v = m[g];
            if (v !== undefined && v !== "") {
              const value = v.length > config.maxCaptureGroupLength ? v.slice(0, config.maxCaptureGroupLength) : v;
              attrs[`${name}.${j}`] = value;
              if (g === 1 && attrs[name] === undefined) attrs[name] = value;
            }
            j++;
          }
          if (!config.enableRepeatingCaptureGroup) break;
        }
        if (matched) matchedAny = true;
      }
      if (!matchedAny) {
        session.transfer(ff, "unmatched");
        continue;
      }
      ff = session.putAllAttributes(ff, attrs);
      session.transfer(ff, "matched");
    }
  },
});
