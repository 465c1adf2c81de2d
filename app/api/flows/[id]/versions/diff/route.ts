import { z } from "zod";
import { flowIdSchema, handle, json, params, parseWith } from "../../../../../lib/api";
import { diffVersions } from "../../../../../lib/flow-service";

export const dynamic = "force-dynamic";

const versionRef = z.union([z.literal("current"), z.coerce.number().int().min(1)]);

/** `?from=<version|current>&to=<version|current>`: processors and connections added, removed, changed. */
export function GET(req: Request, ctx: { params: Promise<{ id: string }> }) {
  return handle(req, async () => {
    const { id } = await params(ctx, z.object({ id: flowIdSchema }));
    const sp = new URL(req.url).searchParams;
    const q = parseWith(z.object({ from: versionRef, to: versionRef }), { from: sp.get("from") ?? undefined, to: sp.get("to") ?? undefined }, "query");
    return json(await diffVersions(id, q.from, q.to));
  });
}
