import { z } from "zod";
import { flowIdSchema, handle, params } from "../../../../lib/api";
import { authenticate } from "../../../../lib/auth/session";
import { ApiError, liveStatus, resumeFlow } from "../../../../lib/flow-service";
import { statusFrame } from "../../../../lib/live";

export const dynamic = "force-dynamic";

const INTERVAL_MS = 1000;
/** How often the stream checks that its session or token is still valid (logout, disable, revoke, expiry). */
const RECHECK_EVERY = 15;

/**
 * Server-Sent Events: a `status` event about once a second while the client listens; a `gone`
 * event (and the end of the stream) when the flow is deleted. The stream also ends, within
 * RECHECK_EVERY seconds, once the credential it was opened with is no longer valid.
 */
export function GET(req: Request, ctx: { params: Promise<{ id: string }> }) {
  return handle(req, async () => {
    const { id } = await params(ctx, z.object({ id: flowIdSchema }));
    await liveStatus(id);
    await resumeFlow(id);
    const encoder = new TextEncoder();
    let timer: ReturnType<typeof setInterval> | undefined;
    let closed = false;
    const stream = new ReadableStream<Uint8Array>({
      start(controller) {
        const close = () => {
          if (closed) return;
          closed = true;
          if (timer) clearInterval(timer);
          try {
            controller.close();
          } catch {
            // already closed by the client
          }
        };
        let ticks = 0;
        const send = async () => {
          if (closed) return;
          if (++ticks % RECHECK_EVERY === 0 && !(await authenticate(req).catch(() => null))?.permissions.includes("flows:read")) {
            close();
            return;
          }
          try {
            const s = await liveStatus(id);
            if (!closed) controller.enqueue(encoder.encode(`event: status\ndata: ${JSON.stringify(statusFrame(s))}\n\n`));
          } catch (e) {
            if (e instanceof ApiError && e.status === 404) {
              if (!closed) controller.enqueue(encoder.encode(`event: gone\ndata: {}\n\n`));
              close();
            }
          }
        };
        void send();
        timer = setInterval(() => void send(), INTERVAL_MS);
        req.signal.addEventListener("abort", close);
      },
      cancel() {
        closed = true;
        if (timer) clearInterval(timer);
      },
    });
    return new Response(stream, {
      headers: {
        "Content-Type": "text/event-stream; charset=utf-8",
        // no-transform: keeps the server's gzip from buffering the stream.
        "Cache-Control": "no-cache, no-transform",
        Connection: "keep-alive",
        "X-Accel-Buffering": "no",
      },
    });
  });
}
