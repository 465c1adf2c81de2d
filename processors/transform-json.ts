import jsonata from "jsonata";
import { defineProcessor, property, relationship } from "../engine/sdk";
import { routeToFailure } from "./lib/failure-log";

/** JSONata errors carry a code and a position; show both. */
function jsonataMessage(e: unknown): string {
  if (e && typeof e === "object") {
    const err = e as { message?: unknown; code?: unknown; position?: unknown };
    const msg = typeof err.message === "string" ? err.message : String(e);
    const code = typeof err.code === "string" ? `${err.code}: ` : "";
    const pos = typeof err.position === "number" ? ` (position ${err.position})` : "";
    return `${code}${msg}${pos}`;
  }
  return String(e);
}

export const TransformJson = defineProcessor({
  type: "TransformJson",
  summary: "Transforms JSON content with a JSONata expression.",
  description: [
    "The content is parsed as JSON and the [JSONata](https://docs.jsonata.org/overview.html) expression is evaluated against it; the result, serialized as JSON, becomes the content (`mime.type` is set to `application/json`). JSONata is the query and transformation language for JSON: paths (`Account.Order.Product.Price`), filters (`Product[Price > 10]`), object construction (`{ \"total\": $sum(Product.Price) }`), mapping (`Product.{ \"sku\": SKU }`) and a function library ([reference](https://docs.jsonata.org/object-functions)). We chose it over Jolt because it is one documented language with a maintained JavaScript implementation.",
    "",
    "Bindings: `$attributes` is an object of the FlowFile's attributes, and each dynamic property becomes a variable of its name whose value is its Expression Language result (text), e.g. a property `region` = `${region}` is `$region` in the expression.",
    "",
    "A syntax error is a validation problem. Content that is not JSON, an evaluation error (e.g. adding a string to a number), an evaluation that exceeds the timeout, or — unless configured otherwise — an expression that produces no result goes to failure with `transformjson.error`.",
  ].join("\n"),
  tags: ["json", "jsonata", "transform", "jolt", "convert", "map"],
  input: "required",
  properties: {
    expression: property.string({
      displayName: "JSONata Expression",
      description: "The transformation (https://docs.jsonata.org). The input JSON is the context `$`.",
      required: true,
    }),
    undefinedResult: property.enum({
      displayName: "Undefined Result",
      description: "What to do when the expression produces no result (e.g. a path that matches nothing).",
      values: [
        { value: "failure", description: "Route the FlowFile to failure." },
        { value: "null", description: "Write the JSON text null." },
      ],
      default: "failure",
    }),
    prettyPrint: property.boolean({ displayName: "Pretty Print", description: "Indent the output JSON.", default: "false" }),
    timeout: property.duration({
      displayName: "Evaluation Timeout",
      description: "Longest time one evaluation may take before the FlowFile goes to failure (guards against runaway expressions).",
      default: "10 sec",
      minMs: 1,
    }),
  },
  relationships: {
    success: relationship("Transformed FlowFiles."),
    failure: relationship("FlowFiles that could not be transformed; `transformjson.error` says why."),
  },
  dynamicProperties: { description: "Variable name → value (Expression Language), available as `$name` in the expression." },
  writesAttributes: { "mime.type": "application/json", "transformjson.error": "On failure: the reason." },
  validate(config, raw) {
    const out: Array<{ property: string; message: string }> = [];
    try {
      jsonata(config.expression);
    } catch (e) {
      out.push({ property: "expression", message: `not a valid JSONata expression: ${jsonataMessage(e)}` });
    }
    for (const k of Object.keys(raw)) {
      if (!(k in TRANSFORM_PROPS) && !/^[A-Za-z_][A-Za-z0-9_]*$/.test(k)) {
        out.push({ property: k, message: `"${k}" cannot be a JSONata variable name (letters, digits and _ only)` });
      }
    }
    return out;
  },
  onScheduled({ config }) {
    return { expr: jsonata(config.expression, { timeout: config.timeout }) };
  },
  async onTrigger({ session, config, context, state }) {
    for (const original of session.getBatch()) {
      let ff = original;
      const fail = (msg: string) => routeToFailure(session, context, ff, "transformjson.error", msg);
      let input: unknown;
      try {
        input = JSON.parse(session.readText(ff));
      } catch (e) {
        fail(`content is not valid JSON: ${(e as Error).message}`);
        continue;
      }
      let result: unknown;
      try {
        const bindings: Record<string, unknown> = { attributes: { ...ff.attributes } };
        for (const d of context.dynamicProperties) bindings[d.name] = d.evaluate(ff);
        // Sharing one compiled expression is safe: jsonata makes a new frame per evaluate().
        result = await state.expr.evaluate(input, bindings);
      } catch (e) {
        fail(`JSONata evaluation failed: ${jsonataMessage(e)}`);
        continue;
      }
      if (result === undefined) {
        if (config.undefinedResult === "failure") {
          fail("the expression produced no result");
          continue;
        }
        result = null;
      }
      if (typeof result === "function") {
        fail("the expression produced a function, not JSON");
        continue;
      }
      const text = JSON.stringify(result, null, config.prettyPrint ? 2 : undefined);
      ff = session.write(ff, text);
      ff = session.putAttribute(ff, "mime.type", "application/json");
      session.transfer(ff, "success");
    }
  },
});

/** Declared property names (everything else is a dynamic binding). */
const TRANSFORM_PROPS: Record<string, true> = { expression: true, undefinedResult: true, prettyPrint: true, timeout: true };
