import type { Metadata } from "next";
import Link from "next/link";
import { notFound } from "next/navigation";
import { pageUser } from "../../../components/auth/page-user";
import { can } from "../../../components/auth/permissions";
import { ProvenanceView } from "../../../components/provenance/provenance-view";
import { getFlowView } from "../../../lib/flows";
import { PROVENANCE_EVENT_TYPES } from "../../../lib/provenance-service";

export const dynamic = "force-dynamic";

interface Props {
  params: Promise<{ id: string }>;
  searchParams: Promise<Record<string, string | string[] | undefined>>;
}

export async function generateMetadata({ params }: Props): Promise<Metadata> {
  const { id } = await params;
  const view = /^[A-Za-z0-9_-]{1,64}$/.test(id) ? await getFlowView(id) : null;
  return { title: view ? `Provenance · ${view.name}` : "Flow not found" };
}

/**
 * Provenance of one flow: search events, inspect one, its lineage, and (with `data:view`) its
 * content and replay. `?uuid=` and `?component=` (a processor id, as the designer's "View data
 * provenance" sends) prefill the search; an unknown component is ignored.
 */
export default async function ProvenancePage({ params, searchParams }: Props) {
  const { id } = await params;
  if (!/^[A-Za-z0-9_-]{1,64}$/.test(id)) notFound();
  const sp = await searchParams;
  const uuid = typeof sp.uuid === "string" ? sp.uuid.trim().slice(0, 100) : "";
  const wantedComponent = typeof sp.component === "string" ? sp.component.trim().slice(0, 200) : "";
  const query = new URLSearchParams();
  if (uuid) query.set("uuid", uuid);
  if (wantedComponent) query.set("component", wantedComponent);
  const user = await pageUser(`/flows/${id}/provenance${query.size ? `?${query.toString()}` : ""}`);
  const view = await getFlowView(id);
  if (!view) notFound();
  const processors = (view.flow?.processors ?? []).map((p) => ({ id: p.id, name: p.name ?? p.type, type: p.type })).sort((a, b) => a.name.localeCompare(b.name));
  const component = processors.some((p) => p.id === wantedComponent) ? wantedComponent : "";
  return (
    <div className="flex h-[calc(100vh-3.5rem)] min-h-[560px] flex-col">
      <div className="flex items-center gap-3 border-b border-slate-200 bg-white px-4 py-2">
        <Link href={`/flows/${id}`} className="text-sm text-sky-700 hover:underline">
          ← Designer
        </Link>
        <h1 className="truncate text-base font-semibold">
          Provenance <span className="font-normal text-slate-500">· {view.name}</span>
        </h1>
      </div>
      <ProvenanceView flowId={id} processors={processors} eventTypes={[...PROVENANCE_EVENT_TYPES]} initialUuid={uuid} initialComponent={component} canViewData={can(user.permissions, "data:view")} />
    </div>
  );
}
