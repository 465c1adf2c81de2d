/**
 * Shared pieces of the HTTP listening processors (ListenHTTP, HandleHttpRequest and
 * HandleHttpResponse): starting a node:http server, reading a bounded request body, and the
 * in-process registry of requests waiting for a response.
 */
import http from "node:http";
import type { AddressInfo } from "node:net";
import type { ProcessorContext } from "../../engine/sdk";

/** Starts a server on host:port (0 = any free port); resolves with the address and port it bound. */
export function listen(server: http.Server, port: number, host: string): Promise<{ address: string; port: number }> {
  return new Promise((resolve, reject) => {
    const onError = (e: Error) => reject(e);
    server.once("error", onError);
    server.listen(port, host, () => {
      server.off("error", onError);
      const bound = server.address() as AddressInfo;
      resolve({ address: bound.address, port: bound.port });
    });
  });
}

/** Closes a server, dropping idle keep-alive connections so close() does not hang. */
export function close(server: http.Server): Promise<void> {
  return new Promise((resolve) => {
    server.close(() => resolve());
    server.closeIdleConnections();
  });
}

/** The request body exceeded the limit. */
export class BodyTooLargeError extends Error {}

/** Reads a request body up to `max` bytes; rejects with BodyTooLargeError beyond it. */
export function readBody(req: http.IncomingMessage, max: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const declared = Number(req.headers["content-length"] ?? "0");
    if (declared > max) {
      reject(new BodyTooLargeError(`request body of ${declared} bytes exceeds ${max} bytes`));
      return;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    let done = false;
    req.on("data", (c: Buffer) => {
      if (done) return;
      size += c.length;
      if (size > max) {
        done = true;
        reject(new BodyTooLargeError(`request body exceeds ${max} bytes`));
        return;
      }
      chunks.push(c);
    });
    req.on("end", () => {
      if (!done) {
        done = true;
        resolve(Buffer.concat(chunks));
      }
    });
    req.on("error", (e) => {
      if (!done) {
        done = true;
        reject(e);
      }
    });
  });
}

/** Answers a request that will not become a FlowFile (errors, back pressure), closing the connection. */
export function reject(res: http.ServerResponse, status: number, message: string): void {
  if (res.headersSent) {
    res.end();
    return;
  }
  res.writeHead(status, { "content-type": "text/plain; charset=utf-8", connection: "close" });
  res.end(`${message}\n`);
}

/** A request held until HandleHttpResponse answers it. */
export interface HeldRequest {
  readonly req: http.IncomingMessage;
  readonly res: http.ServerResponse;
  readonly timer: NodeJS.Timeout;
}

/**
 * The HTTP context map: requests taken by HandleHttpRequest, waiting for HandleHttpResponse,
 * keyed by the FlowFile attribute `http.context.identifier`. In-process only (NiFi's
 * StandardHttpContextMap), so both processors must run on the same node. Contract: `hold`
 * answers 503 itself when the request is not completed within `expireMs`; `take` hands a
 * request out once.
 */
class HttpContextMap {
  private readonly held = new Map<string, HeldRequest>();

  hold(id: string, req: http.IncomingMessage, res: http.ServerResponse, expireMs: number): void {
    const timer = setTimeout(() => {
      if (this.held.delete(id)) reject(res, 503, "request expired before a response was ready");
    }, expireMs);
    timer.unref();
    this.held.set(id, { req, res, timer });
    res.on("close", () => {
      const h = this.held.get(id);
      if (h && h.res === res && !res.writableEnded) {
        clearTimeout(h.timer);
        this.held.delete(id);
      }
    });
  }

  /** Removes and returns a waiting request, or undefined when it is unknown, answered or expired. */
  take(id: string): HeldRequest | undefined {
    const h = this.held.get(id);
    if (!h) return undefined;
    clearTimeout(h.timer);
    this.held.delete(id);
    return h;
  }

  /** Answers and forgets a request (e.g. its session rolled back). */
  fail(id: string, status: number, message: string): void {
    const h = this.take(id);
    if (h) reject(h.res, status, message);
  }

  get size(): number {
    return this.held.size;
  }
}

export const httpContextMap = new HttpContextMap();

/** How long an idle trigger waits for a request before returning (a long poll, not a spin). */
const IDLE_WAIT_MS = 100;

/**
 * For the HTTP sources' onTrigger: resolves true at once when requests are pending, else waits
 * up to 100 ms for one (a request handler calls the `waiters`) or for the processor to stop, and
 * resolves whether any arrived. A long poll keeps an idle listener responsive without spinning.
 */
export async function waitForRequests(
  state: { readonly pending: readonly unknown[]; readonly waiters: Array<() => void> },
  context: ProcessorContext,
): Promise<boolean> {
  if (state.pending.length > 0) return true;
  await new Promise<void>((resolve) => {
    const done = (): void => {
      clearTimeout(timer);
      context.signal.removeEventListener("abort", done);
      const i = state.waiters.indexOf(done);
      if (i >= 0) state.waiters.splice(i, 1);
      resolve();
    };
    const timer = setTimeout(done, IDLE_WAIT_MS);
    state.waiters.push(done);
    context.signal.addEventListener("abort", done, { once: true });
  });
  return state.pending.length > 0;
}
