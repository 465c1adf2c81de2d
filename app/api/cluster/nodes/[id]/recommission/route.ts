import { membershipPost } from "../../../membership";

export const dynamic = "force-dynamic";

/** Recommission cluster node :id (cluster:manage); see app/api/cluster/membership.ts. */
export const POST = membershipPost("recommission");
