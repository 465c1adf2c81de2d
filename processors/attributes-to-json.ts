import { defineProcessor, property, relationship } from "../engine/sdk";
import { regexProblem, compileJavaRegex } from "./lib/regex";

/** NiFi's core attributes (CoreAttributes). */
export const CORE_ATTRIBUTES: readonly string[] = ["path", "absolute.path", "filename", "uuid", "priority", "mime.type", "discard.reason", "alternate.identifier"];

export const AttributesToJSON = defineProcessor({
  type: "AttributesToJSON",
  summary: "Writes FlowFile attributes as a JSON object, to an attribute or as the content.",
  description: [
    "Which attributes: those named in Attributes List plus those whose names match Attributes Regular Expression; when both are empty, all attributes. With Include Core Attributes false, the core attributes (path, absolute.path, filename, uuid, priority, mime.type, discard.reason, alternate.identifier) are left out. A listed attribute the FlowFile does not have is written as an empty string, or as null with Null Value.",
    "",
    "Values are JSON strings; with JSON Handling Strategy **Nested**, a value that is itself a JSON object or array is embedded as JSON instead. Destination **flowfile-attribute** writes the object to the `JSONAttributes` attribute; **flowfile-content** replaces the content and sets `mime.type` to `application/json`.",
  ].join("\n"),
  tags: ["json", "attributes", "flowfile", "convert"],
  input: "required",
  properties: {
    attributesList: property.string({
      displayName: "Attributes List",
      description: "Comma-separated attribute names to include (surrounding spaces ignored).",
    }),
    attributesRegex: property.string({
      displayName: "Attributes Regular Expression",
      description: "Attributes whose names match this regular expression are included too.",
    }),
    destination: property.enum({
      displayName: "Destination",
      description: "Where the JSON goes.",
      values: [
        { value: "flowfile-attribute", description: "The JSONAttributes attribute." },
        { value: "flowfile-content", description: "The content (replacing it)." },
      ],
      default: "flowfile-attribute",
    }),
    includeCoreAttributes: property.boolean({
      displayName: "Include Core Attributes",
      description: "Include the core attributes (filename, uuid, path, mime.type, ...).",
      default: "true",
    }),
    nullValue: property.boolean({
      displayName: "Null Value",
      description: "Write a listed attribute the FlowFile does not have as null (true) or as an empty string (false).",
      default: "false",
    }),
    jsonHandling: property.enum({
      displayName: "JSON Handling Strategy",
      description: "How attribute values that contain JSON are written.",
      values: [
        { value: "Escaped", description: "As JSON strings." },
        { value: "Nested", description: "JSON objects and arrays are embedded as JSON." },
      ],
      default: "Escaped",
    }),
    prettyPrint: property.boolean({
      displayName: "Pretty Print",
      description: "Indent the JSON (flowfile-content only).",
      default: "false",
      dependsOn: { property: "destination", values: ["flowfile-content"] },
    }),
  },
  relationships: { success: relationship("FlowFiles with the JSON written.") },
  writesAttributes: { JSONAttributes: "With flowfile-attribute: the JSON object.", "mime.type": "With flowfile-content: application/json." },
  validate(config) {
    if (config.attributesRegex !== undefined) {
      const p = regexProblem(config.attributesRegex, "full");
      if (p) return [{ property: "attributesRegex", message: p }];
    }
    return [];
  },
  onScheduled({ config }) {
    const list = (config.attributesList ?? "")
      .split(",")
      .map((s) => s.trim())
      .filter(Boolean);
    const regex = config.attributesRegex ? compileJavaRegex(config.attributesRegex, "full") : null;
    return { list, regex };
  },
  onTrigger({ session, config, state }) {
    const core = new Set(CORE_ATTRIBUTES);
    for (const original of session.getBatch()) {
      let ff = original;
      const out: Record<string, unknown> = {};
      const all = state.list.length === 0 && state.regex === null;
      for (const name of state.list) out[name] = ff.attributes[name] ?? (config.nullValue ? null : "");
      for (const [k, v] of Object.entries(ff.attributes)) if (all || state.regex?.test(k)) out[k] = v;
      if (!config.includeCoreAttributes) for (const k of core) delete out[k];
      if (config.jsonHandling === "Nested") {
        for (const [k, v] of Object.entries(out)) {
          if (typeof v !== "string" || !/^\s*[[{]/.test(v)) continue;
          try {
            out[k] = JSON.parse(v);
          } catch {
            // Not JSON after all: keep the text.
          }
        }
      }
      if (config.destination === "flowfile-content") {
        ff = session.write(ff, JSON.stringify(out, null, config.prettyPrint ? 2 : undefined));
        ff = session.putAttribute(ff, "mime.type", "application/json");
      } else {
        ff = session.putAttribute(ff, "JSONAttributes", JSON.stringify(out));
      }
      session.transfer(ff, "success");
    }
  },
});
