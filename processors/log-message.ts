import { defineProcessor, property, relationship } from "../engine/sdk";

export const LogMessage = defineProcessor({
  type: "LogMessage",
  summary: "Logs a message built with Expression Language for each FlowFile.",
  description:
    "Evaluates Log Message (and Log Prefix) against each FlowFile and writes it to the engine log at Log Level; `warn` and `error` also raise a bulletin on the processor. The FlowFile is passed on unchanged. A message that cannot be evaluated is logged as an error naming the problem, and the FlowFile still goes to success (logging never stops the data).",
  tags: ["log", "message", "debug", "attributes", "expression language"],
  input: "required",
  properties: {
    logLevel: property.enum({ displayName: "Log Level", description: "Level to log at.", values: ["debug", "info", "warn", "error"], default: "info" }),
    logPrefix: property.string({ displayName: "Log Prefix", description: "Text put before the message (Expression Language).", expressionLanguage: "flowfile" }),
    logMessage: property.string({ displayName: "Log Message", description: "The message (Expression Language).", required: true, expressionLanguage: "flowfile" }),
  },
  relationships: { success: relationship("All FlowFiles, after logging.") },
  onTrigger({ session, config, context }) {
    const log = context.logger[config.logLevel];
    for (const ff of session.getBatch()) {
      let text: string;
      try {
        text = (config.logPrefix?.evaluate(ff) ?? "") + config.logMessage.evaluate(ff);
      } catch (e) {
        context.logger.error(`could not evaluate the log message for FlowFile ${ff.uuid}: ${(e as Error).message}`);
        session.transfer(ff, "success");
        continue;
      }
      log(text, { uuid: ff.uuid });
      session.transfer(ff, "success");
    }
  },
});
