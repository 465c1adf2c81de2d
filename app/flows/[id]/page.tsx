import type { Metadata } from "next";
import Link from "next/link";
import { notFound } from "next/navigation";
import { FlowCanvas } from "../../components/flow-canvas";
import { toCanvas } from "../../lib/canvas-model";
import { getFlowView } from "../../lib/flows";
import { formatTime } from "../../lib/format";

interface Props {
  params: Promise<{ id: string }>;
}

export async function generateMetadata({ params }: Props): Promise<Metadata> {
  const view = await getFlowView((await params).id);
  return { title: view ? view.name : "Flow not found" };
}

export default async function FlowPage({ params }: Props) {
  const view = await getFlowView((await params).id);
  if (!view) notFound();
  const canvas = view.flow ? toCanvas(view.flow) : null;
  return (
    <div className="flex flex-1 flex-col">
      <div className="mb-4 flex items-start justify-between gap-6">
        <div className="min-w-0">
          <Link href="/" className="text-sm text-sky-700 hover:underline">
            ← All flows
          </Link>
          <h1 className="mt-1 text-2xl font-semibold tracking-tight">{view.name}</h1>
          {view.description ? <p className="mt-1 text-sm text-slate-600">{view.description}</p> : null}
        </div>
        <dl className="grid shrink-0 grid-cols-[auto_auto] gap-x-3 gap-y-0.5 text-sm">
          <dt className="text-slate-500">Revision</dt>
          <dd>{view.revision}</dd>
          <dt className="text-slate-500">Processors</dt>
          <dd>{view.flow ? view.flow.processors.length : "—"}</dd>
          <dt className="text-slate-500">Updated</dt>
          <dd>{formatTime(view.updatedAt)}</dd>
        </dl>
      </div>
      {canvas ? (
        <section
          aria-label="Flow canvas (read-only)"
          className="h-[calc(100vh-14rem)] min-h-[420px] overflow-hidden rounded-lg border border-slate-200 bg-white shadow-sm"
        >
          <FlowCanvas nodes={canvas.nodes} edges={canvas.edges} />
        </section>
      ) : (
        <section role="alert" className="rounded-lg border border-red-200 bg-red-50 p-5 text-sm text-red-800">
          <h2 className="font-semibold">This flow&apos;s snapshot is not a valid flow document</h2>
          <ul className="mt-2 list-disc pl-5">
            {view.problems.map((p, i) => (
              <li key={i}>
                <code>{p.path}</code>: {p.message}
              </li>
            ))}
          </ul>
        </section>
      )}
    </div>
  );
}
