import { connection } from "next/server";
import { pageUser } from "./components/auth/page-user";
import { can } from "./components/auth/permissions";
import { FlowList } from "./components/flow-list";
import { listFlows } from "./lib/flows";
import { formatTime } from "./lib/format";

/** The flow list; creating, importing, renaming and deleting are offered with `flows:write` only. */
export default async function FlowListPage() {
  // Read the store per request: the list must never be frozen at build time.
  await connection();
  const user = await pageUser("/");
  const flows = await listFlows();
  return (
    <div className="mx-auto w-full max-w-7xl px-6 py-8">
      <FlowList
        canWrite={can(user.permissions, "flows:write")}
        flows={flows.map((f) => ({
          id: f.id,
          name: f.name,
          description: f.description,
          processorCount: f.processorCount,
          updatedAt: f.updatedAt.toISOString(),
          updatedLabel: formatTime(f.updatedAt),
        }))}
      />
    </div>
  );
}
