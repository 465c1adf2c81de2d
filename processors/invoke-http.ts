import { defineProcessor, property, relationship, type FlowFile } from "../engine/sdk";
import { logFailure } from "./lib/failure-log";
import { compileJavaRegex, regexProblem } from "./lib/regex";

const METHODS_WITH_BODY = new Set(["POST", "PUT", "PATCH"]);
/** Requests a trigger runs at once; the rest of the batch waits for a free slot. */
const CONCURRENCY = 8;

/** Result of one exchange, before anything is routed. */
type Exchange =
  | { kind: "error"; ff: FlowFile | null; url: string; error: Error; ms: number }
  | { kind: "response"; ff: FlowFile | null; url: string; sent: boolean; status: number; statusText: string; headers: Headers; body: Buffer; finalUrl: string; ms: number };

/**
 * The URL without a user name and password, for attributes, logs and provenance. Textual, so it
 * also works on a URL that does not parse.
 */
function withoutCredentials(url: string): string {
  return url.replace(/^([a-z][a-z0-9+.-]*:\/\/)[^/?#@]*@/i, "$1");
}

const CREDENTIALS_IN_URL = "the URL must not contain a user name or password; send credentials in a header instead (a dynamic property such as Authorization, marked sensitive)";

/**
 * Sets a request header. Header values may be secrets (an Authorization dynamic property), so
 * the error names the header and never its value (fetch's own message quotes it).
 */
function setHeader(headers: Headers, name: string, value: string): void {
  try {
    headers.set(name, value);
  } catch {
    throw new Error(`request header "${name}" has a name or value HTTP does not allow (the value is not shown)`);
  }
}

/** Header names as attribute names: lower case, as Node's fetch reports them. */
function headerAttributes(headers: Headers): Record<string, string> {
  const out: Record<string, string> = {};
  headers.forEach((v, k) => {
    out[k] = v;
  });
  return out;
}

export const InvokeHTTP = defineProcessor({
  type: "InvokeHTTP",
  summary: "Calls an HTTP endpoint for each FlowFile (or on a schedule) and routes the request and the response by status code.",
  description: [
    "The method and URL are Expression Language evaluated per FlowFile; dynamic properties become request headers (Expression Language), as do attributes whose names match Attributes to Send. Credentials go in a header (e.g. an `Authorization` dynamic property marked sensitive), not in the URL: a URL with a user name or password is refused. Error messages name a failing header but never show its value. For POST, PUT and PATCH the FlowFile content is the request body (unless Send Message Body is false), with Content-Type from the Content-Type property (default `${mime.type}`).",
    "",
    "Routing by status: **2xx** — the request FlowFile to `Original`, the response body as a new FlowFile (child of the request) to `Response`. **5xx** — the request to `Retry` (penalized). **Other statuses** (1xx, 3xx when redirects are not followed, 4xx) — the request to `No Retry` (penalized when Penalize on No Retry). With Always Output Response, a non-2xx response is also emitted to `Response`. Connection errors, timeouts and Expression Language errors route the request to `Failure` with `invokehttp.exception.*`. With Response Body Attribute Name, the body goes into that attribute of the request FlowFile instead of a Response FlowFile.",
    "",
    "Status attributes are written on both the request and the response; the response also gets every response header as an attribute and `mime.type` from Content-Type. Provenance: SEND for a request with a body, FETCH (or RECEIVE when there is no incoming FlowFile) for the response. Without an incoming connection the processor makes one request per run. Up to 8 requests of a batch run concurrently; routing keeps the input order. Uses the runtime's global `fetch`.",
  ].join("\n"),
  tags: ["http", "https", "rest", "client", "invoke", "request", "api", "web"],
  restricted: {
    kinds: ["network"],
    explanation: "Sends requests, with FlowFile content and attributes, to any host and port its URL names, including hosts on the local network.",
  },
  input: "allowed",
  properties: {
    method: property.string({
      displayName: "HTTP Method",
      description: "GET, POST, PUT, PATCH, DELETE, HEAD, OPTIONS (Expression Language).",
      default: "GET",
      expressionLanguage: "flowfile",
    }),
    url: property.string({
      displayName: "HTTP URL",
      description: "http:// or https:// URL (Expression Language).",
      required: true,
      expressionLanguage: "flowfile",
    }),
    timeout: property.duration({
      displayName: "Request Timeout",
      description: "Longest time for connecting, sending and reading the whole response.",
      default: "30 sec",
      minMs: 1,
    }),
    contentType: property.string({
      displayName: "Content-Type",
      description: "Content-Type of the request body (Expression Language); application/octet-stream when empty.",
      default: "${mime.type}",
      expressionLanguage: "flowfile",
    }),
    sendBody: property.boolean({ displayName: "Send Message Body", description: "Send the content as the body of POST, PUT and PATCH.", default: "true" }),
    attributesToSend: property.string({
      displayName: "Attributes to Send",
      description: "Regular expression; matching attributes are sent as request headers.",
    }),
    followRedirects: property.boolean({ displayName: "Follow Redirects", description: "Follow 3xx redirects.", default: "true" }),
    alwaysOutputResponse: property.boolean({
      displayName: "Always Output Response",
      description: "Emit a Response FlowFile for every status code, not only 2xx.",
      default: "false",
    }),
    responseBodyAttribute: property.string({
      displayName: "Response Body Attribute Name",
      description: "Put the response body into this attribute of the request FlowFile instead of emitting a Response FlowFile.",
    }),
    responseBodyAttributeSize: property.integer({
      displayName: "Response Body Attribute Size",
      description: "Characters of the body kept in the attribute.",
      default: "256",
      min: 1,
    }),
    penalizeNoRetry: property.boolean({ displayName: "Penalize on No Retry", description: "Penalize FlowFiles routed to No Retry.", default: "false" }),
    maxResponseSize: property.dataSize({
      displayName: "Maximum Response Size",
      description: "A larger response body fails the request (routed to Failure).",
      default: "100 MB",
    }),
  },
  relationships: {
    Original: relationship("The request FlowFile after a 2xx response."),
    Response: relationship("The response body as a new FlowFile (2xx, or any status with Always Output Response)."),
    Retry: relationship("The request FlowFile after a 5xx response (penalized)."),
    "No Retry": relationship("The request FlowFile after a 1xx, 3xx or 4xx response."),
    Failure: relationship("The request FlowFile when no response was received (connection error, timeout, bad URL)."),
  },
  dynamicProperties: { description: "Request header name → value (Expression Language)." },
  writesAttributes: {
    "invokehttp.status.code": "Response status code.",
    "invokehttp.status.message": "Response status text.",
    "invokehttp.request.url": "The requested URL.",
    "invokehttp.request.duration": "Milliseconds from request to full response.",
    "invokehttp.response.url": "URL of the response (after redirects).",
    "invokehttp.exception.class": "On Failure: the error type.",
    "invokehttp.exception.message": "On Failure: the error message.",
    "mime.type": "Response: the Content-Type.",
    "(response headers)": "Response: each response header, lower case.",
  },
  validate(config) {
    if (config.attributesToSend !== undefined) {
      const p = regexProblem(config.attributesToSend, "full");
      if (p) return [{ property: "attributesToSend", message: p }];
    }
    if (config.url.isLiteral) {
      try {
        const u = new URL(config.url.evaluate());
        if (u.protocol !== "http:" && u.protocol !== "https:") return [{ property: "url", message: "must be an http:// or https:// URL" }];
        if (u.username || u.password) return [{ property: "url", message: CREDENTIALS_IN_URL }];
      } catch {
        return [{ property: "url", message: "not a valid URL" }];
      }
    }
    return [];
  },
  onScheduled({ config }) {
    return { sendRe: config.attributesToSend ? compileJavaRegex(config.attributesToSend, "full") : null };
  },
  async onTrigger({ session, config, context, state }) {
    const inputs: Array<FlowFile | null> = context.hasIncomingConnection ? session.get(Math.min(context.batchSize, 100)) : [null];
    if (inputs.length === 0) return;

    const call = async (ff: FlowFile | null): Promise<Exchange> => {
      const started = Date.now();
      let url = "";
      try {
        const target = config.url.evaluate(ff ?? undefined);
        url = withoutCredentials(target);
        const method = config.method.evaluate(ff ?? undefined).trim().toUpperCase();
        const parsed = new URL(target);
        if (parsed.protocol !== "http:" && parsed.protocol !== "https:") throw new Error(`unsupported URL scheme ${parsed.protocol}`);
        if (parsed.username || parsed.password) throw new Error(CREDENTIALS_IN_URL);
        const headers = new Headers();
        if (ff && state.sendRe) for (const [k, v] of Object.entries(ff.attributes)) if (state.sendRe.test(k)) setHeader(headers, k, v);
        for (const d of context.dynamicProperties) {
          let value: string;
          try {
            value = d.evaluate(ff ?? undefined);
          } catch {
            throw new Error(`request header "${d.name}" could not be evaluated (the Expression Language message is not shown: it may quote the value)`);
          }
          setHeader(headers, d.name, value);
        }
        let body: Uint8Array<ArrayBuffer> | undefined;
        if (ff && config.sendBody && METHODS_WITH_BODY.has(method)) {
          body = Uint8Array.from(session.read(ff));
          if (!headers.has("content-type")) headers.set("content-type", config.contentType.evaluate(ff) || "application/octet-stream");
        }
        const res = await fetch(parsed, {
          method,
          headers,
          body,
          redirect: config.followRedirects ? "follow" : "manual",
          signal: AbortSignal.any([AbortSignal.timeout(config.timeout), context.signal]),
        });
        const declared = Number(res.headers.get("content-length") ?? "0");
        if (declared > config.maxResponseSize) {
          await res.body?.cancel();
          throw new Error(`response of ${declared} bytes exceeds Maximum Response Size`);
        }
        const chunks: Buffer[] = [];
        let size = 0;
        if (res.body) {
          const reader = res.body.getReader();
          for (;;) {
            const { done, value } = await reader.read();
            if (done) break;
            size += value.length;
            if (size > config.maxResponseSize) {
              await reader.cancel();
              throw new Error(`response exceeds Maximum Response Size of ${config.maxResponseSize} bytes`);
            }
            chunks.push(Buffer.from(value));
          }
        }
        return {
          kind: "response",
          ff,
          url,
          sent: body !== undefined,
          status: res.status,
          statusText: res.statusText,
          headers: res.headers,
          body: Buffer.concat(chunks),
          finalUrl: res.url || url,
          ms: Date.now() - started,
        };
      } catch (e) {
        const err = e instanceof Error ? e : new Error(String(e));
        // fetch reports network problems as TypeError("fetch failed") with the reason in `cause`.
        const cause = (err as { cause?: unknown }).cause;
        const error = cause instanceof Error ? cause : err;
        return { kind: "error", ff, url, error, ms: Date.now() - started };
      }
    };

    const results: Exchange[] = new Array(inputs.length);
    let next = 0;
    const worker = async () => {
      while (next < inputs.length) {
        const i = next++;
        results[i] = await call(inputs[i] as FlowFile | null);
      }
    };
    await Promise.all(Array.from({ length: Math.min(CONCURRENCY, inputs.length) }, worker));

    for (const x of results) {
      if (x.kind === "error") {
        if (x.ff === null) {
          context.logger.warn(`request to ${x.url} failed: ${x.error.message}`);
          context.yield();
          continue;
        }
        const failed = session.putAllAttributes(x.ff, {
          "invokehttp.request.url": x.url,
          "invokehttp.request.duration": String(x.ms),
          "invokehttp.exception.class": x.error.name,
          "invokehttp.exception.message": x.error.message,
        });
        session.transfer(session.penalize(failed), "Failure");
        logFailure(context, failed, `no response: ${x.error.message}`, "Failure");
        continue;
      }
      const statusAttrs: Record<string, string> = {
        "invokehttp.status.code": String(x.status),
        "invokehttp.status.message": x.statusText,
        "invokehttp.request.url": x.url,
        "invokehttp.request.duration": String(x.ms),
        "invokehttp.response.url": x.finalUrl,
      };
      const ok = x.status >= 200 && x.status < 300;
      let request = x.ff;
      if (request) {
        const attrs = { ...statusAttrs };
        if (config.responseBodyAttribute) attrs[config.responseBodyAttribute] = x.body.toString("utf8").slice(0, config.responseBodyAttributeSize);
        request = session.putAllAttributes(request, attrs);
        if (x.sent) session.provenance.send(request, x.url);
      }
      if ((ok || config.alwaysOutputResponse) && !(request && config.responseBodyAttribute)) {
        let response = request ? session.create(request) : session.create();
        const attrs: Record<string, string> = { ...headerAttributes(x.headers), ...statusAttrs };
        const ct = x.headers.get("content-type");
        if (ct) attrs["mime.type"] = ct;
        response = session.putAllAttributes(response, attrs);
        if (x.body.length) response = session.write(response, x.body);
        if (request) session.provenance.fetch(response, x.url, `status ${x.status}`);
        else session.provenance.receive(response, x.url, `status ${x.status}`);
        session.transfer(response, "Response");
      }
      if (!request) continue;
      if (ok) session.transfer(request, "Original");
      else if (x.status >= 500) session.transfer(session.penalize(request), "Retry");
      else session.transfer(config.penalizeNoRetry ? session.penalize(request) : request, "No Retry");
    }
  },
});
