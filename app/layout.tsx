import type { Metadata } from "next";
import Link from "next/link";
import type { ReactNode } from "react";
import { LogoutButton } from "./components/auth/logout-button";
import { optionalUser } from "./components/auth/page-user";
import { can } from "./components/auth/permissions";
import { ClusterNavLink } from "./components/cluster/cluster-nav-link";
import { THEME_SCRIPT } from "./components/theme/theme";
import { ThemeToggle } from "./components/theme/theme-toggle";
import "./globals.css";

export const metadata: Metadata = {
  title: { default: "Sluice", template: "%s · Sluice" },
  description: "Design and run dataflows: processors, backpressured connections, provenance.",
};

/**
 * The frame of every page: the header with the navigation the signed-in user may use, who they
 * are and "Log out", and a reminder while the user's password is one they must change (the
 * generated first-start admin password, or one an admin reset).
 * Signed out (the login page), the header shows the name only. The light/dark switch is there
 * for everyone; the theme is set before the first paint by THEME_SCRIPT (which is why <html>'s
 * class may differ from the server's render: suppressHydrationWarning).
 */
export default async function RootLayout({ children }: { children: ReactNode }) {
  const user = await optionalUser();
  const link = "hover:text-white";
  return (
    <html lang="en" suppressHydrationWarning>
      <head>
        <script dangerouslySetInnerHTML={{ __html: THEME_SCRIPT }} />
      </head>
      <body className="flex min-h-screen flex-col bg-slate-50 text-slate-900 antialiased">
        {/* Header links do not prefetch: on a big flow's page the router work of prefetching six routes
            landed before the canvas was interactive (canvas-300); these pages load on click. */}
        <header className="theme-invariant border-b border-slate-800 bg-slate-900 text-white dark:border-slate-700">
          <div className="flex h-14 items-center gap-6 px-6">
            <Link prefetch={false} href="/" className="flex items-center gap-2 text-lg font-semibold tracking-tight">
              <span aria-hidden className="inline-block h-3 w-3 rounded-sm bg-sky-400" />
              Sluice
            </Link>
            {user ? (
              <>
                <nav className="flex gap-4 text-sm text-slate-300" aria-label="Main">
                  <Link prefetch={false} href="/" className={link}>
                    Flows
                  </Link>
                  <Link prefetch={false} href="/docs/processors" className={link}>
                    Processors
                  </Link>
                  {can(user.permissions, "audit:read") ? (
                    <Link prefetch={false} href="/audit" className={link}>
                      Audit trail
                    </Link>
                  ) : null}
                  <ClusterNavLink permissions={user.permissions} className={link} />
                  {can(user.permissions, "flows:read") ? (
                    <Link prefetch={false} href="/parameter-contexts" className={link}>
                      Parameters
                    </Link>
                  ) : null}
                  {can(user.permissions, "users:manage") || can(user.permissions, "tokens:manage") ? (
                    <Link prefetch={false} href="/admin/users" className={link}>
                      Users
                    </Link>
                  ) : null}
                </nav>
                <div className="ml-auto flex items-center gap-3 text-sm text-slate-300">
                  <Link prefetch={false} href="/account" className={link} data-testid="current-user" title="Your account and password">
                    {user.username} <span className="rounded bg-slate-700 px-1.5 py-0.5 text-xs text-slate-200">{user.role}</span>
                  </Link>
                  <LogoutButton />
                  <ThemeToggle />
                </div>
              </>
            ) : (
              <div className="ml-auto">
                <ThemeToggle />
              </div>
            )}
          </div>
        </header>
        {user?.mustChangePassword ? (
          <div role="status" data-testid="must-change-password" className="border-b border-amber-200 bg-amber-50 px-6 py-2 text-sm text-amber-900">
            You are signed in with a generated or reset password (such as the admin password printed at first start). Change it now on{" "}
            <Link href="/account" className="font-medium underline">
              your account page
            </Link>
            .
          </div>
        ) : null}
        <main className="flex w-full flex-1 flex-col">{children}</main>
      </body>
    </html>
  );
}
