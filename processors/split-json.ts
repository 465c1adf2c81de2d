import { randomUUID } from "node:crypto";
import { defineProcessor, property, relationship } from "../engine/sdk";
import { compileJsonPath, jsonPathProblem, type Json } from "./lib/json-path";
import { routeToFailure } from "./lib/failure-log";

export const SplitJson = defineProcessor({
  type: "SplitJson",
  summary: "Splits a JSON array (found by a JSONPath) into one FlowFile per element.",
  description:
    "The JsonPath Expression must select an array (e.g. `$`, `$.items`, `$.data[*]`); each element becomes a split whose content is the element: objects and arrays as JSON, strings as plain text, numbers and booleans as text, null per Null Value Representation. Splits carry `fragment.*` attributes for MergeContent's Defragment strategy; `fragment.index` starts at 0, as in NiFi. Content that is not JSON, or a path that does not select an array, goes to failure.",
  tags: ["json", "split", "jsonpath", "array", "fragment"],
  input: "required",
  properties: {
    jsonPath: property.string({
      displayName: "JsonPath Expression",
      description: "JSONPath that selects the array to split.",
      required: true,
    }),
    nullValueRepresentation: property.enum({
      displayName: "Null Value Representation",
      description: "Content of a split whose element is null.",
      values: [
        { value: "empty string", description: "Empty content." },
        { value: "the string 'null'", description: "The text null." },
      ],
      default: "empty string",
    }),
  },
  relationships: {
    split: relationship("One FlowFile per array element."),
    original: relationship("The input FlowFile, after a successful split.", { autoTerminateByDefault: true }),
    failure: relationship("Content that is not JSON, or a path that does not select an array; `splitjson.error` says why."),
  },
  readsAttributes: { filename: "Copied to `segment.original.filename`." },
  writesAttributes: {
    "fragment.identifier": "The same random id on every split of one input.",
    "fragment.index": "0-based position of the element.",
    "fragment.count": "Number of splits of the input.",
    "segment.original.filename": "The input's filename.",
    "splitjson.error": "On failure: the reason.",
  },
  validate(config) {
    const p = jsonPathProblem(config.jsonPath);
    return p ? [{ property: "jsonPath", message: p }] : [];
  },
  onScheduled({ config }) {
    return { path: compileJsonPath(config.jsonPath) };
  },
  onTrigger({ session, config, context, state }) {
    const nullValue = config.nullValueRepresentation === "empty string" ? "" : "null";
    for (const original of session.getBatch()) {
      const ff = original;
      const fail = (msg: string) => routeToFailure(session, context, ff, "splitjson.error", msg);
      let doc: Json;
      try {
        doc = JSON.parse(session.readText(ff)) as Json;
      } catch (e) {
        fail(`content is not valid JSON: ${(e as Error).message}`);
        continue;
      }
      const { found, value } = state.path.read(doc);
      if (!found || !Array.isArray(value)) {
        fail(found ? `JSONPath ${config.jsonPath} did not select an array` : `JSONPath ${config.jsonPath} found nothing`);
        continue;
      }
      const id = randomUUID();
      const parentName = ff.attributes.filename ?? ff.uuid;
      value.forEach((el, i) => {
        let split = session.create(ff);
        split = session.putAllAttributes(split, {
          "fragment.identifier": id,
          "fragment.index": String(i),
          "fragment.count": String(value.length),
          "segment.original.filename": parentName,
        });
        const text = el === null ? nullValue : typeof el === "string" ? el : typeof el === "object" ? JSON.stringify(el) : String(el);
        if (text.length) split = session.write(split, text);
        session.transfer(split, "split");
      });
      session.transfer(ff, "original");
    }
  },
});
