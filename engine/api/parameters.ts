/**
 * Parameter references, as in NiFi: a property value names a parameter of the parameter context
 * bound to its flow or process group as `#{name}`, and `##{` escapes a literal `#{`.
 *
 * Pure functions on plain data (no I/O, no secrets handling), used by the designer to build the
 * snapshot a node runs (every reference replaced by its value) and by the config panel to check
 * references as the user types.
 *
 * Escapes follow NiFi: in a run of `#` characters directly before `{name}`, every pair is one
 * literal `#`; an odd one left over makes `{name}` a reference. So `##{a}` is the text `#{a}`,
 * `###{a}` is `#` and the value of `a`. Text that is not `#{` + a valid name + `}` (an unclosed
 * brace, a character a name may not hold) is left as it is: it is not a reference.
 */

/** What a parameter name may hold (NiFi: letters, digits, space, `.`, `_`, `-`). */
export const PARAMETER_NAME = /^[A-Za-z0-9 ._-]{1,128}$/;
export const PARAMETER_NAME_MESSAGE = 'must be 1 to 128 letters, digits, spaces, ".", "_" or "-"';

/** One parameter as resolution sees it. `value` undefined: it has no value yet. */
export interface ParameterValue {
  name: string;
  value?: string;
  sensitive: boolean;
}

/** A parameter context as resolution sees it. */
export interface ParameterScope {
  /** The context's display name (for messages), or null when nothing is bound. */
  contextName: string | null;
  parameters: ReadonlyMap<string, ParameterValue>;
}

/** A reference that could not be resolved, or a sensitive value used where it may not be. */
export interface ParameterProblem {
  /** The property (name) whose value holds the reference. */
  property: string;
  /** The parameter referenced. */
  parameter: string;
  message: string;
}

// A run of `#` and `{name}`; the name's characters as PARAMETER_NAME, checked for length below.
const REFERENCE = /(#+)\{([A-Za-z0-9 ._-]+)\}/g;

/**
 * `value` with every reference replaced by `lookup(name)` (escapes unfolded). `lookup` returns
 * the text to put in, or undefined to leave the reference as written (`#{name}`).
 */
function substitute(value: string, lookup: (name: string) => string | undefined): string {
  if (!value.includes("#{")) return value;
  return value.replace(REFERENCE, (whole, hashes: string, name: string) => {
    if (name.length > 128) return whole;
    const literal = "#".repeat(Math.floor(hashes.length / 2));
    if (hashes.length % 2 === 0) return `${literal}{${name}}`;
    const v = lookup(name);
    return v === undefined ? `${literal}#{${name}}` : literal + v;
  });
}

/** The parameter names `value` references (escaped ones excluded), in order, without repeats. */
export function parameterReferences(value: string): string[] {
  const out = new Set<string>();
  substitute(value, (name) => {
    out.add(name);
    return undefined;
  });
  return [...out];
}

/** True when `value` references at least one parameter. */
export function hasParameterReference(value: string): boolean {
  return parameterReferences(value).length > 0;
}

/**
 * The properties with every reference resolved against `scope`, and a problem for each one that
 * cannot be: no context bound, no such parameter, a parameter without a value, or a sensitive
 * parameter in a property that is not sensitive (its value would be shown and logged). A
 * reference that has a problem is left as written. `sensitiveProperties`: the names of the
 * component's sensitive properties.
 */
export function resolveProperties(
  properties: Readonly<Record<string, string>>,
  scope: ParameterScope,
  sensitiveProperties: ReadonlySet<string> = new Set(),
): { properties: Record<string, string>; problems: ParameterProblem[] } {
  const problems: ParameterProblem[] = [];
  const out: Record<string, string> = {};
  for (const [property, value] of Object.entries(properties)) {
    const seen = new Set<string>();
    out[property] = substitute(value, (name) => {
      const problem = (message: string) => {
        if (!seen.has(name)) problems.push({ property, parameter: name, message });
        seen.add(name);
        return undefined;
      };
      if (scope.contextName === null) return problem(`${property} references parameter "${name}", but no parameter context is bound`);
      const p = scope.parameters.get(name);
      if (!p) return problem(`${property} references parameter "${name}", which is not in parameter context "${scope.contextName}"`);
      if (p.sensitive && !sensitiveProperties.has(property)) {
        return problem(`${property} references sensitive parameter "${name}"; a sensitive parameter can only be used in a sensitive property`);
      }
      if (p.value === undefined) return problem(`${property} references parameter "${name}", which has no value yet (enter it on the Parameter Contexts page)`);
      return p.value;
    });
  }
  return { properties: out, problems };
}

/** The flow document parts resolution reads (the flow format's, structurally). */
interface BindableFlow {
  parameterContext?: string;
  groups: ReadonlyArray<{ id: string; parent?: string; parameterContext?: string }>;
}

/**
 * The parameter context id that applies inside group `groupId` (undefined = the root): the
 * group's own binding, else its parent's, up to the flow's. Undefined when none is bound. A
 * parent cycle (an invalid document) stops the walk.
 */
export function boundContextId(flow: BindableFlow, groupId: string | undefined): string | undefined {
  const groups = new Map(flow.groups.map((g) => [g.id, g]));
  const seen = new Set<string>();
  let g = groupId === undefined ? undefined : groups.get(groupId);
  while (g && !seen.has(g.id)) {
    if (g.parameterContext) return g.parameterContext;
    seen.add(g.id);
    g = g.parent === undefined ? undefined : groups.get(g.parent);
  }
  return flow.parameterContext;
}

/** Every parameter context id a flow binds (on the flow and on its groups), without repeats. */
export function boundContextIds(flow: BindableFlow): string[] {
  const out = new Set<string>();
  if (flow.parameterContext) out.add(flow.parameterContext);
  for (const g of flow.groups) if (g.parameterContext) out.add(g.parameterContext);
  return [...out];
}

/** The flow document parts `resolveFlow` reads and rewrites (the flow format's, structurally). */
interface ResolvableFlow extends BindableFlow {
  processors: ReadonlyArray<{ id: string; type: string; group?: string; state?: string; properties: Record<string, string>; sensitiveDynamicProperties?: string[] }>;
  services: ReadonlyArray<{ id: string; type: string; properties: Record<string, string> }>;
  parameterContexts?: ReadonlyArray<{ id: string; name: string; parameters: ReadonlyArray<{ name: string; value?: string; sensitive?: boolean }> }>;
}

/** One reference that did not resolve, at its JSON path (`processors[2].properties.url`). */
export interface FlowParameterProblem {
  path: string;
  message: string;
  /** The processor it makes invalid (absent for a controller service or a binding). */
  processorId?: string;
  property?: string;
}

/**
 * `flow` with every reference of every processor and controller service resolved against the
 * context bound where it sits (`scopes` by context id; a processor by its group's binding, a
 * service by the flow's), and every reference that could not be. A processor with such a
 * problem comes back with state "stopped" when it was "running": it must not run with the text
 * `#{name}` as its value. `parameterContexts` is left out of the result. `sensitiveOf` names a
 * component's sensitive properties (declared by its type, plus its sensitive dynamic ones).
 */
export function resolveFlow<F extends ResolvableFlow>(
  flow: F,
  scopes: ReadonlyMap<string, ParameterScope>,
  sensitiveOf: (component: { type: string; sensitiveDynamicProperties?: string[] }) => readonly string[],
): { flow: Omit<F, "parameterContexts">; problems: FlowParameterProblem[] } {
  const { parameterContexts: _carried, ...rest } = flow;
  const problems: FlowParameterProblem[] = [];
  for (const id of boundContextIds(flow)) {
    if (scopes.has(id)) continue;
    const at = flow.parameterContext === id ? "parameterContext" : `groups[${flow.groups.findIndex((g) => g.parameterContext === id)}].parameterContext`;
    problems.push({ path: at, message: `no parameter context with id "${id}" (it was deleted, or the flow came from elsewhere)` });
  }
  const has = (props: Record<string, string>) => Object.values(props).some((v) => v.includes("#{"));
  if (!flow.processors.some((p) => has(p.properties)) && !flow.services.some((s) => has(s.properties))) return { flow: rest, problems };
  const none: ParameterScope = { contextName: null, parameters: new Map() };
  const scopeOf = (group: string | undefined) => {
    const id = boundContextId(flow, group);
    return (id !== undefined && scopes.get(id)) || none;
  };
  const processors = flow.processors.map((p, i) => {
    if (!has(p.properties)) return p;
    const r = resolveProperties(p.properties, scopeOf(p.group), new Set(sensitiveOf(p)));
    for (const x of r.problems) problems.push({ path: `processors[${i}].properties.${x.property}`, message: x.message, processorId: p.id, property: x.property });
    return { ...p, properties: r.properties, ...(r.problems.length && p.state === "running" ? { state: "stopped" } : {}) };
  });
  const services = flow.services.map((s, i) => {
    if (!has(s.properties)) return s;
    const r = resolveProperties(s.properties, scopeOf(undefined), new Set(sensitiveOf(s)));
    for (const x of r.problems) problems.push({ path: `services[${i}].properties.${x.property}`, message: x.message, property: x.property });
    return { ...s, properties: r.properties };
  });
  return { flow: { ...rest, processors, services } as Omit<F, "parameterContexts">, problems };
}

/**
 * The scopes a flow file carries (`parameterContexts`), by context id: what `sluice run` and
 * `sluice validate` resolve a file's references against. A sensitive parameter without a value
 * (an export) has none: a reference to it is a problem.
 */
export function flowFileScopes(flow: Pick<ResolvableFlow, "parameterContexts">): Map<string, ParameterScope> {
  const out = new Map<string, ParameterScope>();
  for (const c of flow.parameterContexts ?? []) {
    out.set(c.id, { contextName: c.name, parameters: new Map(c.parameters.map((p) => [p.name, { name: p.name, value: p.value, sensitive: p.sensitive ?? false }])) });
  }
  return out;
}
