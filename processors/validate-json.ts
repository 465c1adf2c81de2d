import { Ajv, type ErrorObject, type ValidateFunction } from "ajv";
import { Ajv2019 } from "ajv/dist/2019";
import { Ajv2020 } from "ajv/dist/2020";
import { defineProcessor, property, relationship } from "../engine/sdk";
import { routeToFailure } from "./lib/failure-log";

// Named imports: ajv is CommonJS and also sets module.exports.Ajv etc., which resolves the same
// way under Node ESM, tsx, vitest and Next.js (a default import does not).
const DRAFTS = { "Draft 7": Ajv, "Draft 2019-09": Ajv2019, "Draft 2020-12": Ajv2020 } as const;

/** Formats checked without the ajv-formats package (the common ones). */
const FORMATS: Record<string, RegExp | ((s: string) => boolean)> = {
  "date-time": (s) => /^\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$/.test(s) && !Number.isNaN(Date.parse(s)),
  date: (s) => /^\d{4}-\d{2}-\d{2}$/.test(s) && !Number.isNaN(Date.parse(`${s}T00:00:00Z`)),
  time: /^\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})?$/,
  email: /^[^\s@]+@[^\s@]+\.[^\s@]+$/,
  uri: (s) => {
    try {
      return /^[a-zA-Z][a-zA-Z0-9+.-]*:/.test(s) && Boolean(new URL(s));
    } catch {
      return false;
    }
  },
  uuid: /^(?:urn:uuid:)?[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i,
  ipv4: /^(?:(?:25[0-5]|2[0-4]\d|1?\d?\d)\.){3}(?:25[0-5]|2[0-4]\d|1?\d?\d)$/,
  ipv6: (s) => s.includes(":") && /^[0-9a-fA-F:.]+$/.test(s),
  hostname: /^(?=.{1,253}$)[a-zA-Z0-9](?:[a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?(?:\.[a-zA-Z0-9](?:[a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?)*$/,
};

/** Compiles a schema text; throws with a message fit for a validation problem. */
function compileSchema(text: string, draft: keyof typeof DRAFTS): ValidateFunction {
  let schema: unknown;
  try {
    schema = JSON.parse(text);
  } catch (e) {
    throw new Error(`the schema is not valid JSON: ${(e as Error).message}`);
  }
  if (typeof schema !== "object" && typeof schema !== "boolean") throw new Error("the schema must be a JSON object or boolean");
  // A $schema naming a draft wins over the property, so copied schemas just work.
  const declared = typeof schema === "object" && schema !== null ? (schema as { $schema?: unknown }).$schema : undefined;
  if (typeof declared === "string") {
    if (/draft-0[67]/.test(declared)) draft = "Draft 7";
    else if (declared.includes("2019-09")) draft = "Draft 2019-09";
    else if (declared.includes("2020-12")) draft = "Draft 2020-12";
  }
  const ajv = new DRAFTS[draft]({ allErrors: true, strict: false, logger: false });
  for (const [name, f] of Object.entries(FORMATS)) ajv.addFormat(name, f);
  try {
    return ajv.compile(schema as object);
  } catch (e) {
    throw new Error(`the schema is invalid: ${(e as Error).message}`);
  }
}

function describe(errors: readonly ErrorObject[] | null | undefined): string {
  return (errors ?? []).map((e) => `${e.instancePath || "/"} ${e.message ?? "is invalid"}${e.keyword === "additionalProperties" ? ` (${String((e.params as { additionalProperty?: unknown }).additionalProperty)})` : ""}`).join("; ");
}

export const ValidateJson = defineProcessor({
  type: "ValidateJson",
  summary: "Validates JSON content against a JSON Schema.",
  description:
    "The content is parsed as JSON and validated with [Ajv](https://ajv.js.org) against the JSON Schema (Draft 7, 2019-09 or 2020-12), reporting all errors. Valid documents go to `valid`; the others go to `invalid` with `json.validation.errors` listing each error as `<JSON pointer> <message>`; content that is not JSON goes to `failure`. The formats date-time, date, time, email, uri, uuid, ipv4, ipv6 and hostname are checked; other formats and unknown keywords are ignored. A schema that does not compile is a validation problem.",
  tags: ["json", "schema", "validation", "validate", "ajv"],
  input: "required",
  properties: {
    schema: property.string({ displayName: "JSON Schema", description: "The JSON Schema document.", required: true }),
    schemaVersion: property.enum({
      displayName: "Schema Version",
      description: "JSON Schema draft the schema is written for, unless its $schema names one (draft-06/07, 2019-09, 2020-12).",
      values: ["Draft 7", "Draft 2019-09", "Draft 2020-12"],
      default: "Draft 2020-12",
    }),
    maxErrors: property.integer({
      displayName: "Maximum Errors Reported",
      description: "At most this many errors are written to json.validation.errors.",
      default: "20",
      min: 1,
    }),
  },
  relationships: {
    valid: relationship("FlowFiles whose content is valid against the schema."),
    invalid: relationship("FlowFiles whose content is JSON but not valid against the schema."),
    failure: relationship("FlowFiles whose content is not JSON; `json.validation.errors` says why."),
  },
  writesAttributes: { "json.validation.errors": "On invalid and failure: what is wrong." },
  validate(config) {
    try {
      compileSchema(config.schema, config.schemaVersion);
      return [];
    } catch (e) {
      return [{ property: "schema", message: (e as Error).message }];
    }
  },
  onScheduled({ config }) {
    return { validate: compileSchema(config.schema, config.schemaVersion) };
  },
  onTrigger({ session, config, context, state }) {
    for (const original of session.getBatch()) {
      let ff = original;
      let doc: unknown;
      try {
        doc = JSON.parse(session.readText(ff));
      } catch (e) {
        routeToFailure(session, context, ff, "json.validation.errors", `content is not valid JSON: ${(e as Error).message}`);
        continue;
      }
      if (state.validate(doc)) {
        session.transfer(ff, "valid");
        continue;
      }
      ff = session.putAttribute(ff, "json.validation.errors", describe((state.validate.errors ?? []).slice(0, config.maxErrors)));
      session.transfer(ff, "invalid");
    }
  },
});
