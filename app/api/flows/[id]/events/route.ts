import { z } from "zod";
import { flowIdSchema, handle, params } from "../../../../lib/api";
import { ApiError, liveStatus, resumeFlow } from "../../../../lib/flow-service";
import { statusFrame } from "../../../../lib/live";

export const dynamic = "force-dynamic";

const INTERVAL_MS = 1000;

/**
 * Server-Sent Events: a `status` event about once a second while the client listens; a `gone`
 * event (and the end of the stream) when the flow is deleted.
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
        const send = async () => {
          if (closed) return;
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
