import type { Metadata } from "next";
import { pageUser } from "../components/auth/page-user";
import { PasswordForm } from "./password-form";

export const metadata: Metadata = { title: "Your account" };

/** The signed-in user's account: who they are, what their role allows, and a password change. */
export default async function AccountPage() {
  const user = await pageUser("/account");
  return (
    <div className="mx-auto w-full max-w-2xl px-6 py-8">
      <h1 className="text-2xl font-semibold tracking-tight">Your account</h1>
      <dl className="mt-4 grid grid-cols-[8rem_1fr] gap-y-1 text-sm">
        <dt className="text-slate-500">Username</dt>
        <dd className="font-medium" data-testid="account-username">
          {user.username}
        </dd>
        <dt className="text-slate-500">Role</dt>
        <dd data-testid="account-role">{user.role}</dd>
        <dt className="text-slate-500">Permissions</dt>
        <dd className="flex flex-wrap gap-1">
          {user.permissions.map((p) => (
            <code key={p} className="rounded bg-slate-100 px-1.5 py-0.5 text-xs">
              {p}
            </code>
          ))}
        </dd>
      </dl>
      <section aria-label="Change password" className="mt-8 rounded-lg border border-slate-200 bg-white p-5 shadow-sm">
        <h2 className="text-lg font-semibold">Change password</h2>
        {user.mustChangePassword ? (
          <p className="mt-1 text-sm text-amber-800">This account still has a generated or reset password (the first-start admin password, or one an admin set). Choose your own now.</p>
        ) : null}
        <PasswordForm />
      </section>
    </div>
  );
}
