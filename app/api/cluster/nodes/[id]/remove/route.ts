import { membershipPost } from "../../../membership";

export const dynamic = "force-dynamic";

/** Remove cluster node :id (cluster:manage); see app/api/cluster/membership.ts. */
export const POST = membershipPost("remove");
