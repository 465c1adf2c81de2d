/**
 * Semantic validation of a flow document against the processor registry. Every problem is
 * reported with its JSON path, before anything runs.
 */
import { checkReferences, flowSchema, formatPath, type FlowDocument, type FlowProblem } from "../api/flow-format";
import type { AnyProcessorDefinition } from "../sdk/define";
import { fileRootsFromEnv, type FileRoots } from "../sdk/file-roots";
import type { ValidationContext } from "../sdk/types";
import { resolveConfig } from "../sdk/property";
import { compile } from "../core/el";
import { parseDataSize, parseDuration } from "../core/units";
import { Cron } from "croner";

/** Looks up processor definitions by type. */
export interface ProcessorRegistry {
  get(type: string): AnyProcessorDefinition | undefined;
  list(): readonly AnyProcessorDefinition[];
}

export class FlowValidationError extends Error {
  override name = "FlowValidationError";
  constructor(readonly problems: FlowProblem[]) {
    super(`flow is invalid:\n${problems.map((p) => `  ${p.path}: ${p.message}`).join("\n")}`);
  }
}

/** Names of dynamic properties that become relationships, given the raw config. */
export function dynamicRelationshipNames(def: AnyProcessorDefinition, raw: Readonly<Record<string, string>>): string[] {
  const spec = def.dynamicProperties;
  if (!spec?.relationships) return [];
  const on = typeof spec.relationships === "function" ? spec.relationships(raw) : true;
  if (!on) return [];
  return Object.keys(raw).filter((k) => !(k in def.properties));
}

/** Relationships a processor of this config has (declared + dynamic). */
export function relationshipsOf(def: AnyProcessorDefinition, properties: Readonly<Record<string, string>>): string[] {
  const declared = def.activeRelationships ? [...def.activeRelationships(properties)] : Object.keys(def.relationships);
  return [...declared, ...dynamicRelationshipNames(def, properties)];
}

/**
 * Validates a document (structure and semantics). Returns the normalized flow or every problem.
 * With `lenient`, problems that only make one processor invalid (properties, scheduling,
 * unconnected relationships) do not reject the flow; they come back in `invalid` by processor
 * id, so the designer can show the processor as invalid while the rest of the flow runs.
 * Literal paths are checked against `fileRoots` (default: SLUICE_FILE_ROOTS from the environment).
 */
export function validateFlow(
  input: unknown,
  registry: ProcessorRegistry,
  opts: { lenient?: boolean; fileRoots?: FileRoots } = {},
): { ok: true; flow: FlowDocument; problems: FlowProblem[]; invalid: Map<string, FlowProblem[]> } | { ok: false; problems: FlowProblem[] } {
  const invalid = new Map<string, FlowProblem[]>();
  const parsed = flowSchema.safeParse(input);
  if (!parsed.success) {
    return { ok: false, problems: parsed.error.issues.map((i) => ({ path: formatPath(i.path), message: i.message })) };
  }
  const flow = parsed.data;
  // Reference problems do not stop validation: every problem is reported at once.
  const problems: FlowProblem[] = checkReferences(flow);
  const byId = new Map(flow.processors.map((p, i) => [p.id, { p, i }]));
  const context: ValidationContext = { fileRoots: opts.fileRoots ?? fileRootsFromEnv() };
  const connected = new Map<string, Set<string>>();
  const hasIncoming = new Set<string>();

  flow.connections.forEach((c, ci) => {
    const src = byId.get(c.source);
    hasIncoming.add(c.destination);
    if (src) {
      const def = registry.get(src.p.type);
      const set = connected.get(c.source) ?? new Set<string>();
      connected.set(c.source, set);
      c.relationships.forEach((r, ri) => {
        set.add(r);
        if (def && !relationshipsOf(def, src.p.properties).includes(r)) {
          problems.push({ path: `connections[${ci}].relationships[${ri}]`, message: `${src.p.type} has no relationship "${r}"` });
        }
      });
    }
    const dst = byId.get(c.destination);
    if (dst) {
      const def = registry.get(dst.p.type);
      if (def?.input === "forbidden") {
        problems.push({ path: `connections[${ci}].destination`, message: `${dst.p.type} is a source and accepts no incoming connection` });
      }
    }
    try {
      parseDataSize(c.backPressure.dataSizeThreshold);
    } catch (e) {
      problems.push({ path: `connections[${ci}].backPressure.dataSizeThreshold`, message: (e as Error).message });
    }
    try {
      parseDuration(c.expiration);
    } catch (e) {
      problems.push({ path: `connections[${ci}].expiration`, message: (e as Error).message });
    }
  });

  flow.processors.forEach((p, i) => {
    const def = registry.get(p.type);
    if (!def) {
      problems.push({ path: `processors[${i}].type`, message: `unknown processor type "${p.type}"` });
      return;
    }
    const own: FlowProblem[] = [];
    for (const pr of processorProblems(def, p.properties, context)) {
      own.push({ path: `processors[${i}].properties${pr.property ? `.${pr.property}` : ""}`, message: pr.message });
    }
    const s = p.scheduling;
    try {
      if (s.strategy === "cron") {
        if (!s.cron) own.push({ path: `processors[${i}].scheduling.cron`, message: "required when strategy is cron" });
        else new Cron(s.cron, { paused: true }).stop();
      } else parseDuration(s.runSchedule);
    } catch (e) {
      own.push({ path: `processors[${i}].scheduling.${s.strategy === "cron" ? "cron" : "runSchedule"}`, message: (e as Error).message });
    }
    for (const key of ["penaltyDuration", "yieldDuration"] as const) {
      try {
        parseDuration(s[key]);
      } catch (e) {
        own.push({ path: `processors[${i}].scheduling.${key}`, message: (e as Error).message });
      }
    }
    const rels = relationshipsOf(def, p.properties);
    const conn = connected.get(p.id) ?? new Set<string>();
    for (const r of rels) {
      const auto = p.autoTerminate.includes(r) || def.relationships[r]?.autoTerminateByDefault === true;
      if (!conn.has(r) && !auto) {
        own.push({ path: `processors[${i}].relationships.${r}`, message: `relationship "${r}" is neither connected nor auto-terminated` });
      }
    }
    p.autoTerminate.forEach((r, k) => {
      if (!rels.includes(r)) own.push({ path: `processors[${i}].autoTerminate[${k}]`, message: `${p.type} has no relationship "${r}"` });
    });
    if (def.input === "required" && !hasIncoming.has(p.id)) {
      own.push({ path: `processors[${i}]`, message: `${p.name ?? p.type} requires an incoming connection` });
    }
    if (opts.lenient) {
      if (own.length) invalid.set(p.id, own);
    } else problems.push(...own);
  });
  return problems.length ? { ok: false, problems } : { ok: true, flow, problems, invalid };
}

/**
 * Property-level problems of one processor configuration (descriptors, custom validate, dynamic
 * EL). `context` defaults to the file roots of the environment.
 */
export function processorProblems(
  def: AnyProcessorDefinition,
  properties: Readonly<Record<string, string>>,
  context?: ValidationContext,
): Array<{ property: string; message: string }> {
  const out: Array<{ property: string; message: string }> = [];
  const { config, problems } = resolveConfig(def.properties, properties);
  out.push(...problems);
  if (problems.length === 0 && def.validate) out.push(...def.validate(config, properties, context ?? { fileRoots: fileRootsFromEnv() }));
  for (const [k, v] of Object.entries(properties)) {
    if (k in def.properties) continue;
    if (!def.dynamicProperties) {
      out.push({ property: k, message: `"${k}" is not a property of ${def.type}` });
      continue;
    }
    if (def.dynamicProperties.expressionLanguage !== false) {
      try {
        compile(v);
      } catch (e) {
        out.push({ property: k, message: `invalid Expression Language: ${(e as Error).message}` });
      }
    }
  }
  return out;
}
