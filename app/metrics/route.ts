import { GET as apiMetrics } from "../api/metrics/route";

export const dynamic = "force-dynamic";

/**
 * `/metrics`, where Prometheus looks by default: the same request answered by `/api/metrics`,
 * whose policy entry (`metrics:read`) and checks in `handle()` decide access.
 */
export function GET(req: Request) {
  return apiMetrics(new Request(new URL("/api/metrics", req.url), req));
}
