import { z } from "zod";
import { summaryRows, type FlowSummary } from "../../../../components/summary/rows";
import { flowIdSchema, handle, json, params } from "../../../../lib/api";
import { clusterMode } from "../../../../lib/engine-client";
import { ApiError, liveStatus, resumeFlow } from "../../../../lib/flow-service";
import { getFlowView } from "../../../../lib/flows";

export const dynamic = "force-dynamic";

/**
 * The flow summary (the Summary page's table): every processor, connection and process group
 * with state, 5-minute in/out, queued, tasks and bulletins (app/components/summary/rows.ts says
 * what each figure means). In cluster mode the figures are cluster totals. A flow that is not
 * deployed has every figure 0 and `deployed: false`.
 */
export function GET(req: Request, ctx: { params: Promise<{ id: string }> }) {
  return handle(req, async () => {
    const { id } = await params(ctx, z.object({ id: flowIdSchema }));
    const view = await getFlowView(id);
    if (!view) throw new ApiError(404, `no flow with id "${id}"`);
    if (!view.flow) throw new ApiError(422, "the stored snapshot is not a valid flow document", view.problems);
    await resumeFlow(id);
    const live = await liveStatus(id);
    const summary: FlowSummary = {
      flowId: id,
      name: view.name,
      deployed: live.deployed,
      cluster: clusterMode(),
      unavailable: (live.status?.unavailable ?? []).map((u) => u.node),
      at: live.at,
      rows: summaryRows(view.flow, live.status),
    };
    return json(summary);
  });
}
