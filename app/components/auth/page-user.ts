/**
 * The signed-in user of a server page.
 *
 * Contract:
 * - `pageUser(path)` resolves to the user of the request's session, or redirects to
 *   `/login?next=<path>` when there is none; `path` is the page's own address, so the user comes
 *   back to it after signing in.
 * - `optionalUser()` resolves to the user or null (the header, /login).
 * - The session is looked up once per request however many components ask (React `cache`).
 * Server components only.
 */
import { redirect } from "next/navigation";
import { cache } from "react";
import { getCurrentUser } from "../../lib/auth/session";
import type { SessionUser } from "./permissions";

const currentUser = cache((): Promise<SessionUser | null> => getCurrentUser());

export async function pageUser(path: string): Promise<SessionUser> {
  const user = await currentUser();
  if (!user) redirect(`/login?next=${encodeURIComponent(path)}`);
  return user;
}

export function optionalUser(): Promise<SessionUser | null> {
  return currentUser();
}
