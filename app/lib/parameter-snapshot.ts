/**
 * The snapshot a node runs, with parameters resolved (docs/parameters.md). A flow document in
 * the store keeps its `#{name}` references and its bindings (`parameterContext` on the flow and
 * on groups); before anything goes to the node (analyze, checkDeploy, deploy) flow-service turns
 * it into the node's snapshot here: every reference replaced by its parameter's value, sensitive
 * ones decrypted, as the node already gets sensitive property values.
 *
 * Why the designer resolves and not the node: the node's `apply` compares snapshots and
 * restarts only the processors whose properties changed, so a changed parameter reaches only
 * the components that use it, as a live edit, with no engine change.
 *
 * A reference that cannot be resolved (no context bound, no such parameter, no value yet, a
 * sensitive parameter in a property that is not sensitive) makes its processor invalid, naming
 * the parameter: the problem is added to the designer's analysis, and in the node's snapshot
 * the processor is stopped (its `#{name}` text is never run as if it were a value).
 *
 * Server-only (database, secret key).
 */
import { getDb } from "./db";
import { catalog, type FlowAnalysis, type FlowDocument, type FlowProblem } from "./engine-client";
import { decryptValue } from "../../prisma/secret-key.mjs";
import { secretKey } from "./secret-key";
import { sensitiveNamesOf } from "./secrets";
import { boundContextIds, resolveFlow, type ParameterScope, type ParameterValue } from "../../engine/api/parameters";

/**
 * The encryption context (additional authenticated data) of a sensitive parameter's value: the
 * same shape as secretContext() in prisma/secret-key.mjs, with the section "parameters", so a
 * value moved to another context or parameter does not decrypt. scripts/rekey.mjs builds it too.
 */
export function parameterSecretContext(contextId: string, name: string): string {
  return JSON.stringify(["parameters", contextId, name]);
}

/** A resolved snapshot and what could not be resolved. */
export interface ResolvedSnapshot {
  /** What the node gets: references resolved, no `parameterContexts`. */
  flow: FlowDocument;
  /** Every problem, with its path (`processors[2].properties.url`). */
  problems: FlowProblem[];
  /** Problems by processor id, property-relative (as FlowAnalysis files them). */
  byProcessor: Map<string, Array<{ property: string; message: string }>>;
}

/** The contexts `ids` as resolution scopes, sensitive values decrypted. Unknown ids are left out. */
export async function loadScopes(ids: readonly string[]): Promise<Map<string, ParameterScope>> {
  const out = new Map<string, ParameterScope>();
  if (ids.length === 0) return out;
  const rows = await getDb().parameterContext.findMany({ where: { id: { in: [...ids] } }, include: { parameters: true } });
  const key = rows.some((r) => r.parameters.some((p) => p.sensitive && p.value !== null)) ? secretKey().key : null;
  for (const r of rows) {
    const parameters = new Map<string, ParameterValue>();
    for (const p of r.parameters) {
      let value = p.value ?? undefined;
      if (value !== undefined && p.sensitive && key) {
        try {
          value = decryptValue(key, value, parameterSecretContext(r.id, p.name));
        } catch {
          // Another key or a moved value: treated as having no value (the page says so too).
          value = undefined;
        }
      }
      parameters.set(p.name, { name: p.name, value, sensitive: p.sensitive });
    }
    out.set(r.id, { contextName: r.name, parameters });
  }
  return out;
}

/**
 * `doc` as the node runs it (see the file comment): engine/api/parameters.ts's resolveFlow
 * against the contexts in the store. A flow without any `#{` needs no catalog.
 */
export async function resolveSnapshot(doc: FlowDocument): Promise<ResolvedSnapshot> {
  const scopes = await loadScopes(boundContextIds(doc));
  const references = [...doc.processors, ...doc.services].some((c) => Object.values(c.properties).some((v) => v.includes("#{")));
  const sensitive = references ? (await catalog()).sensitive : {};
  const r = resolveFlow(doc, scopes, (c) => sensitiveNamesOf(c, sensitive));
  const byProcessor = new Map<string, Array<{ property: string; message: string }>>();
  for (const x of r.problems) {
    if (x.processorId === undefined) continue;
    byProcessor.set(x.processorId, [...(byProcessor.get(x.processorId) ?? []), { property: x.property ?? "", message: x.message }]);
  }
  return { flow: r.flow, problems: r.problems.map(({ path, message }) => ({ path, message })), byProcessor };
}

/** `analysis` (the node's, of the resolved snapshot) with the parameter problems added. */
export function withParameterProblems(analysis: FlowAnalysis, resolved: ResolvedSnapshot): FlowAnalysis {
  if (resolved.problems.length === 0) return analysis;
  const processors = { ...analysis.processors };
  for (const [id, list] of resolved.byProcessor) {
    const cur = processors[id] ?? { problems: [], relationships: [] };
    processors[id] = { ...cur, problems: [...cur.problems, ...list] };
  }
  return { ...analysis, problems: [...analysis.problems, ...resolved.problems], processors };
}
