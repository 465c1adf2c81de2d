import type { Metadata } from "next";
import { redirect } from "next/navigation";
import { safeNextPath } from "../components/auth/next-path";
import { optionalUser } from "../components/auth/page-user";
import { LoginForm } from "./login-form";

export const metadata: Metadata = { title: "Sign in" };

interface Props {
  searchParams: Promise<Record<string, string | string[] | undefined>>;
}

/** The sign-in page (public). A signed-in user goes straight on to `?next=` (a local path only). */
export default async function LoginPage({ searchParams }: Props) {
  const sp = await searchParams;
  const next = safeNextPath(sp.next);
  if (await optionalUser()) redirect(next);
  return (
    <div className="mx-auto mt-16 w-full max-w-sm px-4">
      <div className="rounded-lg border border-slate-200 bg-white p-8 shadow-sm">
        <h1 className="text-xl font-semibold">Sign in to Sluice</h1>
        <p className="mt-1 text-sm text-slate-500">
          On a new installation the user is <code className="rounded bg-slate-100 px-1">admin</code>; its password was printed once in the server&apos;s console and
          written to <code className="rounded bg-slate-100 px-1">initial-admin-password</code> in the data directory.
        </p>
        <LoginForm next={next} />
      </div>
    </div>
  );
}
