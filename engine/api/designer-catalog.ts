/**
 * What the designer needs to know about processors and flows, as plain JSON: the palette's
 * processor types with their property descriptors, the Expression Language function list, and
 * per-processor / per-connection validation of a flow being edited. Nothing here runs a flow.
 *
 * Why a separate module: processor definitions hold functions (parse, validate, onTrigger) and
 * cannot cross to the browser; this is their serializable face, derived from the same
 * descriptors, so the config form and the engine never disagree.
 */
import { Cron } from "croner";
import { FUNCTIONS, signature } from "../core/el";
import { parseDataSize, parseDuration } from "../core/units";
import { processorProblems, relationshipsOf, validateFlow } from "../runtime/validate-flow";
import { restrictionsOf, type RestrictionKind } from "../sdk/define";
import type { PropertyKind } from "../sdk/property";
import { defaultComposition } from "../runtime/composition-root";
import { schedulingSchema, type FlowProblem } from "./flow-format";

const registry = defaultComposition().registry;

export type { RestrictionKind };

/** One property descriptor, serializable. `expressionLanguage` is true when EL is evaluated. */
export interface PropertyInfo {
  name: string;
  kind: PropertyKind;
  displayName: string;
  description: string;
  required: boolean;
  defaultValue?: string;
  allowableValues?: Array<{ value: string; displayName?: string; description?: string }>;
  dependsOn?: { property: string; values?: string[] };
  expressionLanguage: boolean;
  sensitive: boolean;
}

/** A processor type as the palette and config panel see it. */
export interface ProcessorTypeInfo {
  type: string;
  summary: string;
  description?: string;
  tags: string[];
  input: "required" | "forbidden" | "allowed";
  properties: PropertyInfo[];
  /** Declared relationships; dynamic ones depend on the configuration (see analyzeFlow). */
  relationships: Array<{ name: string; description: string; autoTerminateByDefault: boolean }>;
  dynamicProperties?: { description: string; expressionLanguage: boolean; relationships: boolean };
  defaultSchedule?: { runSchedule?: string; batchSize?: number };
  /**
   * What the type can reach outside the flow (NiFi's restricted components); empty when it is
   * unrestricted. Adding, configuring or starting one needs `restricted:<kind>` for each kind.
   */
  restrictions: RestrictionKind[];
  /** Why the type is restricted; present exactly when `restrictions` is not empty. */
  restrictionExplanation?: string;
}

/** One Expression Language function for the EL hint. */
export interface ElFunctionInfo {
  name: string;
  signature: string;
  subject: "required" | "none";
  returns: string;
  summary: string;
}

/** Every registered processor type, sorted by type name. */
export function processorCatalog(): ProcessorTypeInfo[] {
  return registry
    .list()
    .map((d) => ({
      type: d.type,
      summary: d.summary,
      description: d.description,
      tags: [...(d.tags ?? [])],
      input: d.input,
      properties: Object.entries(d.properties).map(([name, p]) => ({
        name,
        kind: p.kind,
        displayName: p.displayName,
        description: p.description,
        required: p.required,
        defaultValue: p.defaultValue,
        allowableValues: p.allowableValues?.map((a) => ({ value: a.value, displayName: a.displayName, description: a.description })),
        dependsOn: p.dependsOn ? { property: p.dependsOn.property, values: p.dependsOn.values ? [...p.dependsOn.values] : undefined } : undefined,
        expressionLanguage: p.expressionLanguage !== "none",
        sensitive: p.sensitive,
      })),
      relationships: Object.entries(d.relationships).map(([name, r]) => ({
        name,
        description: r.description,
        autoTerminateByDefault: r.autoTerminateByDefault,
      })),
      dynamicProperties: d.dynamicProperties
        ? {
            description: d.dynamicProperties.description,
            expressionLanguage: d.dynamicProperties.expressionLanguage !== false,
            relationships: d.dynamicProperties.relationships !== undefined && d.dynamicProperties.relationships !== false,
          }
        : undefined,
      defaultSchedule: d.defaultSchedule ? { ...d.defaultSchedule } : undefined,
      restrictions: restrictionsOf(d),
      restrictionExplanation: d.restricted?.explanation,
    }))
    .sort((a, b) => a.type.localeCompare(b.type));
}

/** A processor of a flow whose type is restricted, with the kinds that need a permission. */
export interface RestrictedComponent {
  id: string;
  type: string;
  /** Never empty, in the order of RESTRICTION_KINDS. */
  kinds: RestrictionKind[];
}

/**
 * The restricted processors of a flow document, in document order. Pure: reads only `id` and
 * `type` of each processor; a type the registry does not know is left out (validation refuses
 * such a flow anyway).
 */
export function restrictedComponents(doc: { readonly processors: ReadonlyArray<{ readonly id: string; readonly type: string }> }): RestrictedComponent[] {
  const out: RestrictedComponent[] = [];
  for (const p of doc.processors) {
    const def = registry.get(p.type);
    const kinds = def ? restrictionsOf(def) : [];
    if (kinds.length > 0) out.push({ id: p.id, type: p.type, kinds });
  }
  return out;
}

/**
 * Names of sensitive properties by component type: processors and controller services. The app
 * masks these before anything leaves the server.
 */
export function sensitiveProperties(): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const d of registry.list()) out[d.type] = Object.entries(d.properties).filter(([, p]) => p.sensitive).map(([n]) => n);
  for (const s of defaultComposition().serviceTypes) out[s.type] = Object.entries(s.properties).filter(([, p]) => p.sensitive).map(([n]) => n);
  return out;
}

/** The Expression Language functions, sorted by name. */
export function elFunctions(): ElFunctionInfo[] {
  return [...FUNCTIONS.values()]
    .map((f) => ({ name: f.name, signature: signature(f), subject: f.subject, returns: f.returns, summary: f.summary }))
    .sort((a, b) => a.name.localeCompare(b.name));
}

/** A property-level or scheduling problem; `property` is a property name, "scheduling.<field>" or "". */
export interface ConfigProblem {
  property: string;
  message: string;
}

/**
 * Validates one processor's configuration as the config panel edits it: properties (descriptors,
 * custom validation, dynamic-property EL) and scheduling. Graph problems (unconnected
 * relationships) are not included; analyzeFlow reports those. Never throws on user input.
 */
export function validateProcessorConfig(input: {
  type: string;
  properties: Record<string, string>;
  scheduling?: unknown;
  autoTerminate?: string[];
}): { problems: ConfigProblem[]; relationships: string[] } {
  const def = registry.get(input.type);
  if (!def) return { problems: [{ property: "", message: `unknown processor type "${input.type}"` }], relationships: [] };
  const problems: ConfigProblem[] = [...processorProblems(def, input.properties)];
  const parsed = schedulingSchema.safeParse(input.scheduling ?? {});
  if (!parsed.success) {
    for (const i of parsed.error.issues) problems.push({ property: `scheduling.${i.path.map(String).join(".")}`, message: i.message });
  } else {
    const s = parsed.data;
    if (s.strategy === "cron") {
      if (!s.cron) problems.push({ property: "scheduling.cron", message: "a CRON expression is required for the CRON strategy" });
      else {
        try {
          new Cron(s.cron, { paused: true }).stop();
        } catch (e) {
          problems.push({ property: "scheduling.cron", message: (e as Error).message });
        }
      }
    } else {
      const m = durationProblem(s.runSchedule);
      if (m) problems.push({ property: "scheduling.runSchedule", message: m });
    }
    for (const key of ["penaltyDuration", "yieldDuration"] as const) {
      const m = durationProblem(s[key]);
      if (m) problems.push({ property: `scheduling.${key}`, message: m });
    }
  }
  const relationships = relationshipsOf(def, input.properties);
  for (const r of input.autoTerminate ?? []) {
    if (!relationships.includes(r)) problems.push({ property: "autoTerminate", message: `${def.type} has no relationship "${r}"` });
  }
  return { problems, relationships };
}

/** The message for text that is not a duration ("30 sec"), or null when it is one. */
export function durationProblem(text: string): string | null {
  try {
    parseDuration(text);
    return null;
  } catch (e) {
    return (e as Error).message;
  }
}

/** The message for text that is not a data size ("1 GB"), or null when it is one. */
export function dataSizeProblem(text: string): string | null {
  try {
    parseDataSize(text);
    return null;
  } catch (e) {
    return (e as Error).message;
  }
}

/** The designer's view of a flow's validity, keyed by component id. */
export interface FlowAnalysis {
  /** True when `Engine.open(doc, { lenient: true })` would accept the document. */
  deployable: boolean;
  /** Every problem, with its JSON path (as checkFlow reports them). */
  problems: FlowProblem[];
  /** Per processor: its problems (path relative to the processor) and its current relationships. */
  processors: Record<string, { problems: ConfigProblem[]; relationships: string[] }>;
  /** Per connection: its problems (path relative to the connection). */
  connections: Record<string, { problems: ConfigProblem[] }>;
}

/**
 * Validates a whole flow document and files each problem under the component it belongs to, so
 * the canvas can badge nodes and edges. Never throws on user input.
 */
export function analyzeFlow(input: unknown): FlowAnalysis {
  const r = validateFlow(input, registry);
  // Lenient, as the designer deploys: only problems outside single processors block a deploy.
  const deployable = r.ok || validateFlow(input, registry, { lenient: true }).ok;
  const out: FlowAnalysis = { deployable, problems: r.problems, processors: {}, connections: {} };
  const doc = input as { processors?: Array<{ id?: unknown; type?: unknown; properties?: unknown }>; connections?: Array<{ id?: unknown }> };
  const procs = Array.isArray(doc?.processors) ? doc.processors : [];
  const conns = Array.isArray(doc?.connections) ? doc.connections : [];
  procs.forEach((p) => {
    if (typeof p?.id !== "string") return;
    const def = typeof p.type === "string" ? registry.get(p.type) : undefined;
    const props = p.properties && typeof p.properties === "object" ? (p.properties as Record<string, string>) : {};
    let relationships: string[] = [];
    try {
      relationships = def ? relationshipsOf(def, props) : [];
    } catch {
      relationships = def ? Object.keys(def.relationships) : [];
    }
    out.processors[p.id] = { problems: [], relationships };
  });
  conns.forEach((c) => {
    if (typeof c?.id === "string") out.connections[c.id] = { problems: [] };
  });
  for (const pr of r.problems) {
    const m = /^(processors|connections)\[(\d+)\](?:\.(.*))?$/.exec(pr.path);
    if (!m) continue;
    const list = m[1] === "processors" ? procs : conns;
    const id = list[Number(m[2])]?.id;
    if (typeof id !== "string") continue;
    const rest = m[3] ?? "";
    const property = rest === "properties" ? "" : rest.startsWith("properties.") ? rest.slice("properties.".length) : rest;
    const entry = m[1] === "processors" ? out.processors[id] : out.connections[id];
    entry?.problems.push({ property, message: pr.message });
  }
  return out;
}
