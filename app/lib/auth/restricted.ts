/**
 * Restricted components (NiFi's @Restricted; docs/security.md): a processor type declares what
 * it can reach in the catalog's `restrictions` (read-files, write-files, delete-files, listen,
 * network). Adding such a processor, changing its type or configuration, or starting it needs
 * `restricted:<kind>` for each of its kinds. Removing, moving, renaming or stopping one needs
 * nothing extra.
 *
 * The checks run inside flow-service's per-flow lock (its `guard` argument), on the stored and
 * the incoming document with their secrets restored, so what is compared is what would be
 * written, and nothing can change in between.
 */
import { catalog, type FlowDocument, type FlowProblem, type ProcessorConfig } from "../engine-client";
import { ApiError, nodeCall } from "../flow-service";
import { RESTRICTIONS, restrictedPermission, type Restriction } from "./policy";
import type { Principal } from "./session";

/** Processor type → its restrictions (types without any are left out). */
export async function restrictionsByType(): Promise<Map<string, Restriction[]>> {
  const out = new Map<string, Restriction[]>();
  for (const p of (await catalog()).processors) {
    const declared: readonly string[] = p.restrictions ?? [];
    const kinds = RESTRICTIONS.filter((k) => declared.includes(k));
    if (kinds.length) out.set(p.type, kinds);
  }
  return out;
}

function sortedEntries(record: Record<string, string>): Array<[string, string]> {
  return Object.entries(record).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
}

/** Whether two versions of a processor reach the same things (type and property values). */
function sameReach(a: ProcessorConfig, b: ProcessorConfig): boolean {
  return (
    a.type === b.type &&
    JSON.stringify(sortedEntries(a.properties)) === JSON.stringify(sortedEntries(b.properties)) &&
    JSON.stringify([...(a.sensitiveDynamicProperties ?? [])].sort()) === JSON.stringify([...(b.sensitiveDynamicProperties ?? [])].sort())
  );
}

/** How a change touches a restricted processor. */
export type RestrictedUse = "added" | "changed" | "started";

/**
 * The restricted processors `after` adds, changes or starts compared with `before` (null: a new
 * flow). `deployed`: whether `before` is deployed on the node (then its processors in state
 * "running" run; otherwise none does). `starting`: the change deploys `after` (a start, or a
 * save of a deployed flow), so its processors in state "running" will run.
 */
export function restrictedUses(
  before: FlowDocument | null,
  after: FlowDocument,
  types: Map<string, Restriction[]>,
  opts: { deployed: boolean; starting: boolean },
): Array<{ index: number; processor: ProcessorConfig; kinds: Restriction[]; use: RestrictedUse }> {
  const old = new Map((before?.processors ?? []).map((p) => [p.id, p]));
  const out: Array<{ index: number; processor: ProcessorConfig; kinds: Restriction[]; use: RestrictedUse }> = [];
  after.processors.forEach((p, index) => {
    const kinds = types.get(p.type);
    if (!kinds) return;
    const prev = old.get(p.id);
    if (!prev) out.push({ index, processor: p, kinds, use: "added" });
    else if (!sameReach(prev, p)) out.push({ index, processor: p, kinds, use: "changed" });
    else if (opts.starting && p.state === "running" && !(opts.deployed && prev.state === "running")) out.push({ index, processor: p, kinds, use: "started" });
  });
  return out;
}

const VERB: Record<RestrictedUse, string> = { added: "adding", changed: "changing", started: "starting" };

/**
 * Whether flow `flowId` is deployed on the node, or will be by the change (flow-service resumes
 * a flow that has data on the node before it saves or starts it).
 */
async function isDeployed(flowId: string): Promise<boolean> {
  if ((await nodeCall((n) => n.deployments())).some((d) => d.flowId === flowId)) return true;
  return nodeCall((n) => n.hasData(flowId));
}

/**
 * A flow-service guard that refuses (403, code "forbidden", one problem per processor with its
 * path) a change that uses a restricted processor `who` may not use. `action`: "design" for
 * create/import/save/revert, "start" for the run route's start.
 */
export function restrictedGuard(who: Principal, action: "design" | "start", flowId?: string) {
  return async (before: FlowDocument | null, after: FlowDocument): Promise<void> => {
    const types = await restrictionsByType();
    if (!after.processors.some((p) => types.has(p.type))) return;
    const deployed = flowId ? await isDeployed(flowId) : false;
    // A save deploys only a flow that is deployed; a start always deploys.
    const starting = action === "start" || deployed;
    const problems: FlowProblem[] = [];
    for (const u of restrictedUses(before, after, types, { deployed, starting })) {
      const missing = u.kinds.filter((k) => !who.permissions.includes(restrictedPermission(k)));
      if (!missing.length) continue;
      const label = `${u.processor.name ?? u.processor.id} (${u.processor.type})`;
      problems.push({ path: `processors[${u.index}]`, message: `${VERB[u.use]} ${label} needs ${missing.map((k) => `restricted:${k}`).join(", ")}` });
    }
    if (problems.length) {
      throw new ApiError(403, `forbidden: this change uses restricted processors: ${problems.map((p) => p.message).join("; ")}`, problems, "forbidden");
    }
  };
}
