import Link from "next/link";
import { clusterMode } from "../../lib/engine-client";
import { can } from "../auth/permissions";

/** The header's "Cluster" link: shown in cluster mode (SLUICE_REDIS_URL set) to users with flows:read. */
export function ClusterNavLink({ permissions, className }: { permissions: readonly string[]; className: string }) {
  if (!clusterMode() || !can(permissions, "flows:read")) return null;
  return (
    <Link prefetch={false} href="/cluster" className={className}>
      Cluster
    </Link>
  );
}
