/**
 * Read access to stored flows for server components. Snapshots are parsed with the engine's
 * flow-format parser, so a damaged snapshot is reported as problems rather than crashing a page.
 */
import { getDb } from "./db";
import { parseFlowDocument, type FlowDocument, type FlowProblem } from "./engine-client";

/** One row of the flow list. `processorCount` is null when the snapshot does not parse. */
export interface FlowSummary {
  id: string;
  name: string;
  description: string | null;
  processorCount: number | null;
  updatedAt: Date;
}

/** A flow with its current snapshot parsed: either `flow` or `problems` is set. */
export interface FlowView {
  id: string;
  name: string;
  description: string | null;
  revision: number;
  updatedAt: Date;
  flow: FlowDocument | null;
  problems: FlowProblem[];
}

function parseSnapshot(snapshot: string): { flow: FlowDocument | null; problems: FlowProblem[] } {
  let json: unknown;
  try {
    json = JSON.parse(snapshot);
  } catch (err) {
    return { flow: null, problems: [{ path: "(root)", message: `snapshot is not JSON: ${(err as Error).message}` }] };
  }
  const r = parseFlowDocument(json);
  return r.ok ? { flow: r.flow, problems: [] } : { flow: null, problems: r.problems };
}

/** All flows, most recently updated first. */
export async function listFlows(): Promise<FlowSummary[]> {
  const rows = await getDb().flow.findMany({
    orderBy: { updatedAt: "desc" },
    select: { id: true, name: true, description: true, snapshot: true, updatedAt: true },
  });
  return rows.map((r) => {
    const { flow } = parseSnapshot(r.snapshot);
    return { id: r.id, name: r.name, description: r.description, processorCount: flow ? flow.processors.length : null, updatedAt: r.updatedAt };
  });
}

/** The flow with this id, or null when there is none. */
export async function getFlowView(id: string): Promise<FlowView | null> {
  const row = await getDb().flow.findUnique({ where: { id } });
  if (!row) return null;
  return { id: row.id, name: row.name, description: row.description, revision: row.revision, updatedAt: row.updatedAt, ...parseSnapshot(row.snapshot) };
}
