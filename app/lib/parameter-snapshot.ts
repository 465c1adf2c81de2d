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
import { boundContextId, boundContextIds, resolveProperties, type ParameterScope, type ParameterValue } from "../../engine/api/parameters";

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

const NONE: ParameterScope = { contextName: null, parameters: new Map() };

function referencesSomething(doc: FlowDocument): boolean {
  const has = (props: Record<string, string>) => Object.values(props).some((v) => v.includes("#{"));
  return doc.processors.some((p) => has(p.properties)) || doc.services.some((s) => has(s.properties));
}

/**
 * `doc` as the node runs it (see the file comment). A flow without any `#{` is returned as is
 * (without `parameterContexts`), with no database access.
 */
export async function resolveSnapshot(doc: FlowDocument): Promise<ResolvedSnapshot> {
  const { parameterContexts: _carried, ...rest } = doc;
  const base: FlowDocument = rest;
  const byProcessor = new Map<string, Array<{ property: string; message: string }>>();
  const problems: FlowProblem[] = [];
  const ids = boundContextIds(doc);
  const scopes = await loadScopes(ids);
  ids.forEach((id) => {
    if (scopes.has(id)) return;
    const at = doc.parameterContext === id ? "parameterContext" : `groups[${doc.groups.findIndex((g) => g.parameterContext === id)}].parameterContext`;
    problems.push({ path: at, message: `no parameter context with id "${id}" (it was deleted, or the flow came from elsewhere)` });
  });
  if (!referencesSomething(doc)) return { flow: base, problems, byProcessor };
  const sensitive = (await catalog()).sensitive;
  const scopeOf = (group: string | undefined) => {
    const id = boundContextId(doc, group);
    return (id !== undefined && scopes.get(id)) || NONE;
  };
  const processors = doc.processors.map((p, i) => {
    const r = resolveProperties(p.properties, scopeOf(p.group), new Set(sensitiveNamesOf(p, sensitive)));
    if (r.problems.length === 0) return { ...p, properties: r.properties };
    byProcessor.set(p.id, r.problems.map((x) => ({ property: x.property, message: x.message })));
    for (const x of r.problems) problems.push({ path: `processors[${i}].properties.${x.property}`, message: x.message });
    return { ...p, properties: r.properties, state: p.state === "running" ? ("stopped" as const) : p.state };
  });
  const services = doc.services.map((s, i) => {
    const r = resolveProperties(s.properties, scopeOf(undefined), new Set(sensitiveNamesOf(s, sensitive)));
    for (const x of r.problems) problems.push({ path: `services[${i}].properties.${x.property}`, message: x.message });
    return { ...s, properties: r.properties };
  });
  return { flow: { ...base, processors, services }, problems, byProcessor };
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
