import { defineProcessor, property, relationship } from "../engine/sdk";
import { compileJavaRegex, regexProblem } from "./lib/regex";

export const LogAttribute = defineProcessor({
  type: "LogAttribute",
  summary: "Logs each FlowFile's attributes (and optionally its content) to the engine log.",
  tags: ["log", "attributes", "debug"],
  input: "required",
  properties: {
    logLevel: property.enum({ displayName: "Log Level", description: "Level to log at.", values: ["debug", "info", "warn", "error"], default: "info" }),
    attributesToLog: property.string({ displayName: "Attributes to Log (regex)", description: "Only attributes whose names match are logged.", default: ".*" }),
    logPayload: property.boolean({ displayName: "Log Payload", description: "Also log the content as UTF-8 text.", default: "false" }),
    logPrefix: property.string({ displayName: "Log Prefix", description: "Text put before every log line.", default: "" }),
  },
  relationships: { success: relationship("All FlowFiles, after logging.") },
  validate(config) {
    const p = regexProblem(config.attributesToLog, "full");
    return p ? [{ property: "attributesToLog", message: p }] : [];
  },
  onScheduled({ config }) {
    return { re: compileJavaRegex(config.attributesToLog, "full") };
  },
  onTrigger({ session, context, config, state }) {
    const log = context.logger[config.logLevel];
    for (const ff of session.getBatch()) {
      const attrs: Record<string, string> = {};
      for (const [k, v] of Object.entries(ff.attributes)) if (state.re.test(k)) attrs[k] = v;
      const fields: Record<string, unknown> = { uuid: ff.uuid, size: ff.size, attributes: attrs };
      if (config.logPayload) fields.payload = session.readText(ff);
      log(`${config.logPrefix}FlowFile ${ff.uuid}`, fields);
      session.transfer(ff, "success");
    }
  },
});
