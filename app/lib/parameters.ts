/**
 * Parameter contexts (docs/parameters.md): named sets of parameters in the flow store that flows
 * and process groups bind and properties reference as `#{name}`.
 *
 * Contract:
 * - a sensitive value is encrypted at rest (enc:v1, bound to its context and name) and is
 *   write-only: no answer, log or export holds it; a view says only whether it is set;
 * - a change saves the context, then brings every deployed flow that binds it to its newly
 *   resolved snapshot (flow-service's redeployFlow: a live edit of only the components whose
 *   resolved properties changed); a flow that cannot take it is reported, the change stays;
 * - a context cannot be deleted while a flow or a group binds it (409 naming them);
 * - ApiError for anything a user can cause (400 naming the field, 404, 409).
 *
 * flow-service imports this module for import and export, and this one flow-service for
 * ApiError and redeployFlow: both only at call time, so the import cycle is harmless.
 */
import { getDb } from "./db";
import type { Prisma } from "../../prisma/generated/client";
import type { FlowDocument } from "./engine-client";
import { ApiError, redeployFlow } from "./flow-service";
import { encryptValue } from "../../prisma/secret-key.mjs";
import { secretKey } from "./secret-key";
import { parameterSecretContext } from "./parameter-snapshot";
import { boundContextIds } from "../../engine/api/parameters";

/** A parameter as the API shows it: a sensitive one never with its value. */
export interface ParameterView {
  name: string;
  /** The value; always null for a sensitive parameter (see hasValue). */
  value: string | null;
  sensitive: boolean;
  /** False for a parameter without a value (a sensitive one imported without it). */
  hasValue: boolean;
  description: string | null;
}

/** A flow, or a group of it, that binds a context. */
export interface ContextBinding {
  flowId: string;
  flowName: string;
  /** Null: the flow itself (its root group); otherwise the group's id and name. */
  group: { id: string; name: string } | null;
}

/** A parameter context as the API shows it. */
export interface ContextView {
  id: string;
  name: string;
  description: string | null;
  updatedAt: string;
  parameters: ParameterView[];
  boundBy: ContextBinding[];
}

/**
 * One parameter as an editor sends it. `value`: a string sets it; null clears it; absent keeps
 * the stored value (how a sensitive value is left unchanged, since it is never sent back).
 */
export interface ParameterInput {
  name: string;
  value?: string | null;
  sensitive?: boolean;
  description?: string | null;
}

/** A context as an editor sends it; `parameters` replaces the whole set. */
export interface ContextInput {
  name: string;
  description?: string | null;
  parameters: ParameterInput[];
}

/** What a change did to the running flows that bind the context. */
export interface ContextChange {
  context: ContextView;
  /** Deployed flows brought to the new values (live edit). */
  redeployed: string[];
  /** Deployed flows that refused the change, with the reason. */
  failures: Array<{ flowId: string; message: string }>;
}

type ContextRow = { id: string; name: string; description: string | null; updatedAt: Date; parameters: Array<{ name: string; value: string | null; sensitive: boolean; description: string | null }> };

function view(row: ContextRow, boundBy: ContextBinding[]): ContextView {
  return {
    id: row.id,
    name: row.name,
    description: row.description,
    updatedAt: row.updatedAt.toISOString(),
    parameters: [...row.parameters]
      .sort((a, b) => a.name.localeCompare(b.name))
      .map((p) => ({ name: p.name, value: p.sensitive ? null : p.value, sensitive: p.sensitive, hasValue: p.value !== null, description: p.description })),
    boundBy,
  };
}

/** Every binding of every context, by context id, read from the stored flows (no decryption needed). */
async function bindings(): Promise<Map<string, ContextBinding[]>> {
  const out = new Map<string, ContextBinding[]>();
  const add = (contextId: string, b: ContextBinding) => out.set(contextId, [...(out.get(contextId) ?? []), b]);
  for (const f of await getDb().flow.findMany({ select: { id: true, name: true, snapshot: true } })) {
    let doc: { parameterContext?: unknown; groups?: Array<{ id?: unknown; name?: unknown; parameterContext?: unknown }> };
    try {
      doc = JSON.parse(f.snapshot) as typeof doc;
    } catch {
      continue;
    }
    if (typeof doc.parameterContext === "string") add(doc.parameterContext, { flowId: f.id, flowName: f.name, group: null });
    for (const g of Array.isArray(doc.groups) ? doc.groups : []) {
      if (typeof g?.parameterContext === "string") add(g.parameterContext, { flowId: f.id, flowName: f.name, group: { id: String(g.id), name: String(g.name ?? g.id) } });
    }
  }
  return out;
}

async function loadRow(id: string): Promise<ContextRow> {
  const row = await getDb().parameterContext.findUnique({ where: { id }, include: { parameters: true } });
  if (!row) throw new ApiError(404, `no parameter context with id "${id}"`);
  return row;
}

/** Every context, by name. */
export async function listContexts(): Promise<ContextView[]> {
  const rows = await getDb().parameterContext.findMany({ include: { parameters: true }, orderBy: { name: "asc" } });
  const bound = await bindings();
  return rows.map((r) => view(r, bound.get(r.id) ?? []));
}

/** One context. 404 when there is none. */
export async function getContext(id: string): Promise<ContextView> {
  return view(await loadRow(id), (await bindings()).get(id) ?? []);
}

async function nameTaken(name: string, except?: string): Promise<void> {
  const other = await getDb().parameterContext.findUnique({ where: { name }, select: { id: true } });
  if (other && other.id !== except) throw new ApiError(409, `name: a parameter context named "${name}" already exists`, [{ path: "name", message: "already exists" }], "name-taken");
}

/**
 * The rows to store for `input`, given the stored parameters (`before`, by name). Refuses a
 * repeated name and a sensitive parameter made plain (its secret would become visible).
 */
function rowsFor(contextId: string, input: ParameterInput[], before: ReadonlyMap<string, ContextRow["parameters"][number]>) {
  const seen = new Set<string>();
  let key: Buffer | null = null;
  return input.map((p, i) => {
    if (seen.has(p.name)) throw new ApiError(400, `parameters[${i}].name: "${p.name}" is used twice`, [{ path: `parameters[${i}].name`, message: "used twice" }]);
    seen.add(p.name);
    const old = before.get(p.name);
    const sensitive = p.sensitive ?? old?.sensitive ?? false;
    if (old?.sensitive && !sensitive) {
      throw new ApiError(400, `parameters[${i}].sensitive: "${p.name}" is sensitive and cannot be made plain (its value would be shown); remove it and add it again`, [
        { path: `parameters[${i}].sensitive`, message: "cannot be made plain" },
      ]);
    }
    let value: string | null;
    if (p.value === undefined) {
      // Kept. A plain value that becomes sensitive is encrypted below.
      value = old?.value ?? null;
      if (value !== null && sensitive && !old?.sensitive) {
        key ??= secretKey().key;
        value = encryptValue(key, value, parameterSecretContext(contextId, p.name));
      }
    } else if (p.value === null) value = null;
    else if (sensitive) {
      key ??= secretKey().key;
      value = encryptValue(key, p.value, parameterSecretContext(contextId, p.name));
    } else value = p.value;
    return { contextId, name: p.name, value, sensitive, description: p.description ?? null };
  });
}

/** Creates a context. 409 when the name is taken. */
export async function createContext(input: ContextInput): Promise<ContextView> {
  await nameTaken(input.name);
  const id = await getDb().$transaction((tx) => insertContext(tx, input));
  return getContext(id);
}

/**
 * Stores a new context and its parameters on `db` (a transaction: either both are stored or
 * neither is); returns the context's id. Refuses what `rowsFor` refuses.
 */
async function insertContext(db: Prisma.TransactionClient, input: ContextInput): Promise<string> {
  const row = await db.parameterContext.create({ data: { name: input.name, description: input.description ?? null } });
  await db.parameter.createMany({ data: rowsFor(row.id, input.parameters, new Map()) });
  return row.id;
}

/** Flows whose resolved snapshot may have changed with the context: those that bind it. */
async function redeployBound(contextId: string): Promise<Pick<ContextChange, "redeployed" | "failures">> {
  const flowIds = [...new Set(((await bindings()).get(contextId) ?? []).map((b) => b.flowId))];
  const redeployed: string[] = [];
  const failures: ContextChange["failures"] = [];
  for (const flowId of flowIds) {
    try {
      if (await redeployFlow(flowId)) redeployed.push(flowId);
    } catch (e) {
      failures.push({ flowId, message: e instanceof Error ? e.message.split("\n")[0]! : String(e) });
    }
  }
  return { redeployed, failures };
}

/**
 * Replaces a context's name, description and parameters (see ParameterInput for values), then
 * brings the deployed flows that bind it to the new values. 404, 409 (name taken), 400.
 */
export async function updateContext(id: string, input: ContextInput): Promise<ContextChange> {
  const row = await loadRow(id);
  await nameTaken(input.name, id);
  const rows = rowsFor(id, input.parameters, new Map(row.parameters.map((p) => [p.name, p])));
  const db = getDb();
  await db.$transaction([
    db.parameter.deleteMany({ where: { contextId: id } }),
    db.parameter.createMany({ data: rows }),
    db.parameterContext.update({ where: { id }, data: { name: input.name, description: input.description ?? null } }),
  ]);
  const deployments = await redeployBound(id);
  return { context: await getContext(id), ...deployments };
}

/** Deletes a context. 409 naming the flows and groups while any binds it. */
export async function deleteContext(id: string): Promise<{ name: string }> {
  const row = await loadRow(id);
  const bound = (await bindings()).get(id) ?? [];
  if (bound.length) {
    const names = bound.map((b) => (b.group ? `group "${b.group.name}" of flow "${b.flowName}"` : `flow "${b.flowName}"`));
    throw new ApiError(409, `Parameter context "${row.name}" is bound to ${names.join(", ")}; unbind it first`, [], "context-bound");
  }
  await getDb().parameterContext.delete({ where: { id } });
  return { name: row.name };
}

/**
 * The contexts `doc` binds, for its flow file: plain values included, sensitive values left
 * out (their parameters say `sensitive: true` with no value: to be entered after import).
 */
export async function exportedContexts(doc: FlowDocument): Promise<NonNullable<FlowDocument["parameterContexts"]>> {
  const ids = boundContextIds(doc);
  if (!ids.length) return [];
  const rows = await getDb().parameterContext.findMany({ where: { id: { in: ids } }, include: { parameters: true }, orderBy: { name: "asc" } });
  return rows.map((r) => ({
    id: r.id,
    name: r.name,
    ...(r.description ? { description: r.description } : {}),
    parameters: [...r.parameters]
      .sort((a, b) => a.name.localeCompare(b.name))
      .map((p) => ({
        name: p.name,
        ...(p.sensitive ? { sensitive: true } : p.value !== null ? { value: p.value } : {}),
        ...(p.description ? { description: p.description } : {}),
      })),
  }));
}

/** A value that is exactly one parameter reference: no secret, whatever property holds it. */
const ONLY_A_REFERENCE = /^#\{[A-Za-z0-9 ._-]{1,128}\}$/;

/**
 * `exported` (a document whose sensitive values were left out) with the sensitive properties of
 * `doc` whose value is exactly one reference (`#{db.password}`) put back, as NiFi exports them:
 * the reference is not a secret, the parameter's value is, and that stays out.
 */
export function withSensitiveReferences(exported: FlowDocument, doc: FlowDocument): FlowDocument {
  const restore = <T extends { id: string; properties: Record<string, string> }>(out: T[], src: T[]): T[] =>
    out.map((c) => {
      const from = src.find((x) => x.id === c.id);
      const refs = Object.entries(from?.properties ?? {}).filter(([k, v]) => c.properties[k] === undefined && ONLY_A_REFERENCE.test(v));
      return refs.length ? { ...c, properties: { ...c.properties, ...Object.fromEntries(refs) } } : c;
    });
  return { ...exported, processors: restore(exported.processors, doc.processors), services: restore(exported.services, doc.services) };
}

/**
 * An imported flow file's document with its `parameterContexts` taken into the store: a context
 * whose name exists already is used as it is (its parameters win, as in NiFi), any other is
 * created with the file's parameters (sensitive ones without a value: they must be entered on
 * the Parameter Contexts page). Bindings are rewritten to the store's ids; `parameterContexts`
 * is removed. On `db`: the caller's transaction, which also stores the flow, so that a flow
 * that cannot be stored leaves no context behind.
 */
export async function adoptImportedContexts(doc: FlowDocument, db: Prisma.TransactionClient): Promise<FlowDocument> {
  const carried = doc.parameterContexts ?? [];
  const { parameterContexts: _drop, ...rest } = doc;
  if (!carried.length) return rest;
  const ids = new Map<string, string>();
  for (const c of carried) {
    const existing = await db.parameterContext.findUnique({ where: { name: c.name }, select: { id: true } });
    if (existing) {
      ids.set(c.id, existing.id);
      continue;
    }
    const created = await insertContext(db, {
      name: c.name,
      description: c.description ?? null,
      // A sensitive value in a file is taken (a hand-written file may carry one); exports never do.
      parameters: c.parameters.map((p) => ({ name: p.name, value: p.value ?? null, sensitive: p.sensitive ?? false, description: p.description ?? null })),
    });
    ids.set(c.id, created);
  }
  const mapId = (ref: string | undefined) => (ref === undefined ? undefined : (ids.get(ref) ?? ref));
  return {
    ...rest,
    parameterContext: mapId(rest.parameterContext),
    groups: rest.groups.map((g) => (g.parameterContext === undefined ? g : { ...g, parameterContext: mapId(g.parameterContext) })),
  };
}
