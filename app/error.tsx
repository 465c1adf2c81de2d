"use client";
/**
 * Last line of defence for a page that fails to render: a readable message and a retry
 * instead of a blank screen. Route handlers answer their own errors (app/lib/api.ts).
 */
import Link from "next/link";

export default function ErrorPage({ error, reset }: { error: Error & { digest?: string }; reset: () => void }) {
  return (
    <div role="alert" className="mx-auto mt-16 w-full max-w-lg rounded-lg border border-red-200 bg-white p-8 shadow-sm">
      <p className="text-sm font-semibold text-red-700">Something went wrong</p>
      <h1 className="mt-2 text-xl font-semibold">This page could not be shown</h1>
      <p className="mt-2 text-sm break-words text-slate-600">{error.message || "An unexpected error occurred."}</p>
      <div className="mt-6 flex gap-2">
        <button type="button" onClick={reset} className="rounded-md bg-slate-900 px-4 py-2 text-sm font-medium text-white hover:bg-slate-700">
          Try again
        </button>
        <Link href="/" className="rounded-md border border-slate-300 px-4 py-2 text-sm hover:bg-slate-100">
          All flows
        </Link>
      </div>
    </div>
  );
}
