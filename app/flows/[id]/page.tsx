import type { Metadata } from "next";
import Link from "next/link";
import { notFound } from "next/navigation";
import { pageUser } from "../../components/auth/page-user";
import { Designer } from "../../components/designer/designer";
import { getDb } from "../../lib/db";
import { catalog, clusterMode } from "../../lib/engine-client";
import { ApiError, getEditorFlow } from "../../lib/flow-service";

interface Props {
  params: Promise<{ id: string }>;
}

/** The title is the flow's name, read alone: the page loads, checks and analyses the document itself. */
export async function generateMetadata({ params }: Props): Promise<Metadata> {
  const row = await getDb().flow.findUnique({ where: { id: (await params).id }, select: { name: true } });
  return { title: row ? row.name : "Flow not found" };
}

/**
 * The designer for one flow, showing what the signed-in user's permissions allow (see
 * Designer); a flow whose stored snapshot is damaged shows its problems instead.
 */
export default async function FlowPage({ params }: Props) {
  const { id } = await params;
  if (!/^[A-Za-z0-9_-]{1,64}$/.test(id)) notFound();
  const user = await pageUser(`/flows/${id}`);
  let flow;
  try {
    flow = await getEditorFlow(id);
  } catch (e) {
    if (e instanceof ApiError && e.status === 404) notFound();
    if (!(e instanceof ApiError)) throw e;
    return (
      <div className="mx-auto w-full max-w-7xl px-6 py-8">
        <Link href="/" className="text-sm text-sky-700 hover:underline">
          ← All flows
        </Link>
        <section role="alert" className="mt-4 rounded-lg border border-red-200 bg-red-50 p-5 text-sm text-red-800">
          <h2 className="font-semibold">This flow&apos;s snapshot is not a valid flow document</h2>
          <p className="mt-1">{e.message}</p>
          <ul className="mt-2 list-disc pl-5">
            {e.problems.map((p, i) => (
              <li key={i}>
                <code>{p.path}</code>: {p.message}
              </li>
            ))}
          </ul>
        </section>
      </div>
    );
  }
  const c = await catalog();
  return <Designer initial={flow} types={c.processors} elFunctions={c.elFunctions} sensitive={c.sensitive} permissions={user.permissions} clusterMode={clusterMode()} />;
}
