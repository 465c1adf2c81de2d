import type { Metadata } from "next";
import Link from "next/link";
import { notFound } from "next/navigation";
import { pageUser } from "../../../components/auth/page-user";
import { SummaryView } from "../../../components/summary/summary-view";
import { getFlowView } from "../../../lib/flows";

export const dynamic = "force-dynamic";

interface Props {
  params: Promise<{ id: string }>;
  searchParams: Promise<Record<string, string | string[] | undefined>>;
}

export async function generateMetadata({ params }: Props): Promise<Metadata> {
  const { id } = await params;
  const view = /^[A-Za-z0-9_-]{1,64}$/.test(id) ? await getFlowView(id) : null;
  return { title: view ? `Summary · ${view.name}` : "Flow not found" };
}

/**
 * NiFi's Summary for one flow: every processor, connection and group in one sortable,
 * filterable table, each linked to the canvas (`/flows/:id?select=<componentId>`).
 * `?sort=<column>&dir=asc|desc` and `?q=` set the initial order and filter.
 */
export default async function SummaryPage({ params, searchParams }: Props) {
  const { id } = await params;
  if (!/^[A-Za-z0-9_-]{1,64}$/.test(id)) notFound();
  const sp = await searchParams;
  const sort = typeof sp.sort === "string" ? sp.sort : "";
  const dir = sp.dir === "asc" ? "asc" : "desc";
  const q = typeof sp.q === "string" ? sp.q.slice(0, 200) : "";
  const query = new URLSearchParams();
  if (sort) query.set("sort", sort);
  if (sp.dir) query.set("dir", dir);
  if (q) query.set("q", q);
  await pageUser(`/flows/${id}/summary${query.size ? `?${query.toString()}` : ""}`);
  const view = await getFlowView(id);
  if (!view) notFound();
  return (
    <div className="mx-auto w-full max-w-7xl px-6 py-4">
      <div className="mb-3 flex items-center gap-3">
        <Link href={`/flows/${id}`} className="text-sm text-sky-700 hover:underline">
          ← Designer
        </Link>
        <h1 className="truncate text-base font-semibold">
          Summary <span className="font-normal text-slate-500">· {view.name}</span>
        </h1>
        <Link href={`/flows/${id}/provenance`} className="ml-auto text-sm text-sky-700 hover:underline">
          Provenance
        </Link>
      </div>
      <SummaryView flowId={id} initialSort={sort} initialDesc={dir === "desc"} initialFilter={q} />
    </div>
  );
}
