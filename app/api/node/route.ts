import { handle, json } from "../../lib/api";
import { nodeInfo } from "../../lib/flow-service";

export const dynamic = "force-dynamic";

/** The local node: name, pid, data dir, deployed flows and event-loop busy time. */
export function GET(req: Request) {
  return handle(req, async () => json(await nodeInfo()));
}
