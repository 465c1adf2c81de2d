import http from "node:http";
import { randomUUID } from "node:crypto";
import { defineProcessor, property, relationship } from "../engine/sdk";
import { BodyTooLargeError, httpContextMap, listen, readBody, reject, waitForRequests } from "./lib/http-server";
import { compileJavaRegex, regexProblem } from "./lib/regex";

interface Pending {
  readonly req: http.IncomingMessage;
  readonly res: http.ServerResponse;
  readonly body: Buffer;
  readonly url: URL;
}

const METHOD_PROPS = { GET: "allowGet", POST: "allowPost", PUT: "allowPut", DELETE: "allowDelete", HEAD: "allowHead", OPTIONS: "allowOptions" } as const;

export const HandleHttpRequest = defineProcessor({
  type: "HandleHttpRequest",
  summary: "Starts an HTTP server and turns each request into a FlowFile, holding the connection open for HandleHttpResponse to answer.",
  description: [
    "Together with HandleHttpResponse this builds a web service out of a flow: the request body becomes the content, and the method, path, query, headers and client become attributes. The request waits in an in-process HTTP context map under the FlowFile's `http.context.identifier` until a HandleHttpResponse (in the same Sluice process) answers it, or until Request Expiration passes (the client then gets 503).",
    "",
    "Methods that are not allowed get 405, paths that do not match Allowed Paths get 404. When the `success` connection is back-pressured, or Container Queue Size requests are waiting to become FlowFiles, new requests get 503 at once. A body larger than Max Request Body Size gets 413. If the session holding a request's FlowFile fails, the client gets 503. With Listening Port 0 a free port is chosen and logged.",
  ].join("\n"),
  tags: ["http", "https", "request", "listen", "ingress", "web service", "rest", "source"],
  restricted: {
    kinds: ["listen"],
    explanation: "Opens a TCP port and accepts requests from any client that can reach its Hostname.",
  },
  input: "forbidden",
  properties: {
    port: property.integer({ displayName: "Listening Port", description: "TCP port (0 = any free port, logged on start).", default: "80", min: 0, max: 65535 }),
    host: property.string({
      displayName: "Hostname",
      description: "Address to bind. The default, 127.0.0.1, accepts connections from this machine only; 0.0.0.0 (all interfaces) or one interface's address opens the port to the network.",
      default: "127.0.0.1",
    }),
    allowedPaths: property.string({ displayName: "Allowed Paths", description: "Regular expression the request path must match. Empty = any path." }),
    allowGet: property.boolean({ displayName: "Allow GET", description: "Accept GET requests.", default: "true" }),
    allowPost: property.boolean({ displayName: "Allow POST", description: "Accept POST requests.", default: "true" }),
    allowPut: property.boolean({ displayName: "Allow PUT", description: "Accept PUT requests.", default: "true" }),
    allowDelete: property.boolean({ displayName: "Allow DELETE", description: "Accept DELETE requests.", default: "true" }),
    allowHead: property.boolean({ displayName: "Allow HEAD", description: "Accept HEAD requests.", default: "false" }),
    allowOptions: property.boolean({ displayName: "Allow OPTIONS", description: "Accept OPTIONS requests.", default: "false" }),
    additionalMethods: property.string({ displayName: "Additional HTTP Methods", description: "Comma-separated extra methods to accept (e.g. PATCH)." }),
    requestExpiration: property.duration({
      displayName: "Request Expiration",
      description: "How long a request waits for HandleHttpResponse before the client gets 503.",
      default: "1 min",
      minMs: 1,
    }),
    containerQueueSize: property.integer({
      displayName: "Container Queue Size",
      description: "Requests received but not yet turned into FlowFiles; beyond this new requests get 503.",
      default: "50",
      min: 1,
    }),
    maxRequestSize: property.dataSize({ displayName: "Max Request Body Size", description: "Larger bodies are refused with 413.", default: "10 MB" }),
  },
  relationships: { success: relationship("One FlowFile per request.") },
  writesAttributes: {
    "http.context.identifier": "Key of the waiting request in the HTTP context map; HandleHttpResponse needs it.",
    "mime.type": "The request's Content-Type.",
    "http.method": "Request method.",
    "http.request.uri": "Path of the request.",
    "http.request.url": "Full URL of the request.",
    "http.query.string": "Query string without the ?.",
    "http.query.param.<name>": "Each query parameter (the first value).",
    "http.headers.<name>": "Each request header, lower-case name.",
    "http.remote.host": "Address of the client.",
    "http.remote.addr": "Address of the client.",
    "http.local.name": "Host the request was sent to.",
    "http.server.port": "Port the server listens on.",
    "http.protocol": "HTTP/1.1 and the like.",
  },
  validate(config) {
    if (config.allowedPaths !== undefined) {
      const p = regexProblem(config.allowedPaths, "full");
      if (p) return [{ property: "allowedPaths", message: p }];
    }
    return [];
  },
  async onScheduled({ config, context }) {
    const methods = new Set<string>();
    for (const [m, prop] of Object.entries(METHOD_PROPS)) if (config[prop]) methods.add(m);
    for (const m of (config.additionalMethods ?? "").split(",")) if (m.trim()) methods.add(m.trim().toUpperCase());
    const pathRe = config.allowedPaths ? compileJavaRegex(config.allowedPaths, "full") : null;
    const pending: Pending[] = [];
    const waiters: Array<() => void> = [];
    let active = true;
    const server = http.createServer((req, res) => {
      const url = new URL(req.url ?? "/", `http://${req.headers.host ?? "localhost"}`);
      if (pathRe && !pathRe.test(url.pathname)) return reject(res, 404, "not found");
      if (!methods.has(req.method ?? "")) {
        res.setHeader("allow", [...methods].join(", "));
        return reject(res, 405, "method not allowed");
      }
      if (!active || !context.isSpaceAvailable("success") || pending.length >= config.containerQueueSize) {
        return reject(res, 503, "busy (back pressure); retry later");
      }
      readBody(req, config.maxRequestSize).then(
        (body) => {
          if (!active) return reject(res, 503, "the processor is stopping");
          pending.push({ req, res, body, url });
          for (const w of waiters.splice(0)) w();
          context.wake();
        },
        (e: Error) => reject(res, e instanceof BodyTooLargeError ? 413 : 400, e.message),
      );
    });
    const { address, port } = await listen(server, config.port, config.host);
    context.logger.info(`HandleHttpRequest listening on ${address}:${port}`, { address, port });
    return {
      server,
      port,
      pending,
      waiters,
      stop: () => {
        active = false;
      },
    };
  },
  async onTrigger({ session, context, config, state }) {
    if (!(await waitForRequests(state, context))) return;
    // No more than the connection takes before back pressure; the rest wait for a later trigger.
    const items = state.pending.splice(0, Math.min(context.batchSize, context.freeRoom("success")));
    const ids: string[] = [];
    for (const { req, res, body, url } of items) {
      if (res.writableEnded || req.socket.destroyed) continue;
      const id = randomUUID();
      const attrs: Record<string, string> = {
        "http.context.identifier": id,
        "http.method": req.method ?? "",
        "http.request.uri": url.pathname,
        "http.request.url": url.href,
        "http.query.string": url.search.replace(/^\?/, ""),
        "http.remote.host": req.socket.remoteAddress ?? "",
        "http.remote.addr": req.socket.remoteAddress ?? "",
        "http.local.name": url.hostname,
        "http.server.port": String(state.port),
        "http.protocol": `HTTP/${req.httpVersion}`,
      };
      for (const [k, v] of url.searchParams) if (attrs[`http.query.param.${k}`] === undefined) attrs[`http.query.param.${k}`] = v;
      for (const [k, v] of Object.entries(req.headers)) if (v !== undefined) attrs[`http.headers.${k}`] = Array.isArray(v) ? v.join(",") : v;
      const ct = req.headers["content-type"];
      if (ct) attrs["mime.type"] = ct;
      let ff = session.create();
      ff = session.putAllAttributes(ff, { filename: ff.uuid, ...attrs });
      if (body.length) ff = session.write(ff, body);
      session.provenance.receive(ff, url.href, `${req.method} from ${req.socket.remoteAddress ?? "?"}`);
      session.transfer(ff, "success");
      httpContextMap.hold(id, req, res, config.requestExpiration);
      ids.push(id);
    }
    session.onFailure(() => {
      for (const id of ids) httpContextMap.fail(id, 503, "the request could not be stored; retry");
    });
  },
  onStopped({ state }) {
    if (!state) return;
    state.stop();
    for (const item of state.pending.splice(0)) reject(item.res, 503, "the processor stopped");
    for (const w of state.waiters.splice(0)) w();
    // Stop listening at once, but do not wait for the connections of requests held for
    // HandleHttpResponse: they stay open until answered or expired.
    state.server.close();
    state.server.closeIdleConnections();
  },
});
