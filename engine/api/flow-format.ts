/**
 * The flow file format: a versioned, self-contained JSON snapshot of a flow.
 *
 * The same document is what `sluice run <flow.json>` reads, what the designer imports and
 * exports, and what a FlowRevision stores. Structural checks live here (zod); semantic checks
 * (unknown processor type, missing required property, bad Expression Language, unconnected
 * relationships) live in the engine's flow validator, which needs the processor registry.
 *
 * Version history:
 * - 1: processors, connections, optional process groups, controller services, canvas positions.
 *   Ids match SAFE_ID (engine/api/node-api.ts). Optional parameter contexts (`parameterContexts`)
 *   and their bindings (`parameterContext` on the flow and on groups); see docs/parameters.md.
 */
import { z } from "zod";
import { SAFE_ID } from "./node-api";
import { PARAMETER_NAME, PARAMETER_NAME_MESSAGE } from "./parameters";

/** The format version this build writes. Readers accept every version listed in the README. */
export const FLOW_FORMAT_VERSION = 1 as const;

/**
 * Every id (flow, processor, connection, group, service) may become a path segment (a flow's
 * data dir, a processor's state dir), so each matches the one safe pattern, SAFE_ID.
 */
const id = z
  .string()
  .min(1, "must not be empty")
  .regex(SAFE_ID, 'must be 1 to 128 letters, digits, "_" or "-", starting with a letter or digit (ids become file names)');
const position = z.object({ x: z.number().finite(), y: z.number().finite() });

/** How a processor is triggered. Durations use NiFi's text form: "1 sec", "500 ms", "5 min". */
export const schedulingSchema = z
  .object({
    /** "timer": every runSchedule (0 = as fast as work exists); "cron": on a CRON expression. @default "timer" */
    strategy: z.enum(["timer", "cron"]).default("timer"),
    /** @default "0 sec" */
    runSchedule: z.string().default("0 sec"),
    /** Six- or five-field CRON expression; required when strategy is "cron". */
    cron: z.string().optional(),
    /** How many triggers of this processor may be in flight at once. @default 1 */
    concurrentTasks: z.number().int().min(1).max(64).default(1),
    /**
     * Upper bound of FlowFiles one trigger takes; one session commit per trigger. 250 measured
     * faster than 1000 on linear-5 (fewer FlowFiles alive at once: less GC, better locality).
     * @default 250
     */
    batchSize: z.number().int().min(1).max(100_000).default(250),
    /** @default "30 sec" */
    penaltyDuration: z.string().default("30 sec"),
    /** @default "1 sec" */
    yieldDuration: z.string().default("1 sec"),
    /**
     * Where the processor runs in a cluster: on "all" nodes, or on the "primary" node only
     * (sources that must run once per cluster: ListFile on a shared mount, GenerateFlowFile
     * with a total count). A node outside a cluster is its own primary. Absent means "all".
     * @default "all"
     */
    executionNode: z.enum(["all", "primary"]).optional(),
  })
  .strict();

export const processorSchema = z
  .object({
    id,
    /** Display name; defaults to the type. */
    name: z.string().max(200).optional(),
    /** Processor type, PascalCase, as registered in processors/registry.ts. */
    type: z.string().min(1),
    /** Property values as text; Expression Language is allowed where a descriptor says so. */
    properties: z.record(z.string(), z.string()).default({}),
    /**
     * Names of dynamic properties whose values are secrets (an InvokeHTTP `Authorization`
     * header): masked in responses and exports and encrypted at rest, like sensitive declared
     * properties. @default []
     */
    sensitiveDynamicProperties: z.array(z.string().min(1)).optional(),
    scheduling: schedulingSchema.default(() => schedulingSchema.parse({})),
    /** Relationships whose FlowFiles are dropped (with a DROP event) instead of routed. */
    autoTerminate: z.array(z.string()).default([]),
    /** Desired run state when the flow starts. @default "running" */
    state: z.enum(["running", "stopped", "disabled"]).default("running"),
    position: position.optional(),
    /** Process group this processor belongs to; absent = the root group. */
    group: z.string().optional(),
    comments: z.string().max(10_000).optional(),
  })
  .strict();

export const connectionSchema = z
  .object({
    id,
    name: z.string().max(200).optional(),
    source: id,
    relationships: z.array(z.string().min(1)).min(1, "a connection carries at least one relationship"),
    destination: id,
    backPressure: z
      .object({
        /** @default 10000 */
        objectThreshold: z.number().int().min(1).default(10_000),
        /** @default "1 GB" */
        dataSizeThreshold: z.string().default("1 GB"),
      })
      .strict()
      .default({ objectThreshold: 10_000, dataSizeThreshold: "1 GB" }),
    /** Applied in order; the first that distinguishes two FlowFiles wins. Empty = FIFO. */
    prioritizers: z.array(z.enum(["FIFO", "OldestFirst", "NewestFirst", "PriorityAttribute"])).default([]),
    /** FlowFiles older than this (since entering the flow) are dropped with EXPIRE. "0 sec" = never. */
    expiration: z.string().default("0 sec"),
    /** Queued FlowFiles above this count are swapped to disk. @default 20000 */
    swapThreshold: z.number().int().min(100).default(20_000),
    /**
     * NiFi's load-balance strategy. "none" keeps the connection local to each node (its
     * FlowFiles wait on that node's disk). Any other strategy makes the connection *distributed*
     * in a cluster: its FlowFiles live in Redis, in batches any node running the destination
     * can take, so a node's death strands nothing. Without a cluster every connection is local.
     */
    loadBalance: z
      .object({
        strategy: z.enum(["none", "round-robin", "partition-by-attribute", "single-node"]).default("none"),
        /** The attribute whose value picks the partition ("partition-by-attribute" only). */
        partitionAttribute: z.string().min(1).max(200).optional(),
      })
      .strict()
      .refine((lb) => lb.strategy !== "partition-by-attribute" || lb.partitionAttribute !== undefined, {
        message: "partition-by-attribute needs a partitionAttribute",
        path: ["partitionAttribute"],
      })
      .optional(),
  })
  .strict();

export const groupSchema = z
  .object({
    id,
    name: z.string().max(200),
    parent: z.string().optional(),
    position: position.optional(),
    /** Id of the parameter context bound to this group; absent = the parent's (up to the flow's). */
    parameterContext: id.optional(),
  })
  .strict();

/**
 * A controller service: a named, reusable configuration that processors reference by id
 * (e.g. a Kafka connection: brokers, client id, SASL, SSL).
 */
export const serviceSchema = z
  .object({
    id,
    /** Service type, e.g. "KafkaConnection". */
    type: z.string().min(1),
    name: z.string().max(200).optional(),
    properties: z.record(z.string(), z.string()).default({}),
  })
  .strict();

/**
 * One parameter of a parameter context. A sensitive parameter's value is left out of exported
 * files: `value` absent means it must be entered after import (docs/parameters.md).
 */
export const parameterSchema = z
  .object({
    name: z.string().regex(PARAMETER_NAME, PARAMETER_NAME_MESSAGE),
    value: z.string().max(1_000_000).optional(),
    /** @default false */
    sensitive: z.boolean().optional(),
    description: z.string().max(10_000).optional(),
  })
  .strict();

/**
 * A named set of parameters that properties reference as `#{name}` (NiFi's parameter context).
 * In a flow file, the contexts the flow and its groups bind travel with it; the designer keeps
 * them in its store and leaves this field out of the flow it saves.
 */
export const parameterContextSchema = z
  .object({
    id,
    name: z.string().min(1).max(200),
    description: z.string().max(10_000).optional(),
    parameters: z.array(parameterSchema).default([]),
  })
  .strict()
  .superRefine((c, ctx) => {
    const seen = new Set<string>();
    c.parameters.forEach((p, i) => {
      if (seen.has(p.name)) ctx.addIssue({ code: "custom", path: ["parameters", i, "name"], message: `duplicate parameter name "${p.name}"` });
      seen.add(p.name);
    });
  });

export const flowSchema = z
  .object({
    sluice: z.literal(FLOW_FORMAT_VERSION, { message: `unsupported flow format version; expected ${FLOW_FORMAT_VERSION}` }),
    id,
    name: z.string().min(1).max(200),
    description: z.string().max(10_000).optional(),
    processors: z.array(processorSchema),
    connections: z.array(connectionSchema).default([]),
    groups: z.array(groupSchema).default([]),
    services: z.array(serviceSchema).default([]),
    /** Id of the parameter context bound to the flow (its root group). */
    parameterContext: id.optional(),
    /** The parameter contexts the flow binds, carried in flow files (exports). */
    parameterContexts: z.array(parameterContextSchema).optional(),
  })
  .strict();

export type FlowDocument = z.infer<typeof flowSchema>;
export type ProcessorConfig = z.infer<typeof processorSchema>;
export type ConnectionConfig = z.infer<typeof connectionSchema>;
export type SchedulingConfig = z.infer<typeof schedulingSchema>;
export type ServiceConfig = z.infer<typeof serviceSchema>;
export type ParameterContextConfig = z.infer<typeof parameterContextSchema>;

/** One problem found in a flow document, with a JSON path such as `processors[2].properties.Topic`. */
export interface FlowProblem {
  path: string;
  message: string;
}

/** Renders a zod issue path as `a[0].b`. */
export function formatPath(segments: ReadonlyArray<PropertyKey>): string {
  let out = "";
  for (const s of segments) {
    if (typeof s === "number") out += `[${s}]`;
    else out += out ? `.${String(s)}` : String(s);
  }
  return out || "(root)";
}

/**
 * Parses and structurally checks a flow document.
 * Returns the normalized flow (defaults filled) or every structural problem found.
 */
export function parseFlowDocument(input: unknown): { ok: true; flow: FlowDocument } | { ok: false; problems: FlowProblem[] } {
  const r = flowSchema.safeParse(input);
  if (!r.success) {
    return { ok: false, problems: r.error.issues.map((i) => ({ path: formatPath(i.path), message: i.message })) };
  }
  const problems = checkReferences(r.data);
  return problems.length ? { ok: false, problems } : { ok: true, flow: r.data };
}

/** Duplicate ids and references to processors, groups or services that do not exist. */
export function checkReferences(flow: FlowDocument): FlowProblem[] {
  const problems: FlowProblem[] = [];
  const seen = new Map<string, string>();
  flow.processors.forEach((p, i) => {
    if (seen.has(p.id)) problems.push({ path: `processors[${i}].id`, message: `duplicate id "${p.id}"` });
    seen.set(p.id, `processors[${i}]`);
  });
  const groupIds = new Set(flow.groups.map((g) => g.id));
  flow.processors.forEach((p, i) => {
    if (p.group !== undefined && !groupIds.has(p.group)) {
      problems.push({ path: `processors[${i}].group`, message: `unknown process group "${p.group}"` });
    }
  });
  const serviceIds = new Set<string>();
  flow.services.forEach((sv, i) => {
    if (serviceIds.has(sv.id)) problems.push({ path: `services[${i}].id`, message: `duplicate id "${sv.id}"` });
    serviceIds.add(sv.id);
  });
  const contextIds = new Set<string>();
  (flow.parameterContexts ?? []).forEach((c, i) => {
    if (contextIds.has(c.id)) problems.push({ path: `parameterContexts[${i}].id`, message: `duplicate id "${c.id}"` });
    contextIds.add(c.id);
  });
  // A flow file carries the contexts it binds; the designer's stored flows keep them apart.
  if (flow.parameterContexts) {
    const known = (ref: string | undefined, at: string) => {
      if (ref !== undefined && !contextIds.has(ref)) problems.push({ path: at, message: `no parameter context with id "${ref}" in parameterContexts` });
    };
    known(flow.parameterContext, "parameterContext");
    flow.groups.forEach((g, i) => known(g.parameterContext, `groups[${i}].parameterContext`));
  }
  const connIds = new Set<string>();
  flow.connections.forEach((c, i) => {
    if (connIds.has(c.id) || seen.has(c.id)) problems.push({ path: `connections[${i}].id`, message: `duplicate id "${c.id}"` });
    connIds.add(c.id);
    if (!seen.has(c.source)) problems.push({ path: `connections[${i}].source`, message: `no processor with id "${c.source}"` });
    if (!seen.has(c.destination)) {
      problems.push({ path: `connections[${i}].destination`, message: `no processor with id "${c.destination}"` });
    }
  });
  return problems;
}
