import { defineProcessor, property, relationship } from "../engine/sdk";
import { httpContextMap } from "./lib/http-server";
import { compileJavaRegex, regexProblem } from "./lib/regex";
import { routeToFailure } from "./lib/failure-log";

export const HandleHttpResponse = defineProcessor({
  type: "HandleHttpResponse",
  summary: "Answers the HTTP request a HandleHttpRequest received, with the FlowFile's content as the body.",
  description:
    "Finds the waiting request by the FlowFile's `http.context.identifier` in the in-process HTTP context map and sends the response: the status code from HTTP Status Code (Expression Language, e.g. `${http.status}`), headers from the dynamic properties (Expression Language) and from attributes matching Attributes to add as headers, and the content as the body (`Content-Type` defaults to `mime.type`). A SEND provenance event is recorded. A FlowFile without the attribute, whose request already expired or was answered, or with a status code that is not a number from 100 to 599 goes to failure with `handlehttpresponse.error`.",
  tags: ["http", "https", "response", "egress", "web service", "rest"],
  input: "required",
  properties: {
    statusCode: property.string({
      displayName: "HTTP Status Code",
      description: "Status to send (Expression Language).",
      required: true,
      expressionLanguage: "flowfile",
    }),
    attributesAsHeaders: property.string({
      displayName: "Attributes to add to the HTTP Response (Regex)",
      description: "Attributes whose names match are sent as response headers.",
    }),
  },
  relationships: {
    success: relationship("FlowFiles whose response was sent."),
    failure: relationship("FlowFiles that could not be answered; `handlehttpresponse.error` says why."),
  },
  dynamicProperties: { description: "Response header name → value (Expression Language)." },
  readsAttributes: {
    "http.context.identifier": "Which waiting request to answer (set by HandleHttpRequest).",
    "http.request.url": "Recorded as the SEND event's transit URI.",
    "mime.type": "Default Content-Type of the response.",
  },
  writesAttributes: { "handlehttpresponse.error": "On failure: the reason." },
  validate(config) {
    if (config.attributesAsHeaders !== undefined) {
      const p = regexProblem(config.attributesAsHeaders, "full");
      if (p) return [{ property: "attributesAsHeaders", message: p }];
    }
    return [];
  },
  onScheduled({ config }) {
    return { headerRe: config.attributesAsHeaders ? compileJavaRegex(config.attributesAsHeaders, "full") : null };
  },
  onTrigger({ session, config, context, state }) {
    for (const original of session.getBatch()) {
      const ff = original;
      const fail = (msg: string) => routeToFailure(session, context, ff, "handlehttpresponse.error", msg);
      const id = ff.attributes["http.context.identifier"];
      if (!id) {
        fail("no http.context.identifier attribute: this FlowFile did not come from HandleHttpRequest");
        continue;
      }
      let status: number;
      const headers: Record<string, string> = {};
      try {
        const text = config.statusCode.evaluate(ff).trim();
        status = Number(text);
        if (!/^\d{3}$/.test(text) || status < 100 || status > 599) throw new Error(`"${text}" is not an HTTP status code`);
        if (ff.attributes["mime.type"]) headers["content-type"] = ff.attributes["mime.type"];
        if (state.headerRe) for (const [k, v] of Object.entries(ff.attributes)) if (state.headerRe.test(k)) headers[k] = v;
        for (const d of context.dynamicProperties) headers[d.name] = d.evaluate(ff);
      } catch (e) {
        fail((e as Error).message);
        continue;
      }
      const held = httpContextMap.take(id);
      if (!held || held.res.writableEnded || held.res.destroyed) {
        fail(`no request is waiting for context ${id} (it expired, was already answered, or came from another process)`);
        continue;
      }
      const body = session.read(ff);
      try {
        held.res.writeHead(status, headers);
        held.res.end(held.req.method === "HEAD" ? undefined : body);
      } catch (e) {
        fail(`could not send the response: ${(e as Error).message}`);
        continue;
      }
      session.provenance.send(ff, ff.attributes["http.request.url"] ?? "http://unknown", `status ${status}`);
      session.transfer(ff, "success");
    }
  },
});
