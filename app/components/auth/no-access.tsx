import Link from "next/link";

/**
 * What a page shows a signed-in user who lacks the permission it needs: which permission, and
 * that an admin grants it. Names no data of the page.
 */
export function NoAccess({ what, permission }: { what: string; permission: string }) {
  return (
    <div role="alert" data-testid="no-access" className="mx-auto mt-16 w-full max-w-md rounded-lg border border-amber-200 bg-white p-8 text-center shadow-sm">
      <p className="text-sm font-semibold text-amber-700">Not allowed</p>
      <h1 className="mt-2 text-xl font-semibold">You cannot open {what}</h1>
      <p className="mt-2 text-sm text-slate-600">
        It needs the <code className="rounded bg-slate-100 px-1">{permission}</code> permission. An admin can give you a role that has it.
      </p>
      <Link href="/" className="mt-6 inline-block rounded-md bg-slate-900 px-4 py-2 text-sm font-medium text-white hover:bg-slate-700">
        Back to all flows
      </Link>
    </div>
  );
}
