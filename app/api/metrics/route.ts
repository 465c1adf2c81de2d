import { gatherMetrics, renderMetrics } from "../../../engine/api/metrics";
import { handle } from "../../lib/api";
import { localNode } from "../../lib/engine-client";

export const dynamic = "force-dynamic";

/**
 * Prometheus metrics (`metrics:read`, held by every role from viewer up; a viewer API token is
 * what a Prometheus scrape job should use): the local node's flows, or in cluster mode every
 * node's, per component and connection (engine/api/metrics.ts). Also served at `/metrics`.
 */
export function GET(req: Request) {
  return handle(req, async () => {
    const m = await renderMetrics(await gatherMetrics(await localNode()));
    return new Response(m.text, { status: 200, headers: { "content-type": m.contentType, "cache-control": "no-store" } });
  });
}
