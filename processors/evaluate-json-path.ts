import { defineProcessor, property, relationship } from "../engine/sdk";
import { compileJsonPath, isScalar, jsonPathProblem, type Json, type JsonPath } from "./lib/json-path";
import { routeToFailure } from "./lib/failure-log";

/** Text form of a result: scalars as themselves (null per the setting), the rest as JSON. */
export function representation(v: Json, nullValue: string, returnType: "json" | "scalar"): string {
  if (returnType === "json") return JSON.stringify(v);
  if (v === null) return nullValue;
  return typeof v === "string" ? v : typeof v === "object" ? JSON.stringify(v) : String(v);
}

const properties = {
  destination: property.enum({
    displayName: "Destination",
    description: "Where results go.",
    values: ["flowfile-attribute", "flowfile-content"],
    default: "flowfile-content",
  }),
  returnType: property.enum({
    displayName: "Return Type",
    description: "json: results are JSON text (strings quoted); scalar: results must be scalars, written as plain text.",
    values: ["auto-detect", "json", "scalar"],
    default: "auto-detect",
  }),
  pathNotFoundBehavior: property.enum({
    displayName: "Path Not Found Behavior",
    description: "With flowfile-attribute: what to do when a path finds nothing.",
    values: [
      { value: "ignore", description: "Set the attribute to an empty string." },
      { value: "warn", description: "Set the attribute to an empty string and log a warning." },
      { value: "skip", description: "Do not set the attribute." },
    ],
    default: "ignore",
    dependsOn: { property: "destination", values: ["flowfile-attribute"] },
  }),
  nullValueRepresentation: property.enum({
    displayName: "Null Value Representation",
    description: "Text written for a JSON null in scalar mode.",
    values: [
      { value: "empty string", description: "An empty string." },
      { value: "the string 'null'", description: "The text null." },
    ],
    default: "empty string",
  }),
};

export const EvaluateJsonPath = defineProcessor({
  type: "EvaluateJsonPath",
  summary: "Evaluates JSONPath expressions against JSON content, writing the results to attributes or replacing the content.",
  description: [
    "Each dynamic property is an attribute name → JSONPath (Jayway syntax: `$.a.b`, `$['a']`, `$.items[0]`, `$.items[*].id`, `$..id`, `$.items[?(@.qty > 1)]`, `$.items.length()`).",
    "",
    "With **flowfile-attribute** every path is evaluated and the FlowFile goes to `matched`; a path that finds nothing sets the attribute to an empty string (Path Not Found Behavior `ignore` or `warn`) or sets nothing (`skip`). With **flowfile-content** there must be exactly one path: its result replaces the content and the FlowFile goes to `matched`, or to `unmatched` when the path finds nothing.",
    "",
    "Return Type `auto-detect` means `json` for content and `scalar` for attributes. A `scalar` result must be a string, number, boolean or null; an object or an array (including the list an indefinite path such as `[*]` returns) sends the FlowFile to failure. Content that is not JSON goes to failure.",
  ].join("\n"),
  tags: ["json", "evaluate", "jsonpath", "attributes", "extract"],
  input: "required",
  properties,
  relationships: {
    matched: relationship("FlowFiles whose paths were evaluated (with flowfile-content: found)."),
    unmatched: relationship("With flowfile-content: FlowFiles whose path found nothing."),
    failure: relationship("Content that is not JSON, or a non-scalar result in scalar mode; `evaluatejsonpath.error` says why."),
  },
  dynamicProperties: { description: "Attribute name → JSONPath expression.", expressionLanguage: false },
  writesAttributes: {
    "(dynamic property names)": "With flowfile-attribute: the result of each path.",
    "evaluatejsonpath.error": "On failure: the reason.",
  },
  validate(config, raw) {
    const paths = Object.entries(raw).filter(([k]) => !(k in properties));
    const out: Array<{ property: string; message: string }> = [];
    if (paths.length === 0) out.push({ property: "", message: "add at least one JSONPath (a dynamic property)" });
    if (config.destination === "flowfile-content" && paths.length > 1) {
      out.push({ property: "", message: "flowfile-content takes exactly one JSONPath" });
    }
    for (const [k, v] of paths) {
      const p = jsonPathProblem(v);
      if (p) out.push({ property: k, message: p });
    }
    return out;
  },
  onScheduled({ context }) {
    const paths: Array<{ name: string; path: JsonPath }> = context.dynamicProperties.map((d) => ({ name: d.name, path: compileJsonPath(d.raw) }));
    return { paths };
  },
  onTrigger({ session, config, context, state }) {
    const toContent = config.destination === "flowfile-content";
    const returnType = config.returnType === "auto-detect" ? (toContent ? "json" : "scalar") : config.returnType;
    const nullValue = config.nullValueRepresentation === "empty string" ? "" : "null";
    for (const original of session.getBatch()) {
      let ff = original;
      let doc: Json;
      try {
        doc = JSON.parse(session.readText(ff)) as Json;
      } catch (e) {
        routeToFailure(session, context, ff, "evaluatejsonpath.error", `content is not valid JSON: ${(e as Error).message}`);
        continue;
      }
      const attrs: Record<string, string> = {};
      let outcome: "matched" | "unmatched" | "failure" = "matched";
      let error = "";
      let content: string | null = null;
      for (const { name, path } of state.paths) {
        const { found, value } = path.read(doc);
        if (!found) {
          if (config.pathNotFoundBehavior === "warn") context.logger.warn(`JSONPath ${path.source} found nothing in FlowFile ${ff.uuid}`);
          if (toContent) {
            outcome = "unmatched";
            break;
          }
          if (config.pathNotFoundBehavior !== "skip") attrs[name] = "";
          continue;
        }
        if (returnType === "scalar" && !isScalar(value)) {
          outcome = "failure";
          error = `JSONPath ${path.source} returned ${Array.isArray(value) ? "an array" : "an object"}, not a scalar; use Return Type json`;
          break;
        }
        const text = representation(value, nullValue, returnType);
        if (toContent) content = text;
        else attrs[name] = text;
      }
      if (outcome === "failure") {
        routeToFailure(session, context, ff, "evaluatejsonpath.error", error);
        continue;
      }
      if (outcome === "unmatched") {
        session.transfer(ff, "unmatched");
        continue;
      }
      if (content !== null) ff = session.write(ff, content);
      if (Object.keys(attrs).length) ff = session.putAllAttributes(ff, attrs);
      session.transfer(ff, "matched");
    }
  },
});

