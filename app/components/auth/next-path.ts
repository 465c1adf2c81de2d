/**
 * Where to go after signing in. Contract: `safeNextPath(next)` is `next` when it is a path on
 * this server ("/flows/x?y=1"), and "/" for anything else (another origin, "//host", a
 * backslash, control characters, the login page itself), so `?next=` cannot send a user
 * elsewhere.
 */
export function safeNextPath(next: unknown): string {
  if (typeof next !== "string" || next.length > 2000) return "/";
  if (!next.startsWith("/") || next.startsWith("//") || next.includes("\\")) return "/";
  if ([...next].some((c) => c.charCodeAt(0) < 0x20 || c.charCodeAt(0) === 0x7f)) return "/";
  if (next === "/login" || next.startsWith("/login?") || next.startsWith("/login/")) return "/";
  return next;
}
