/**
 * NiFi flow → Sluice flow document, as a pure function of the parsed NiFi JSON and the Sluice
 * processor catalog. Nothing is written anywhere: the caller saves the result (in one step) or
 * prints it.
 *
 * How NiFi's parts become Sluice's:
 * - processors: by the table in mapping.ts; a type with no counterpart becomes a *placeholder*
 *   of type `nifi:<NiFi class>` (unknown to the registry, so the flow's validation names it),
 *   disabled, with its NiFi properties and connections kept;
 * - process groups become Sluice groups (nesting kept). Sluice groups have no port components:
 *   a connection that enters or leaves a group is drawn on the group's edge. So NiFi's ports and
 *   funnels are *collapsed*: a path processor → port/funnel → … → processor becomes one Sluice
 *   connection from the first processor to the last, with the first hop's queue settings;
 * - a relationship whose only destinations lead nowhere in Sluice (a top-level output port, a
 *   remote process group) is auto-terminated, and the report says so;
 * - controller services referenced by imported processors are kept (mapped or placeholder);
 *   a reference to a service that is not in the file is an error;
 * - parameter references `#{name}` get the parameter's value written in (Sluice has no parameter
 *   contexts yet); a sensitive parameter's value is not in the export and must be entered;
 * - sensitive property values are never imported (NiFi leaves them out, or encrypts them in
 *   flow.json.gz): each one is listed in the report's `mustEnter`.
 */
import { FLOW_FORMAT_VERSION, formatPath, parseFlowDocument, type ConnectionConfig, type FlowDocument, type ProcessorConfig, type ServiceConfig } from "../../api/flow-format";
import { SAFE_ID } from "../../api/node-api";
import { PARAMETER_NAME } from "../../api/parameters";
import { parseDataSize, parseDuration } from "../../core/units";
import { LOAD_BALANCE, PRIORITIZERS, PROCESSOR_MAPPINGS, RUN_DURATION_BATCH_SIZE, SERVICE_MAPPINGS, type ComponentMapping, type FoldedService, type PropertyRule } from "./mapping";
import {
  nifiDataflowSchema,
  nifiDefinitionSchema,
  type NifiConnection,
  type NifiGroup,
  type NifiParameterContext,
  type NifiProcessor,
  type NifiService,
} from "./nifi-schema";
import { NifiImportError, readNifiFile } from "./read-file";
import type { ImportReport, ReportEntry } from "./report";

/** What the importer needs to know of a Sluice processor type (a subset of the designer catalog's ProcessorTypeInfo). */
export interface SluiceTypeInfo {
  type: string;
  properties: ReadonlyArray<{ name: string; sensitive: boolean }>;
  relationships: ReadonlyArray<{ name: string; autoTerminateByDefault: boolean }>;
  dynamicProperties?: { relationships: boolean };
}

export interface NifiImportOptions {
  /** Sluice's processor types (the designer catalog, or the registry's). */
  catalog: readonly SluiceTypeInfo[];
  /** Name of the Sluice flow; default: the NiFi group's name. */
  name?: string;
  /**
   * NiFi's parameter contexts: "contexts" (default) keeps them as the flow's `parameterContexts`
   * with the groups' bindings and the `#{name}` references (the designer, `sluice run` and
   * `sluice validate` resolve them); "inline" writes each referenced value into the property
   * instead, for a flow with no parameters at all.
   */
  parameters?: "contexts" | "inline";
}

export interface NifiImportResult {
  flow: FlowDocument;
  report: ImportReport;
}

/** Type prefix of placeholder processors and services: `nifi:org.apache.nifi.processors.standard.ExecuteSQL`. */
export const PLACEHOLDER_PREFIX = "nifi:";

/** True for a processor or service type that stands for a NiFi component Sluice lacks. */
export function isPlaceholderType(type: string): boolean {
  return type.startsWith(PLACEHOLDER_PREFIX);
}

/** Reads and converts a NiFi export (bytes of a .json or .json.gz, or JSON text). */
export function importNifiFile(input: Uint8Array | string, opts: NifiImportOptions & { fileName?: string }): NifiImportResult {
  const { json, gzip } = readNifiFile(input, opts.fileName);
  return convertNifiFlow(json, opts, gzip);
}

// ---------------------------------------------------------------------------------------------

type Format = ImportReport["source"]["format"];

/** A component a connection can start or end at. */
interface Node {
  kind: "processor" | "input-port" | "output-port" | "funnel" | "remote-input-port" | "remote-output-port";
  name: string;
  /** Sluice processor id (processors only). */
  sluiceId?: string;
  /** Depth of the owning group (0 = the exported group). */
  depth: number;
  groupName: string;
  path: string;
}

interface ServiceEntry {
  svc: NifiService;
  path: string;
  sluiceId: string;
  /** NiFi ids of the groups that may use it (its own group and the ones below). */
  groupPath: string[];
}

/** One NiFi processor on its way to a Sluice one. */
interface ProcessorWork {
  nifi: NifiProcessor;
  /** Where it is in the NiFi file. */
  path: string;
  /** The Sluice processor being built. */
  config: ProcessorConfig;
  /** Its row of the table and its Sluice type; both absent for a placeholder. */
  mapping?: ComponentMapping;
  info?: SluiceTypeInfo;
  /** What differs from NiFi, for the report. */
  changes: string[];
  /** NiFi ids of the groups from the exported one down to its own (controller service scope). */
  groupIds: string[];
}

const ID_BAD = /[^A-Za-z0-9_-]/g;

/** Hands out Sluice ids from NiFi ids: safe characters, unique within the flow. */
class IdPool {
  private readonly taken = new Set<string>();
  take(raw: string): string {
    let base = raw.replace(ID_BAD, "-").replace(/^[^A-Za-z0-9]+/, "").slice(0, 120) || "c";
    if (!SAFE_ID.test(base)) base = `c${base}`.slice(0, 120);
    let id = base;
    for (let n = 2; this.taken.has(id); n++) id = `${base}-${n}`;
    this.taken.add(id);
    return id;
  }
}

function slug(text: string): string {
  return (
    text
      .toLowerCase()
      .replace(/[^a-z0-9]+/g, "-")
      .replace(/^-+|-+$/g, "")
      .slice(0, 40) || "flow"
  );
}

function detect(json: unknown): { format: Format; root: unknown; prefix: string } {
  if (json === null || typeof json !== "object" || Array.isArray(json)) {
    throw new NifiImportError("not a NiFi flow", [{ path: "(root)", message: `expected a JSON object, found ${Array.isArray(json) ? "an array" : json === null ? "null" : typeof json}` }]);
  }
  const o = json as Record<string, unknown>;
  if (o.versionedFlowSnapshot && typeof o.versionedFlowSnapshot === "object") {
    const inner = detect(o.versionedFlowSnapshot);
    return { ...inner, prefix: `versionedFlowSnapshot${inner.prefix ? `.${inner.prefix}` : ""}` };
  }
  if ("flowContents" in o) return { format: "snapshotMetadata" in o ? "registry-snapshot" : "flow-definition", root: o, prefix: "" };
  if ("rootGroup" in o) return { format: "flow-json", root: o, prefix: "" };
  if ("processGroupFlow" in o) {
    throw new NifiImportError("not a NiFi flow definition", [
      { path: "processGroupFlow", message: 'this is a NiFi REST API answer (GET /flow/process-groups/...); export the group with "Download flow definition" instead' },
    ]);
  }
  if ("sluice" in o) {
    throw new NifiImportError("not a NiFi flow", [{ path: "sluice", message: 'this is a Sluice flow file; import it with "Import flow…" instead' }]);
  }
  const keys = Object.keys(o).slice(0, 6).join(", ");
  throw new NifiImportError("not a NiFi flow", [
    {
      path: "(root)",
      message: `expected "flowContents" (a flow definition or registry snapshot) or "rootGroup" (a flow.json.gz); found ${keys ? `keys ${keys}` : "an empty object"}`,
    },
  ]);
}

/** Rewrites a Quartz CRON expression (NiFi's) into the dialect Sluice's scheduler (croner) reads. */
export function quartzToCron(expr: string): { cron: string; changes: string[] } {
  const fields = expr.trim().split(/\s+/);
  const changes: string[] = [];
  if (fields.length === 7) {
    const year = fields.pop() as string;
    if (year !== "*" && year !== "?") changes.push(`the year field "${year}" is dropped (Sluice's CRON has no year)`);
  }
  if (fields.length !== 6) return { cron: expr, changes };
  const MAX = [59, 59, 23, 31, 12, 7];
  const out = fields.map((f, i) =>
    f
      .split(",")
      .map((tok) => {
        // Quartz counts days of the week 1-7 from Sunday; croner 0-6.
        let t = i === 5 ? tok.replace(/^(\d+)(?=$|[-/#L])/, (d) => String(Number(d) - 1)).replace(/-(\d+)/, (_m, d: string) => `-${Number(d) - 1}`) : tok;
        // croner refuses "a/step" (Quartz: from a, every step): write it as the range a-max/step.
        t = t.replace(/^(\d+)\/(\d+)$/, (_m, a: string, s: string) => `${a}-${i === 5 ? 6 : MAX[i]}/${s}`);
        return t;
      })
      .join(","),
  );
  const cron = out.join(" ");
  if (cron !== fields.join(" ")) changes.push(`CRON "${expr}" (Quartz) is written "${cron}" for Sluice's scheduler (same times)`);
  return { cron, changes };
}

const PARAM_REF = /(#+)\{([^}]*)\}/g;
/** A value that is one parameter reference and nothing else. */
const PURE_REFERENCE = /^#\{[^}]+\}$/;

/** Parameter names referenced by a value (`#{name}`, `#{'quoted name'}`); `##{` is an escaped `#{`. */
function unquoteParam(raw: string): string {
  const t = raw.trim();
  return t.length >= 2 && t.startsWith("'") && t.endsWith("'") ? t.slice(1, -1) : t;
}

function csvToRegex(list: string): string {
  const names = list
    .split(",")
    .map((s) => s.trim())
    .filter(Boolean);
  return names.length ? `^(${names.map((n) => n.replace(/[\\^$.*+?()[\]{}|]/g, "\\$&")).join("|")})$` : "";
}

const DEFAULT_OBJECT_THRESHOLD = 10_000;
const NO_LIMIT_OBJECTS = 2_147_483_647;
const NO_LIMIT_SIZE = "1024 TB";

/**
 * Converts a parsed NiFi export. Throws NifiImportError (with JSON paths) when the file is not
 * a NiFi flow, is malformed, or references a controller service that is not in it.
 */
export function convertNifiFlow(json: unknown, opts: NifiImportOptions, gzip = false): NifiImportResult {
  const detected = detect(json);
  const at = (p: string) => (detected.prefix ? `${detected.prefix}.${p}` : p);
  let rootGroup: NifiGroup;
  let rootPath: string;
  let contexts: NifiParameterContext[] = [];
  const topServices: Array<{ svc: NifiService; path: string }> = [];
  const external = new Map<string, string>();
  const extraUnsupported: ReportEntry[] = [];

  const parsed = detected.format === "flow-json" ? nifiDataflowSchema.safeParse(detected.root) : nifiDefinitionSchema.safeParse(detected.root);
  if (!parsed.success) {
    const problems = parsed.error.issues.slice(0, 20).map((i) => ({ path: at(formatPath(i.path)), message: i.message }));
    throw new NifiImportError(`the file looks like a NiFi ${detected.format} but is malformed`, problems);
  }
  if (detected.format === "flow-json") {
    const d = nifiDataflowSchema.parse(detected.root);
    rootGroup = d.rootGroup;
    rootPath = at("rootGroup");
    contexts = d.parameterContexts ?? [];
    (d.controllerServices ?? []).forEach((svc, i) => topServices.push({ svc, path: at(`controllerServices[${i}]`) }));
    (d.reportingTasks ?? []).forEach((t, i) =>
      extraUnsupported.push({ kind: "reporting-task", name: t.name ?? t.identifier ?? `#${i}`, nifiType: t.type, path: at(`reportingTasks[${i}]`), reason: "Sluice has no reporting tasks (its metrics are at /metrics)" }),
    );
  } else {
    const d = nifiDefinitionSchema.parse(detected.root);
    rootGroup = d.flowContents;
    rootPath = at("flowContents");
    contexts = Object.values(d.parameterContexts ?? {});
    for (const [id, e] of Object.entries(d.externalControllerServices ?? {})) external.set(id, e.name ?? id);
  }

  const catalog = new Map(opts.catalog.map((t) => [t.type, t]));
  const inlineParameters = opts.parameters === "inline";
  const ids = new IdPool();
  const report: ImportReport = {
    source: { format: detected.format, gzip, name: rootGroup.name ?? "NiFi flow" },
    mapped: [],
    changed: [],
    unsupported: [],
    mustEnter: [],
  };
  const errors: Array<{ path: string; message: string }> = [];

  // Parameter contexts by name, with inheritance resolved (own parameters first, then inherited in order).
  const contextByName = new Map(contexts.map((c) => [c.name, c]));
  const resolveParam = (ctxName: string, param: string, seen = new Set<string>()): { value?: string | null; sensitive: boolean; context: string } | undefined => {
    const ctx = contextByName.get(ctxName);
    if (!ctx || seen.has(ctxName)) return undefined;
    seen.add(ctxName);
    const own = (ctx.parameters ?? []).find((p) => p.name === param);
    if (own) return { value: own.value, sensitive: own.sensitive === true, context: ctx.name };
    for (const inh of ctx.inheritedParameterContexts ?? []) {
      const r = resolveParam(inh, param, seen);
      if (r) return r;
    }
    return undefined;
  };

  // ---- Walk the groups: nodes, services, processors, groups, labels, remote groups. ----
  const nodes = new Map<string, Node>();
  const connections: Array<{ c: NifiConnection; path: string }> = [];
  const services = new Map<string, ServiceEntry>();
  const processors: ProcessorWork[] = [];
  const groups: FlowDocument["groups"] = [];
  const groupEntries: ReportEntry[] = [];
  const variables: ReportEntry[] = [];
  const paramContextOf = new Map<string, string | undefined>();
  /** Sluice group id → the NiFi parameter context it binds. */
  const groupContext = new Map<string, string>();

  topServices.forEach(({ svc, path }) => services.set(svc.identifier, { svc, path, sluiceId: "", groupPath: [] }));

  const walk = (g: NifiGroup, path: string, depth: number, sluiceGroup: string | undefined, ancestors: string[]) => {
    const groupPath = [...ancestors, g.identifier];
    const groupName = g.name ?? g.identifier;
    paramContextOf.set(g.identifier, g.parameterContextName ?? undefined);
    for (const [k, v] of Object.entries(g.variables ?? {})) {
      variables.push({
        kind: "variable",
        name: k,
        path: `${path}.variables["${k}"]`,
        reason: `Sluice has no variable registry: \${${k}} now reads the FlowFile attribute "${k}" only (value in NiFi: "${v ?? ""}")`,
      });
    }
    (g.controllerServices ?? []).forEach((svc, i) => services.set(svc.identifier, { svc, path: `${path}.controllerServices[${i}]`, sluiceId: "", groupPath }));
    (g.processors ?? []).forEach((p, i) => {
      const ppath = `${path}.processors[${i}]`;
      const id = ids.take(p.identifier);
      nodes.set(p.identifier, { kind: "processor", name: p.name ?? p.type, sluiceId: id, depth, groupName, path: ppath });
      processors.push({ nifi: p, path: ppath, config: { id } as ProcessorConfig, changes: [], groupIds: groupPath });
      if (sluiceGroup) processors[processors.length - 1].config.group = sluiceGroup;
    });
    (g.inputPorts ?? []).forEach((p, i) => nodes.set(p.identifier, { kind: "input-port", name: p.name ?? "input port", depth, groupName, path: `${path}.inputPorts[${i}]` }));
    (g.outputPorts ?? []).forEach((p, i) => nodes.set(p.identifier, { kind: "output-port", name: p.name ?? "output port", depth, groupName, path: `${path}.outputPorts[${i}]` }));
    (g.funnels ?? []).forEach((f, i) => nodes.set(f.identifier, { kind: "funnel", name: "funnel", depth, groupName, path: `${path}.funnels[${i}]` }));
    (g.remoteProcessGroups ?? []).forEach((r, i) => {
      const rpath = `${path}.remoteProcessGroups[${i}]`;
      (r.inputPorts ?? []).forEach((p, k) => nodes.set(p.identifier, { kind: "remote-input-port", name: `${p.name ?? "port"} of ${r.name ?? "remote group"}`, depth, groupName, path: `${rpath}.inputPorts[${k}]` }));
      (r.outputPorts ?? []).forEach((p, k) => nodes.set(p.identifier, { kind: "remote-output-port", name: `${p.name ?? "port"} of ${r.name ?? "remote group"}`, depth, groupName, path: `${rpath}.outputPorts[${k}]` }));
      report.unsupported.push({
        kind: "remote-process-group",
        name: r.name ?? r.identifier,
        path: rpath,
        reason: `site-to-site is not available in Sluice (target ${r.targetUris ?? r.targetUri ?? "unknown"}); connections to and from its ports are dropped`,
      });
    });
    (g.labels ?? []).forEach((l, i) => {
      const text = (l.label ?? "").replace(/\s+/g, " ").trim();
      report.unsupported.push({ kind: "label", name: text.slice(0, 80) || "(empty label)", path: `${path}.labels[${i}]`, reason: `Sluice has no labels; its text: "${text.slice(0, 500)}"` });
    });
    (g.connections ?? []).forEach((c, i) => connections.push({ c, path: `${path}.connections[${i}]` }));
    (g.processGroups ?? []).forEach((child, i) => {
      const cpath = `${path}.processGroups[${i}]`;
      const gid = ids.take(child.identifier);
      if (child.parameterContextName) groupContext.set(gid, child.parameterContextName);
      groups.push({ id: gid, name: (child.name ?? gid).slice(0, 200), parent: sluiceGroup, position: child.position ? { x: child.position.x, y: child.position.y } : undefined });
      const changes: string[] = [];
      if (child.comments) changes.push("its comments are dropped (Sluice groups have no comments)");
      const entry: ReportEntry = { kind: "process-group", name: child.name ?? gid, id: gid, path: cpath };
      if (changes.length) groupEntries.push({ ...entry, changes });
      else report.mapped.push(entry);
      walk(child, cpath, depth + 1, gid, groupPath);
    });
  };
  walk(rootGroup, rootPath, 0, undefined, []);
  report.changed.push(...groupEntries);

  // Service ids are taken after processor and group ids so those keep their NiFi ids first.
  for (const s of services.values()) s.sluiceId = ids.take(s.svc.identifier);
  const usedServices = new Set<string>();

  /** Services whose settings went into a processor (`fromService`): reported as such, not imported. */
  const foldedServices = new Map<string, string[]>();
  /** Sets a processor property from a record reader/writer service's type, and its settings from the service's properties. */
  const foldService = (
    svc: ServiceEntry,
    rule: { to: string; fromService: Readonly<Record<string, FoldedService>> },
    name: string,
    out: Record<string, string>,
    changes: string[],
    user: string,
  ) => {
    const folded = rule.fromService[svc.svc.type];
    const svcName = svc.svc.name ?? svc.svc.type.split(".").pop() ?? svc.svc.identifier;
    if (!folded) {
      changes.push(`"${name}" uses ${svc.svc.type.split(".").pop()} "${svcName}", which Sluice cannot read or write: ${rule.to} is left unset`);
      return;
    }
    out[rule.to] = folded.value;
    const set = new Set<string>();
    for (const [k, v] of Object.entries(svc.svc.properties ?? {})) {
      const r = folded.properties?.[k];
      if (v === null || v === undefined || r === undefined) continue;
      if (typeof r === "string") out[r] = v;
      else {
        out[r.to] = r.values[v] ?? v;
        if (r.values[v] === undefined) changes.push(`${svcName}'s "${k}" = "${v}" has no Sluice counterpart in ${r.to}: kept as is`);
      }
      set.add(typeof r === "string" ? r : r.to);
    }
    for (const [k, v] of Object.entries(folded.defaults ?? {})) if (!set.has(k) && !(k in out)) out[k] = v;
    changes.push(`controller service "${svcName}" (${svc.svc.type.split(".").pop()}) becomes ${rule.to} = "${folded.value}" and its settings`);
    foldedServices.set(svc.svc.identifier, [...new Set([...(foldedServices.get(svc.svc.identifier) ?? []), user])]);
  };

  /** Converts one component's NiFi properties through a mapping (or verbatim for a placeholder). */
  const convertProperties = (
    comp: { name: string; path: string; properties?: Record<string, string | null>; propertyDescriptors?: NifiProcessor["propertyDescriptors"]; groupPath: string[] },
    mapping: ComponentMapping | undefined,
    info: { properties: ReadonlyArray<{ name: string; sensitive: boolean }>; dynamic: boolean } | undefined,
    sluicePath: string,
    changes: string[],
  ): { properties: Record<string, string>; sensitiveDynamic: string[] } => {
    const out: Record<string, string> = {};
    const sensitiveDynamic: string[] = [];
    const ctxName = paramContextOf.get(comp.groupPath[comp.groupPath.length - 1] ?? "");
    const inlined = new Set<string>();
    for (const [name, raw] of Object.entries(comp.properties ?? {})) {
      if (raw === null || raw === undefined) continue;
      const desc = comp.propertyDescriptors?.[name];
      const valuePath = `${comp.path}.properties["${name}"]`;
      // Where the value goes: a mapped property, a dynamic one, or nowhere.
      const rule: PropertyRule | undefined = mapping ? mapping.properties[name] : name;
      let target: string | undefined;
      if (!mapping) target = name;
      else if (rule === undefined) target = info?.dynamic ? name : undefined;
      else if (typeof rule === "string") target = rule;
      else if ("to" in rule) target = rule.to;
      // A sensitive property may hold a parameter reference, which is no secret: it is kept.
      const sensitive = desc?.sensitive === true || /^enc\{.*\}$/s.test(raw);
      if (sensitive && mapping && rule === undefined && target !== undefined) sensitiveDynamic.push(target);
      if (sensitive && !PURE_REFERENCE.test(raw)) {
        if (target !== undefined) {
          if (!mapping) out[target] = "";
          report.mustEnter.push({ component: comp.name, path: `${sluicePath}.properties.${target}`, nifiProperty: name });
        } else changes.push(`sensitive property "${name}" has no Sluice counterpart`);
        continue;
      }
      if (desc?.identifiesControllerService === true && raw !== "") {
        const svc = services.get(raw);
        if (!svc) {
          const ext = external.get(raw);
          errors.push({
            path: valuePath,
            message: ext
              ? `references controller service "${ext}" (${raw}), which is outside the exported group and not in the file; in NiFi, move the service into the exported group (or export its parent group) and export again`
              : `references controller service ${raw}, which is not in the file`,
          });
          continue;
        }
        if (svc.groupPath.length && !svc.groupPath.every((gid) => comp.groupPath.includes(gid))) {
          errors.push({ path: valuePath, message: `references controller service "${svc.svc.name ?? raw}" (${svc.path}), which belongs to another process group` });
          continue;
        }
        if (typeof rule === "object" && "fromService" in rule) {
          foldService(svc, rule, name, out, changes, comp.name);
          continue;
        }
        if (target === undefined || (typeof rule === "object" && "drop" in rule)) {
          changes.push(`property "${name}" (controller service "${svc.svc.name ?? raw}") is dropped: ${typeof rule === "object" && "drop" in rule ? rule.drop : "no Sluice counterpart"}`);
          continue;
        }
        usedServices.add(raw);
        out[target] = svc.sluiceId;
        continue;
      }
      // Parameters: kept as references (checked against the bound context), or written in.
      let value = raw;
      let needsEntry = false;
      if (raw.includes("#{") && inlineParameters) {
        value = raw.replace(PARAM_REF, (m, hashes: string, inner: string) => {
          if (hashes.length % 2 === 0) return `${"#".repeat(hashes.length / 2)}{${inner}}`;
          const lead = "#".repeat((hashes.length - 1) / 2);
          const pname = unquoteParam(inner);
          const r = ctxName ? resolveParam(ctxName, pname) : undefined;
          if (!r) {
            changes.push(`"${name}" references parameter #{${pname}}, which ${ctxName ? `context "${ctxName}" does not define` : "no parameter context of its group defines"}: left as text`);
            return m;
          }
          if (r.sensitive || r.value === undefined || r.value === null) {
            needsEntry = true;
            return m;
          }
          inlined.add(`#{${pname}} from "${r.context}"`);
          return lead + r.value;
        });
      } else if (raw.includes("#{")) {
        for (const m of raw.matchAll(PARAM_REF)) {
          const pname = unquoteParam(m[2] ?? "");
          if (m[1].length % 2 === 1 && !(ctxName && resolveParam(ctxName, pname))) {
            changes.push(`"${name}" references parameter #{${pname}}, which ${ctxName ? `context "${ctxName}" does not define` : "no parameter context of its group defines"}`);
          }
        }
      }
      if (needsEntry) {
        if (target !== undefined) {
          if (!mapping) out[target] = "";
          report.mustEnter.push({ component: comp.name, path: `${sluicePath}.properties.${target}`, nifiProperty: name });
        }
        changes.push(`"${name}" uses a sensitive parameter, whose value NiFi does not export: enter it`);
        continue;
      }
      if (!mapping) {
        out[name] = value;
        continue;
      }
      if (rule === undefined) {
        if (info?.dynamic) out[name] = value;
        else changes.push(`property "${name}" = "${value}" is dropped: ${mapping.sluiceType} has no such property`);
        continue;
      }
      if (typeof rule === "string") out[rule] = value;
      else if ("drop" in rule) {
        if (value !== "" && value !== rule.nifiDefault) changes.push(`property "${name}" = "${value}" is dropped: ${rule.drop}`);
      } else if ("fromService" in rule) {
        changes.push(`"${name}" = "${value}" is not a controller service id: ${rule.to} is left unset`);
      } else if (rule.convert === "csv-to-regex") {
        const re = csvToRegex(value);
        if (re) {
          out[rule.to] = re;
          changes.push(`"${name}" (a list) becomes the regular expression "${re}"`);
        }
      } else {
        if (rule.alsoSet && value !== "") {
          Object.assign(out, rule.alsoSet);
          changes.push(`"${name}" is set, so ${Object.entries(rule.alsoSet).map(([k, v]) => `${k} = "${v}"`).join(", ")}`);
        }
        const mapped = rule.values?.[value];
        if (rule.values && mapped === undefined && !value.includes("${") && !value.includes("#{")) changes.push(`"${name}" = "${value}" has no Sluice counterpart in ${rule.to}: kept as is (fix it in the designer)`);
        else if (mapped !== undefined && mapped !== value) changes.push(`"${name}" = "${value}" becomes ${rule.to} = "${mapped}"`);
        out[rule.to] = mapped ?? value;
      }
    }
    if (inlined.size) changes.push(`parameter${inlined.size === 1 ? "" : "s"} ${[...inlined].join(", ")} written into the properties`);
    // Drop values for properties the Sluice type does not know (the table names them all, but a catalog may be older).
    if (mapping && info) {
      const known = new Set(info.properties.map((p) => p.name));
      for (const k of Object.keys(out)) {
        if (!known.has(k) && !info.dynamic) {
          changes.push(`property "${k}" is dropped: this Sluice build's ${mapping.sluiceType} has no such property`);
          delete out[k];
        }
      }
    }
    return { properties: out, sensitiveDynamic };
  };

  // ---- Processors ----
  processors.forEach((w, index) => {
    const p = w.nifi;
    const mapping = PROCESSOR_MAPPINGS[p.type];
    const info = mapping ? catalog.get(mapping.sluiceType) : undefined;
    const supported = mapping !== undefined && info !== undefined;
    w.mapping = supported ? mapping : undefined;
    w.info = supported ? info : undefined;
    const name = (p.name ?? p.type.split(".").pop() ?? p.type).slice(0, 200);
    const sluicePath = `processors[${index}]`;
    const { properties, sensitiveDynamic } = convertProperties(
      { name, path: w.path, properties: p.properties, propertyDescriptors: p.propertyDescriptors, groupPath: w.groupIds },
      supported ? mapping : undefined,
      info ? { properties: info.properties, dynamic: info.dynamicProperties !== undefined } : undefined,
      sluicePath,
      w.changes,
    );
    if (supported && mapping.note) w.changes.push(mapping.note);
    const c = w.config;
    c.name = name;
    c.type = supported ? mapping.sluiceType : `${PLACEHOLDER_PREFIX}${p.type}`;
    c.properties = properties;
    if (sensitiveDynamic.length) c.sensitiveDynamicProperties = sensitiveDynamic;
    if (p.position) c.position = { x: p.position.x, y: p.position.y };
    const comments = p.comments?.trim();
    if (supported) {
      if (comments) c.comments = comments.slice(0, 10_000);
    } else {
      const bundle = (p as { bundle?: { artifact?: string; version?: string } }).bundle;
      const head = `Placeholder for NiFi's ${p.type}${bundle?.artifact ? ` (${bundle.artifact} ${bundle.version ?? ""})`.trimEnd() : ""}: Sluice has no such processor${mapping ? " in this build" : ""}. Its NiFi properties and connections are kept; replace it with a Sluice processor.`;
      c.comments = (comments ? `${head}\n\n${comments}` : head).slice(0, 10_000);
    }
    // Scheduling.
    const strategy = p.schedulingStrategy ?? "TIMER_DRIVEN";
    const scheduling: ProcessorConfig["scheduling"] = {
      strategy: "timer",
      runSchedule: "0 sec",
      concurrentTasks: 1,
      batchSize: 250,
      penaltyDuration: p.penaltyDuration ?? "30 sec",
      yieldDuration: p.yieldDuration ?? "1 sec",
    };
    if (strategy === "CRON_DRIVEN") {
      const q = quartzToCron(p.schedulingPeriod ?? "");
      scheduling.strategy = "cron";
      scheduling.cron = q.cron;
      w.changes.push(...q.changes);
    } else {
      scheduling.runSchedule = p.schedulingPeriod ?? "0 sec";
      if (strategy === "EVENT_DRIVEN") w.changes.push("event-driven scheduling becomes timer-driven at 0 sec (Sluice triggers a processor as soon as work is queued)");
      else if (strategy === "PRIMARY_NODE_ONLY") scheduling.executionNode = "primary";
      else if (strategy !== "TIMER_DRIVEN") w.changes.push(`scheduling strategy ${strategy} becomes timer-driven`);
    }
    if (p.executionNode === "PRIMARY") scheduling.executionNode = "primary";
    const tasks = p.concurrentlySchedulableTaskCount ?? 1;
    scheduling.concurrentTasks = Math.min(64, Math.max(1, Math.floor(tasks)));
    if (scheduling.concurrentTasks !== tasks) w.changes.push(`${tasks} concurrent tasks become ${scheduling.concurrentTasks} (Sluice allows 1 to 64)`);
    if ((p.runDurationMillis ?? 0) > 0) {
      scheduling.batchSize = RUN_DURATION_BATCH_SIZE;
      w.changes.push(`run duration ${p.runDurationMillis} ms becomes batch size ${RUN_DURATION_BATCH_SIZE} (Sluice bounds a trigger by FlowFile count, not time)`);
    }
    for (const key of ["runSchedule", "penaltyDuration", "yieldDuration"] as const) {
      if (key === "runSchedule" && scheduling.strategy === "cron") continue;
      try {
        parseDuration(scheduling[key]);
      } catch (e) {
        w.changes.push(`${key} "${scheduling[key]}" is not a duration Sluice reads: ${(e as Error).message}`);
      }
    }
    c.scheduling = scheduling;
    c.state = p.scheduledState === "DISABLED" || !supported ? "disabled" : "running";
    const auto = new Set<string>();
    for (const r of p.autoTerminatedRelationships ?? []) {
      const m = mapRelationship(w, r);
      if (m === null) continue;
      if (supported && info && !relationshipAllowed(info, c, m)) {
        w.changes.push(`auto-terminated relationship "${r}" does not exist in Sluice's ${c.type}`);
        continue;
      }
      auto.add(m);
    }
    c.autoTerminate = [...auto];
  });

  function mapRelationship(w: ProcessorWork, r: string): string | null {
    if (!w.mapping) return r;
    const m = w.mapping.relationships?.[r];
    if (m === null) {
      w.changes.push(`relationship "${r}" does not exist in Sluice: its connections are dropped`);
      return null;
    }
    return m ?? r;
  }

  if (errors.length) throw new NifiImportError("the NiFi flow references controller services that are not in the file", errors);

  // ---- Connections: collapse ports and funnels. ----
  const outgoing = new Map<string, Array<{ c: NifiConnection; path: string }>>();
  for (const e of connections) {
    const list = outgoing.get(e.c.source.id) ?? [];
    list.push(e);
    outgoing.set(e.c.source.id, list);
  }
  for (const { c, path } of connections) {
    for (const [end, ref] of [["source", c.source], ["destination", c.destination]] as const) {
      if (!nodes.has(ref.id)) errors.push({ path: `${path}.${end}.id`, message: `no component with id ${ref.id} (${ref.type}${ref.name ? ` "${ref.name}"` : ""}) in the file` });
    }
  }
  if (errors.length) throw new NifiImportError("the NiFi flow references components that are not in the file", errors);

  const byNifiId = new Map(processors.map((w) => [w.nifi.identifier, w]));
  const sluiceConnections: ConnectionConfig[] = [];
  const connectionEntries: ReportEntry[] = [];
  const passThroughUse = new Map<string, Set<string>>();
  const deadEnds = new Map<string, Map<string, string[]>>(); // processor → relationship → dead-end names

  type Hop = { c: NifiConnection; path: string };
  const resolve = (hop: Hop, seen: Set<string>): Array<{ dest: string; via: Hop[] }> | { dead: string } => {
    const dst = nodes.get(hop.c.destination.id) as Node;
    if (dst.kind === "processor") return [{ dest: hop.c.destination.id, via: [hop] }];
    if (dst.kind === "remote-input-port") return { dead: `remote port ${dst.name}` };
    const nexts = outgoing.get(hop.c.destination.id) ?? [];
    const results: Array<{ dest: string; via: Hop[] }> = [];
    const deadNames: string[] = [];
    for (const n of nexts) {
      if (seen.has(n.c.identifier)) continue;
      const r = resolve(n, new Set([...seen, n.c.identifier]));
      if (Array.isArray(r)) results.push(...r.map((x) => ({ dest: x.dest, via: [hop, ...x.via] })));
      else deadNames.push(r.dead);
    }
    if (!results.length) return { dead: nexts.length ? deadNames.join(", ") : `${dst.kind.replace("-", " ")} "${dst.name}"${dst.kind === "output-port" && dst.depth === 0 ? " (nothing reads it in Sluice)" : ""}` };
    return results;
  };

  for (const hop of connections) {
    const { c, path } = hop;
    const src = nodes.get(c.source.id) as Node;
    if (src.kind === "remote-output-port") continue; // reported with its remote process group
    if (src.kind !== "processor") continue; // reached from the processor that feeds it
    const w = byNifiId.get(c.source.id) as ProcessorWork;
    const rels = [...new Set((c.selectedRelationships ?? []).map((r) => mapRelationship(w, r)).filter((r): r is string => r !== null))];
    const allowed = rels.filter((r) => !w.info || relationshipAllowed(w.info, w.config, r));
    for (const r of rels) if (!allowed.includes(r)) w.changes.push(`relationship "${r}" does not exist in Sluice's ${w.config.type}: dropped from connection ${c.identifier}`);
    if (!allowed.length) continue;
    const r = resolve(hop, new Set([c.identifier]));
    if (!Array.isArray(r)) {
      for (const rel of allowed) {
        const m = deadEnds.get(w.config.id) ?? new Map<string, string[]>();
        m.set(rel, [...(m.get(rel) ?? []), r.dead]);
        deadEnds.set(w.config.id, m);
      }
      continue;
    }
    r.forEach((res, k) => {
      const changes: string[] = [];
      const id = ids.take(r.length > 1 ? `${c.identifier}-${k + 1}` : c.identifier);
      const settings = connectionSettings(c, changes);
      const via = res.via.slice(1).map((h) => nodes.get(h.c.source.id) as Node);
      for (const v of via) {
        const set = passThroughUse.get(v.path) ?? new Set<string>();
        set.add(id);
        passThroughUse.set(v.path, set);
      }
      if (via.length) {
        changes.push(`runs through ${via.map((v) => `${v.kind.replace("-", " ")} "${v.name}" (${v.groupName})`).join(" → ")}: one Sluice connection with the first hop's queue settings`);
        for (const later of res.via.slice(1)) {
          if (JSON.stringify(connectionSettings(later.c, [])) !== JSON.stringify(settings)) changes.push(`queue settings of ${later.path} differ and are not kept`);
        }
      }
      const dest = byNifiId.get(res.dest) as ProcessorWork;
      const conn: ConnectionConfig = {
        id,
        source: w.config.id,
        relationships: allowed,
        destination: dest.config.id,
        ...settings,
      };
      if (c.name) conn.name = c.name.slice(0, 200);
      sluiceConnections.push(conn);
      const entry: ReportEntry = { kind: "connection", name: `${w.config.name} → ${dest.config.name} (${allowed.join(", ")})`, id, path };
      connectionEntries.push(changes.length ? { ...entry, changes } : entry);
    });
  }
  for (const e of connectionEntries) (e.changes ? report.changed : report.mapped).push(e);

  // Ports and funnels: said once each.
  for (const n of nodes.values()) {
    if (n.kind !== "input-port" && n.kind !== "output-port" && n.kind !== "funnel") continue;
    const used = passThroughUse.get(n.path);
    const kind = n.kind;
    if (used?.size) {
      report.changed.push({
        kind,
        name: n.name,
        path: n.path,
        changes: [`Sluice has no ${kind === "funnel" ? "funnels" : "port components"}: the connections through it (${[...used].join(", ")}) run straight from source to destination${kind === "funnel" ? "" : ` across group "${n.groupName}"'s edge`}`],
      });
    } else {
      report.unsupported.push({
        kind,
        name: n.name,
        path: n.path,
        reason:
          kind === "input-port" && n.depth === 0
            ? "a top-level input port receives over site-to-site, which Sluice does not have"
            : kind === "output-port" && n.depth === 0
              ? "a top-level output port sends over site-to-site (or to the parent NiFi group), which Sluice does not have"
              : "no complete path from a processor to a processor runs through it",
      });
    }
  }

  // Dead ends and Sluice-only relationships become auto-terminated.
  const connectedRels = new Map<string, Set<string>>();
  for (const c of sluiceConnections) {
    const s = connectedRels.get(c.source) ?? new Set<string>();
    for (const r of c.relationships) s.add(r);
    connectedRels.set(c.source, s);
  }
  for (const w of processors) {
    const dead = deadEnds.get(w.config.id);
    const connected = connectedRels.get(w.config.id) ?? new Set<string>();
    for (const [rel, where] of dead ?? []) {
      if (connected.has(rel) || w.config.autoTerminate.includes(rel)) continue;
      w.config.autoTerminate.push(rel);
      w.changes.push(`relationship "${rel}" led only to ${[...new Set(where)].join(", ")}: auto-terminated (connect it to keep those FlowFiles)`);
    }
    for (const rel of w.mapping?.sluiceOnlyRelationships ?? []) {
      if (connected.has(rel) || w.config.autoTerminate.includes(rel)) continue;
      w.config.autoTerminate.push(rel);
      w.changes.push(`Sluice's ${w.config.type} has a "${rel}" relationship NiFi's lacks: auto-terminated`);
    }
  }

  // Services used by imported processors (and by the services they use).
  const serviceConfigs: ServiceConfig[] = [];
  const queue = [...usedServices];
  const done = new Set<string>();
  while (queue.length) {
    const sid = queue.shift() as string;
    if (done.has(sid)) continue;
    done.add(sid);
    const s = services.get(sid) as ServiceEntry;
    const mapping = SERVICE_MAPPINGS[s.svc.type];
    const changes: string[] = [];
    const index = serviceConfigs.length;
    const name = s.svc.name ?? s.svc.type.split(".").pop() ?? sid;
    const { properties } = convertProperties(
      { name, path: s.path, properties: s.svc.properties, propertyDescriptors: s.svc.propertyDescriptors, groupPath: s.groupPath },
      mapping,
      undefined,
      `services[${index}]`,
      changes,
    );
    for (const u of usedServices) if (!done.has(u)) queue.push(u);
    serviceConfigs.push({ id: s.sluiceId, type: mapping ? mapping.sluiceType : `${PLACEHOLDER_PREFIX}${s.svc.type}`, name: name.slice(0, 200), properties });
    const entry: ReportEntry = { kind: "controller-service", name, nifiType: s.svc.type, id: s.sluiceId, sluiceType: serviceConfigs[index].type, path: s.path };
    if (!mapping) report.unsupported.push({ ...entry, reason: "Sluice has no such controller service: kept as a placeholder with its NiFi properties" });
    else if (changes.length) report.changed.push({ ...entry, changes });
    else report.mapped.push(entry);
  }
  for (const s of services.values()) {
    if (done.has(s.svc.identifier)) continue;
    const entry: ReportEntry = { kind: "controller-service", name: s.svc.name ?? s.svc.identifier, nifiType: s.svc.type, path: s.path };
    const users = foldedServices.get(s.svc.identifier);
    if (users) report.changed.push({ ...entry, changes: [`not imported as a service: its type and settings became properties of ${users.map((u) => `"${u}"`).join(", ")}`] });
    else report.unsupported.push({ ...entry, reason: "not imported: no imported processor uses it" });
  }
  if (errors.length) throw new NifiImportError("the NiFi flow references controller services that are not in the file", errors);

  // Processor entries (after connections, which add changes).
  for (const w of processors) {
    const entry: ReportEntry = { kind: "processor", name: w.config.name ?? w.config.id, nifiType: w.nifi.type, id: w.config.id, sluiceType: w.config.type, path: w.path };
    if (!w.mapping) {
      report.unsupported.push({
        ...entry,
        reason: `no Sluice counterpart: kept as a disabled placeholder (type "${w.config.type}") with its properties and connections`,
        changes: w.changes.length ? w.changes : undefined,
      });
    } else if (w.changes.length) report.changed.push({ ...entry, changes: w.changes });
    else report.mapped.push(entry);
  }

  // Parameter contexts: the ones groups bind, each with its inherited parameters copied in.
  const bound = new Set([...paramContextOf.values()].filter((n): n is string => n !== undefined && n !== ""));
  const contextConfigs: NonNullable<FlowDocument["parameterContexts"]> = [];
  const contextIds = new Map<string, string>();
  for (const [i, ctx] of contexts.entries()) {
    const path = detected.format === "flow-json" ? at(`parameterContexts[${i}]`) : at(`parameterContexts["${ctx.name}"]`);
    if (inlineParameters) {
      report.unsupported.push({ kind: "parameter-context", name: ctx.name, path, reason: "written in: the values of its parameters replace the references to them (sensitive ones must be entered)" });
      continue;
    }
    if (!bound.has(ctx.name)) {
      report.unsupported.push({ kind: "parameter-context", name: ctx.name, path, reason: "not imported: no imported process group binds it" });
      continue;
    }
    const id = ids.take(`ctx-${slug(ctx.name)}`);
    contextIds.set(ctx.name, id);
    const changes: string[] = [];
    const params: NonNullable<FlowDocument["parameterContexts"]>[number]["parameters"] = [];
    const seenNames = new Set<string>();
    const index = contextConfigs.length;
    const add = (c: NifiParameterContext, from: string | undefined, seen: Set<string>) => {
      if (seen.has(c.name)) return;
      seen.add(c.name);
      for (const p of c.parameters ?? []) {
        if (seenNames.has(p.name)) continue;
        seenNames.add(p.name);
        if (!PARAMETER_NAME.test(p.name)) {
          changes.push(`parameter "${p.name}" is dropped: a Sluice parameter name is 1 to 128 letters, digits, spaces, ".", "_" or "-"`);
          continue;
        }
        const param: (typeof params)[number] = { name: p.name };
        if (p.sensitive) {
          param.sensitive = true;
          report.mustEnter.push({ component: `parameter context "${ctx.name}"`, path: `parameterContexts[${index}].parameters[${params.length}].value`, nifiProperty: `#{${p.name}}` });
        } else if (p.value !== undefined && p.value !== null) param.value = p.value;
        else changes.push(`parameter "${p.name}" has no value in the file: enter it`);
        if (p.description) param.description = p.description.slice(0, 10_000);
        params.push(param);
        if (from) changes.push(`parameter "${p.name}" is inherited from "${from}": copied in (Sluice contexts do not inherit)`);
      }
      for (const inh of c.inheritedParameterContexts ?? []) {
        const ic = contextByName.get(inh);
        if (ic) add(ic, inh, seen);
        else changes.push(`inherits context "${inh}", which is not in the file`);
      }
    };
    add(ctx, undefined, new Set());
    contextConfigs.push({ id, name: ctx.name.slice(0, 200), description: ctx.description ? ctx.description.slice(0, 10_000) : undefined, parameters: params });
    const entry: ReportEntry = { kind: "parameter-context", name: ctx.name, id, path };
    if (changes.length) report.changed.push({ ...entry, changes });
    else report.mapped.push(entry);
  }
  if (contextConfigs.length) {
    for (const g of groups) {
      const nifiName = groupContext.get(g.id);
      if (nifiName && contextIds.has(nifiName)) g.parameterContext = contextIds.get(nifiName);
    }
  }
  report.unsupported.push(...variables, ...extraUnsupported);

  const flowName = (opts.name ?? rootGroup.name ?? "Imported NiFi flow").slice(0, 200) || "Imported NiFi flow";
  const doc = {
    sluice: FLOW_FORMAT_VERSION,
    id: ids.take(`nifi-${slug(flowName)}`),
    name: flowName,
    description: rootGroup.comments ? rootGroup.comments.slice(0, 10_000) : undefined,
    processors: processors.map((w) => w.config),
    connections: sluiceConnections,
    groups,
    services: serviceConfigs,
    parameterContext: rootGroup.parameterContextName ? contextIds.get(rootGroup.parameterContextName) : undefined,
    parameterContexts: contextConfigs.length ? contextConfigs : undefined,
  };
  const checked = parseFlowDocument(doc);
  if (!checked.ok) throw new NifiImportError("the converted flow is not a valid Sluice flow (an importer bug; please report it with the file)", checked.problems);
  return { flow: checked.flow, report };
}

/** Whether a Sluice type has relationship `r` for this configuration (declared, or a dynamic-property relationship). */
function relationshipAllowed(info: SluiceTypeInfo, config: ProcessorConfig, r: string): boolean {
  if (info.relationships.some((x) => x.name === r)) return true;
  if (!info.dynamicProperties?.relationships) return false;
  const declared = new Set(info.properties.map((p) => p.name));
  return r in config.properties && !declared.has(r);
}

/** Queue settings of a NiFi connection in Sluice's terms; differences go to `changes`. */
function connectionSettings(c: NifiConnection, changes: string[]): Pick<ConnectionConfig, "backPressure" | "prioritizers" | "expiration" | "swapThreshold"> & { loadBalance?: ConnectionConfig["loadBalance"] } {
  let objectThreshold = c.backPressureObjectThreshold ?? DEFAULT_OBJECT_THRESHOLD;
  if (objectThreshold <= 0) {
    objectThreshold = NO_LIMIT_OBJECTS;
    changes.push(`back pressure object threshold 0 (no limit) becomes ${NO_LIMIT_OBJECTS}`);
  }
  let dataSize = (c.backPressureDataSizeThreshold ?? "1 GB").trim();
  try {
    if (parseDataSize(dataSize) <= 0) {
      changes.push(`back pressure size threshold "${dataSize}" (no limit) becomes ${NO_LIMIT_SIZE}`);
      dataSize = NO_LIMIT_SIZE;
    }
  } catch (e) {
    changes.push(`back pressure size threshold "${dataSize}" is not a size Sluice reads (${(e as Error).message}): 1 GB instead`);
    dataSize = "1 GB";
  }
  let expiration = (c.flowFileExpiration ?? "0 sec").trim();
  try {
    parseDuration(expiration);
  } catch (e) {
    changes.push(`expiration "${expiration}" is not a duration Sluice reads (${(e as Error).message}): never instead`);
    expiration = "0 sec";
  }
  const prioritizers: ConnectionConfig["prioritizers"] = [];
  for (const p of c.prioritizers ?? []) {
    const m = PRIORITIZERS[p];
    if (m) prioritizers.push(m);
    else changes.push(`prioritizer ${p} is not available in Sluice: dropped`);
  }
  const out: ReturnType<typeof connectionSettings> = {
    backPressure: { objectThreshold: Math.floor(objectThreshold), dataSizeThreshold: dataSize },
    prioritizers,
    expiration,
    swapThreshold: 20_000,
  };
  const strategy = c.loadBalanceStrategy ?? "DO_NOT_LOAD_BALANCE";
  const lb = LOAD_BALANCE[strategy];
  if (!lb) changes.push(`load-balance strategy ${strategy} is not available in Sluice: not load-balanced`);
  else if (lb !== "none") {
    if (lb === "partition-by-attribute") {
      if (c.partitioningAttribute) out.loadBalance = { strategy: lb, partitionAttribute: c.partitioningAttribute };
      else changes.push("partition-by-attribute without an attribute: not load-balanced");
    } else out.loadBalance = { strategy: lb };
  }
  if (c.loadBalanceCompression && c.loadBalanceCompression !== "DO_NOT_COMPRESS" && lb && lb !== "none") {
    changes.push(`load-balance compression ${c.loadBalanceCompression} is not available in Sluice: sent uncompressed`);
  }
  return out;
}
