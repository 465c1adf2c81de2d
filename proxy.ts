/**
 * Next.js proxy (Next 16's name for middleware): the Host check for every request, pages
 * included, so a DNS-rebinding page that reaches this server under a name of its own gets 421
 * and nothing else (docs/security.md). The API's other checks (origin, JSON, session, policy)
 * run in `handle()` (app/lib/api.ts), which checks the Host again.
 */
import { NextResponse, type NextRequest } from "next/server";
import { checkHost } from "./app/lib/auth/request-guard";

export function proxy(request: NextRequest): NextResponse {
  const refused = checkHost(request.headers);
  if (refused) return NextResponse.json({ error: refused.error, code: refused.code }, { status: refused.status });
  return NextResponse.next();
}

export const config = {
  // Everything but Next's own static build output.
  matcher: ["/((?!_next/static|_next/image|favicon.ico).*)"],
};
