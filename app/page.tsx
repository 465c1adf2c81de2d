import Link from "next/link";
import { connection } from "next/server";
import { listFlows } from "./lib/flows";
import { formatTime } from "./lib/format";

export default async function FlowListPage() {
  // Read the store per request: the list must never be frozen at build time.
  await connection();
  const flows = await listFlows();
  return (
    <div>
      <div className="mb-6 flex items-end justify-between">
        <div>
          <h1 className="text-2xl font-semibold tracking-tight">Flows</h1>
          <p className="mt-1 text-sm text-slate-500">
            {flows.length} {flows.length === 1 ? "flow" : "flows"} in the flow store
          </p>
        </div>
      </div>
      {flows.length === 0 ? (
        <div className="rounded-lg border border-dashed border-slate-300 bg-white p-10 text-center text-slate-500">
          No flows yet. Run <code className="rounded bg-slate-100 px-1">npm run setup</code> to add the example flow.
        </div>
      ) : (
        <ul className="divide-y divide-slate-200 overflow-hidden rounded-lg border border-slate-200 bg-white shadow-sm" aria-label="Flows">
          {flows.map((f) => (
            <li key={f.id}>
              <Link href={`/flows/${f.id}`} className="flex items-center gap-6 px-5 py-4 hover:bg-slate-50" data-testid="flow-link">
                <div className="min-w-0 flex-1">
                  <div className="font-medium text-sky-700">{f.name}</div>
                  {f.description ? <div className="mt-0.5 truncate text-sm text-slate-500">{f.description}</div> : null}
                </div>
                <div className="shrink-0 text-right text-sm text-slate-600">
                  {f.processorCount === null ? (
                    <span className="text-red-600">invalid snapshot</span>
                  ) : (
                    <span>
                      {f.processorCount} {f.processorCount === 1 ? "processor" : "processors"}
                    </span>
                  )}
                </div>
                <div className="w-48 shrink-0 text-right text-sm text-slate-500">
                  <time dateTime={f.updatedAt.toISOString()}>Updated {formatTime(f.updatedAt)}</time>
                </div>
              </Link>
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}
