import type { Metadata } from "next";
import { connection } from "next/server";
import { NoAccess } from "../components/auth/no-access";
import { pageUser } from "../components/auth/page-user";
import { can } from "../components/auth/permissions";
import { ClusterView } from "../components/cluster/cluster-view";
import { clusterMode } from "../lib/engine-client";
import { listFlows } from "../lib/flows";

export const metadata: Metadata = { title: "Cluster" };

/**
 * The cluster page (flows:read): each node's state, heartbeat, flows and revisions, queues, CPU
 * and heap, and the primary, refreshed every 2 s from GET /api/node. With cluster:manage it
 * offers Remove (a disconnected node), Decommission and Recommission. Without cluster mode it
 * says the designer runs one local node and shows that node.
 */
export default async function ClusterPage() {
  await connection();
  const user = await pageUser("/cluster");
  if (!can(user.permissions, "flows:read")) return <NoAccess what="the cluster page" permission="flows:read" />;
  const flows = Object.fromEntries((await listFlows()).map((f) => [f.id, f.name]));
  return (
    <div className="mx-auto w-full max-w-7xl px-6 py-8">
      <h1 className="text-2xl font-semibold tracking-tight">Cluster</h1>
      <ClusterView clustered={clusterMode()} canManage={can(user.permissions, "cluster:manage")} flowNames={flows} />
    </div>
  );
}
