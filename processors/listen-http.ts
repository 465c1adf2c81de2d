import http from "node:http";
import { defineProcessor, property, relationship } from "../engine/sdk";
import { BodyTooLargeError, close, listen, readBody, reject, waitForRequests } from "./lib/http-server";
import { compileJavaRegex, regexProblem } from "./lib/regex";

/** A received request waiting to become a FlowFile. */
interface Pending {
  readonly body: Buffer;
  readonly attributes: Record<string, string>;
  readonly res: http.ServerResponse;
  readonly uri: string;
}


export const ListenHTTP = defineProcessor({
  type: "ListenHTTP",
  summary: "Starts an HTTP server and turns each POST or PUT request body into a FlowFile.",
  description: [
    "Listens on the port from the moment the processor is scheduled until it stops. Requests to `/<Base Path>` with POST or PUT become FlowFiles whose content is the request body; HEAD answers 200 (a health check); other methods get 405 and other paths 404.",
    "",
    "The client is answered with the Return Code only after the session holding its FlowFile is durable (onCommitted), so a 200 means the data is safe; if the session fails the client gets 500 and may retry (at-least-once). When the `success` connection is back-pressured, or too many requests are waiting, new requests get 503 at once, so clients back off instead of piling up. A body larger than Max Request Body Size gets 413. With Listening Port 0 a free port is chosen and logged.",
  ].join("\n"),
  tags: ["http", "https", "ingest", "listen", "server", "rest", "source", "webhook"],
  restricted: {
    kinds: ["listen"],
    explanation: "Opens a TCP port and accepts data from any client that can reach its Listening Address.",
  },
  input: "forbidden",
  properties: {
    port: property.integer({ displayName: "Listening Port", description: "TCP port (0 = any free port, logged on start).", required: true, min: 0, max: 65535 }),
    host: property.string({
      displayName: "Listening Address",
      description: "Address to bind. The default, 127.0.0.1, accepts connections from this machine only; 0.0.0.0 (all interfaces) or one interface's address opens the port to the network.",
      default: "127.0.0.1",
    }),
    basePath: property.string({
      displayName: "Base Path",
      description: "Path the server accepts data on, without the leading slash.",
      default: "contentListener",
      pattern: /^\/?[A-Za-z0-9._~!$&'()*+,;=:@%/-]*$/,
      patternHint: "must be a URL path",
    }),
    returnCode: property.integer({ displayName: "Return Code", description: "Status sent once the FlowFile is stored.", default: "200", min: 200, max: 299 }),
    maxRequestSize: property.dataSize({ displayName: "Max Request Body Size", description: "Larger bodies are refused with 413.", default: "10 MB" }),
    headersAsAttributes: property.string({
      displayName: "HTTP Headers to receive as Attributes (Regex)",
      description: "Request headers whose (lower-case) names match become attributes.",
    }),
    maxPending: property.integer({
      displayName: "Max Unconfirmed Requests",
      description: "Requests received but not yet stored; beyond this new requests get 503.",
      default: "1000",
      min: 1,
    }),
  },
  relationships: { success: relationship("One FlowFile per request.") },
  writesAttributes: {
    filename: "The `filename` request header, or the FlowFile's uuid.",
    "mime.type": "The request's Content-Type.",
    "restlistener.remote.source.host": "Address of the client.",
    "restlistener.request.uri": "Path and query of the request.",
    "http.method": "POST or PUT.",
    "(headers)": "Request headers matching the header regex, lower-case names.",
  },
  defaultSchedule: { runSchedule: "0 sec" },
  validate(config) {
    if (config.headersAsAttributes !== undefined) {
      const p = regexProblem(config.headersAsAttributes, "full", "i");
      if (p) return [{ property: "headersAsAttributes", message: p }];
    }
    return [];
  },
  async onScheduled({ config, context }) {
    const path = "/" + config.basePath.replace(/^\/+/, "");
    const headerRe = config.headersAsAttributes ? compileJavaRegex(config.headersAsAttributes, "full", "i") : null;
    const pending: Pending[] = [];
    const waiters: Array<() => void> = [];
    let active = true;
    const server = http.createServer((req, res) => {
      const url = new URL(req.url ?? "/", "http://localhost");
      if (url.pathname !== path && url.pathname !== `${path}/`) return reject(res, 404, `not found; data is accepted on ${path}`);
      if (req.method === "HEAD") {
        res.writeHead(200).end();
        return;
      }
      if (req.method !== "POST" && req.method !== "PUT") {
        res.setHeader("allow", "POST, PUT, HEAD");
        return reject(res, 405, "method not allowed; use POST or PUT");
      }
      if (!active || !context.isSpaceAvailable("success") || pending.length >= config.maxPending) {
        return reject(res, 503, "busy (back pressure); retry later");
      }
      readBody(req, config.maxRequestSize).then(
        (body) => {
          if (!active) return reject(res, 503, "the processor is stopping");
          const attributes: Record<string, string> = {
            "restlistener.remote.source.host": req.socket.remoteAddress ?? "",
            "restlistener.request.uri": req.url ?? "/",
            "http.method": req.method ?? "",
          };
          const ct = req.headers["content-type"];
          if (ct) attributes["mime.type"] = ct;
          const fn = req.headers.filename;
          if (typeof fn === "string" && fn !== "" && !fn.includes("/")) attributes.filename = fn;
          if (headerRe) {
            for (const [k, v] of Object.entries(req.headers)) if (v !== undefined && headerRe.test(k)) attributes[k] = Array.isArray(v) ? v.join(",") : v;
          }
          pending.push({ body, attributes, res, uri: `http://${req.headers.host ?? "localhost"}${req.url ?? "/"}` });
          for (const w of waiters.splice(0)) w();
          context.wake();
        },
        (e: Error) => {
          if (e instanceof BodyTooLargeError) reject(res, 413, e.message);
          else reject(res, 400, `could not read the request: ${e.message}`);
        },
      );
    });
    const { address, port } = await listen(server, config.port, config.host);
    context.logger.info(`ListenHTTP listening on ${address}:${port}${path}`, { address, port });
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
  async onTrigger({ session, context, state, config }) {
    if (!(await waitForRequests(state, context))) return;
    // No more than the connection takes before back pressure; the rest wait for a later trigger.
    const items = state.pending.splice(0, Math.min(context.batchSize, context.freeRoom("success")));
    for (const item of items) {
      let ff = session.create();
      ff = session.putAllAttributes(ff, { filename: ff.uuid, ...item.attributes });
      if (item.body.length) ff = session.write(ff, item.body);
      session.provenance.receive(ff, item.uri, `from ${item.attributes["restlistener.remote.source.host"]}`);
      session.transfer(ff, "success");
    }
    session.onCommitted(() => {
      for (const item of items) if (!item.res.writableEnded) item.res.writeHead(config.returnCode).end();
    });
    session.onFailure((e) => {
      for (const item of items) reject(item.res, 500, `could not store the request: ${e.message}`);
    });
  },
  async onStopped({ state }) {
    if (!state) return;
    state.stop();
    for (const item of state.pending.splice(0)) reject(item.res, 503, "the processor stopped");
    for (const w of state.waiters.splice(0)) w();
    await close(state.server);
  },
});
