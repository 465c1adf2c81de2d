import { defineProcessor, property, relationship } from "../engine/sdk";
import { routeToFailure } from "./lib/failure-log";

export const RetryFlowFile = defineProcessor({
  type: "RetryFlowFile",
  summary: "Counts how often a FlowFile was retried and stops the loop after a maximum.",
  description: [
    "Place it on a failure loop (e.g. InvokeHTTP's Retry → RetryFlowFile → back to InvokeHTTP). Each pass adds one to the Retry Attribute: while it stays within Maximum Retries the FlowFile goes to `retry` (penalized unless Penalize Retries is false, so the retry waits the penalty duration), beyond it to `retries_exceeded` with the dynamic properties set as attributes.",
    "",
    "`<Retry Attribute>.uuid` remembers which RetryFlowFile owns the counter. A counter from another RetryFlowFile is handled per Reuse Mode (fail, warn and reset, or reset silently). A counter that is not a number goes to failure when Fail on Non-numerical Overwrite, else it restarts from 0.",
  ].join("\n"),
  tags: ["retry", "loop", "counter", "penalize", "flow control", "failure"],
  input: "required",
  properties: {
    retryAttribute: property.string({
      displayName: "Retry Attribute",
      description: "Attribute that holds the retry count.",
      default: "flowfile.retries",
      pattern: /^[^\s]+$/,
      patternHint: "must be an attribute name without spaces",
    }),
    maximumRetries: property.string({
      displayName: "Maximum Retries",
      description: "How many retries are allowed (Expression Language, a whole number).",
      default: "3",
      expressionLanguage: "flowfile",
    }),
    penalizeRetries: property.boolean({ displayName: "Penalize Retries", description: "Penalize FlowFiles routed to retry.", default: "true" }),
    failOnNonNumerical: property.boolean({
      displayName: "Fail on Non-numerical Overwrite",
      description: "Route to failure when the retry attribute is not a number (else it restarts from 0).",
      default: "false",
    }),
    reuseMode: property.enum({
      displayName: "Reuse Mode",
      description: "What to do when the counter was set by another RetryFlowFile.",
      values: [
        { value: "Fail on Reuse", description: "Route to failure." },
        { value: "Warn on Reuse", description: "Log a warning (and a bulletin) and restart the count here." },
        { value: "Reset Reuse", description: "Restart the count here silently." },
      ],
      default: "Fail on Reuse",
    }),
  },
  relationships: {
    retry: relationship("FlowFiles within Maximum Retries (penalized unless disabled)."),
    retries_exceeded: relationship("FlowFiles retried more than Maximum Retries."),
    failure: relationship("Counter problems (not a number, reused, bad maximum); `retryflowfile.error` says why."),
  },
  dynamicProperties: { description: "Attribute name → value (Expression Language) set on FlowFiles that exceed the retries." },
  writesAttributes: {
    "(Retry Attribute)": "The number of retries so far.",
    "(Retry Attribute).uuid": "The id of the RetryFlowFile that owns the counter.",
    "retryflowfile.error": "On failure: the reason.",
  },
  onTrigger({ session, config, context }) {
    const attr = config.retryAttribute;
    const owner = `${attr}.uuid`;
    for (const original of session.getBatch()) {
      let ff = original;
      const fail = (msg: string) => routeToFailure(session, context, ff, "retryflowfile.error", msg);
      let max: number;
      try {
        const raw = config.maximumRetries.evaluate(ff).trim();
        max = Number(raw);
        if (!/^\d+$/.test(raw)) throw new Error(`Maximum Retries "${raw}" is not a whole number`);
      } catch (e) {
        fail((e as Error).message);
        continue;
      }
      let count = 0;
      const ownerId = ff.attributes[owner];
      const reused = ownerId !== undefined && ownerId !== context.id;
      if (reused) {
        if (config.reuseMode === "Fail on Reuse") {
          fail(`${attr} belongs to another RetryFlowFile (${ownerId})`);
          continue;
        }
        if (config.reuseMode === "Warn on Reuse") context.logger.warn(`FlowFile ${ff.uuid}: ${attr} belonged to ${ownerId}; restarting the count`);
      } else {
        const raw = ff.attributes[attr];
        if (raw !== undefined) {
          if (/^\d+$/.test(raw.trim())) count = Number(raw.trim());
          else if (config.failOnNonNumerical) {
            fail(`${attr} is not a number: "${raw}"`);
            continue;
          }
        }
      }
      count++;
      ff = session.putAllAttributes(ff, { [attr]: String(count), [owner]: context.id });
      if (count > max) {
        const extra: Record<string, string> = {};
        try {
          for (const d of context.dynamicProperties) extra[d.name] = d.evaluate(ff);
        } catch (e) {
          fail((e as Error).message);
          continue;
        }
        if (Object.keys(extra).length) ff = session.putAllAttributes(ff, extra);
        session.transfer(ff, "retries_exceeded");
        continue;
      }
      session.transfer(config.penalizeRetries ? session.penalize(ff) : ff, "retry");
    }
  },
});
