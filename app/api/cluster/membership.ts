/**
 * The cluster membership actions behind POST /api/cluster/nodes/:id/{remove,decommission,
 * recommission} (permission cluster:manage, app/lib/auth/policy.ts).
 *
 * Contract:
 * - in cluster mode (SLUICE_REDIS_URL set) the action goes to the coordinator's ClusterApi
 *   (engine/cluster/coordinator.ts) and answers `{ ok: true, node, action }`; its errors map as
 *   every node error does (flow-service's nodeCall): an unknown node is 404, removing a
 *   connected node is 409 with the coordinator's message ("stop it first, or decommission it");
 * - without cluster mode it answers 409 `not-clustered`: the designer runs one local node;
 * - a done action is recorded in the audit trail (node-remove, node-decommission,
 *   node-recommission) with the node id.
 * Not a route file: the three route.ts files export what `membershipPost` builds.
 */
import { z } from "zod";
import { handle, json, params } from "../../lib/api";
import { audit } from "../../lib/audit";
import { clusterMode, SAFE_ID, type NodeApi } from "../../lib/engine-client";
import { ApiError, nodeCall } from "../../lib/flow-service";

/** The membership half of the coordinator's ClusterApi (engine/api/node-api.ts). */
interface Membership {
  removeNode(id: string): Promise<void>;
  decommission(id: string): Promise<void>;
  recommission(id: string): Promise<void>;
}

export type MembershipAction = "remove" | "decommission" | "recommission";

const METHOD: Record<MembershipAction, keyof Membership> = { remove: "removeNode", decommission: "decommission", recommission: "recommission" };
const AUDITED = { remove: "node-remove", decommission: "node-decommission", recommission: "node-recommission" } as const;

const paramsSchema = z.object({ id: z.string().regex(SAFE_ID, "not a node id") });

/** The node API as the coordinator's membership methods; only called in cluster mode. */
function membership(node: NodeApi): Membership {
  return node as NodeApi & Membership;
}

/** The POST handler of one membership action. */
export function membershipPost(action: MembershipAction) {
  return (req: Request, ctx: { params: Promise<{ id: string }> }) =>
    handle(req, async (who) => {
      const { id } = await params(ctx, paramsSchema);
      if (!clusterMode()) throw new ApiError(409, "Not in cluster mode: this designer runs one local node, which has no cluster members to manage.", [], "not-clustered");
      await nodeCall((n) => membership(n)[METHOD[action]](id));
      await audit(who, AUDITED[action], { details: { node: id } });
      return json({ ok: true, node: id, action });
    });
}
