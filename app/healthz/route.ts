export const dynamic = "force-dynamic";

/** Liveness: the server answers HTTP. No credential, no details. */
export function GET() {
  return new Response("ok\n", { status: 200, headers: { "content-type": "text/plain; charset=utf-8", "cache-control": "no-store" } });
}
