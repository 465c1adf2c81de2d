import type { Metadata } from "next";
import { AuditView } from "../components/audit/audit-view";
import { NoAccess } from "../components/auth/no-access";
import { pageUser } from "../components/auth/page-user";
import { can } from "../components/auth/permissions";
import { listFlows } from "../lib/flows";

export const metadata: Metadata = { title: "Audit trail" };

interface Props {
  searchParams: Promise<Record<string, string | string[] | undefined>>;
}

const one = (v: string | string[] | undefined) => (typeof v === "string" ? v.slice(0, 200) : "");

/** The audit trail (audit:read): who changed, started, stopped, emptied or replayed what, and when. `?flowId=&user=&action=` prefill the search. */
export default async function AuditPage({ searchParams }: Props) {
  const sp = await searchParams;
  const query = new URLSearchParams(Object.entries(sp).flatMap(([k, v]) => (typeof v === "string" ? [[k, v]] : []))).toString();
  const user = await pageUser(`/audit${query ? `?${query}` : ""}`);
  if (!can(user.permissions, "audit:read")) return <NoAccess what="the audit trail" permission="audit:read" />;
  const flows = (await listFlows()).map((f) => ({ id: f.id, name: f.name }));
  const limit = Number(one(sp.limit));
  return (
    <div className="mx-auto w-full max-w-7xl px-6 py-8">
      <h1 className="text-2xl font-semibold tracking-tight">Audit trail</h1>
      <p className="mt-1 mb-4 text-sm text-slate-500">Who changed, started, stopped, emptied or replayed what, and when. Newest first.</p>
      <AuditView flows={flows} initial={{ flowId: one(sp.flowId), user: one(sp.user), action: one(sp.action), limit: [50, 100, 500].includes(limit) ? limit : 100 }} />
    </div>
  );
}
