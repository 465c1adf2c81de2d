import { clusterMode, localNode } from "../lib/engine-client";

export const dynamic = "force-dynamic";

/** How long the node API may take to answer before the server counts as not ready. */
const READY_TIMEOUT_MS = 3000;

const plain = (status: number, body: string) =>
  new Response(body, { status, headers: { "content-type": "text/plain; charset=utf-8", "cache-control": "no-store" } });

/**
 * Readiness, no credential: 200 "ready" once the node API answers `info()` within 3 s (the local
 * node has opened and recovered its flows' repositories; in cluster mode the coordinator is
 * connected and reads Redis), else 503 with a one-line reason that names no host, path or error.
 */
export async function GET() {
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([
      localNode().then((n) => n.info()),
      new Promise((_, reject) => {
        timer = setTimeout(() => reject(new Error("timeout")), READY_TIMEOUT_MS);
      }),
    ]);
    return plain(200, "ready\n");
  } catch {
    return plain(503, clusterMode() ? "not ready: the cluster coordinator cannot reach Redis\n" : "not ready: the local node does not answer\n");
  } finally {
    clearTimeout(timer);
  }
}
