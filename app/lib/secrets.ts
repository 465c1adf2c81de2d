/**
 * Sensitive property values never leave the server. Every document the API sends is masked:
 * a set sensitive value becomes SENSITIVE_PLACEHOLDER. A document coming back with the
 * placeholder keeps the stored secret of that component and property, but only while the
 * component's connection target (brokers, URL origin, host and port) is unchanged; otherwise
 * the secret is cleared and must be typed again (NiFi clears sensitive values on copy).
 *
 * A property is sensitive when its component type declares it so (the engine catalog's
 * sensitiveProperties(), by type) or when a processor names it in `sensitiveDynamicProperties`
 * (a dynamic property holding a secret, such as an InvokeHTTP `Authorization` header).
 *
 * Pure functions, safe for client components (config-panel imports the placeholder): the
 * encryption at rest lives in secret-key.ts, on the server.
 */
import type { FlowDocument, FlowProblem } from "./engine-client";

/** Stands for "the stored secret, unchanged". Chosen so no real secret plausibly equals it. */
export const SENSITIVE_PLACEHOLDER = "••••••••(sensitive value set)";

/** Sensitive property names by component type. */
export type SensitiveMap = Readonly<Record<string, readonly string[]>>;

/** What secrets.ts needs of a processor or a controller service. */
interface Component {
  id: string;
  type: string;
  name?: string;
  properties: Record<string, string>;
  sensitiveDynamicProperties?: string[];
}

/** The names of `c`'s sensitive properties: declared by its type, and its sensitive dynamic ones. */
export function sensitiveNamesOf(c: Pick<Component, "type" | "sensitiveDynamicProperties">, sensitive: SensitiveMap): string[] {
  const declared = sensitive[c.type] ?? [];
  const dynamic = c.sensitiveDynamicProperties ?? [];
  return dynamic.length ? [...new Set([...declared, ...dynamic])] : [...declared];
}

/** `doc` with each processor's and service's properties replaced by `fn(component, section)`. */
function mapProperties(
  doc: FlowDocument,
  fn: (c: Component, section: "processors" | "services", index: number) => Record<string, string>,
): FlowDocument {
  return {
    ...doc,
    processors: doc.processors.map((p, i) => ({ ...p, properties: fn(p, "processors", i) })),
    services: doc.services.map((s, i) => ({ ...s, properties: fn(s, "services", i) })),
  };
}

/** A copy of `doc` with every set sensitive value replaced by the placeholder. */
export function maskDocument(doc: FlowDocument, sensitive: SensitiveMap): FlowDocument {
  return mapProperties(doc, (c) => {
    const out = { ...c.properties };
    for (const n of sensitiveNamesOf(c, sensitive)) if (out[n] !== undefined && out[n] !== "") out[n] = SENSITIVE_PLACEHOLDER;
    return out;
  });
}

/** A copy of `doc` without any sensitive value (for export files that leave the server). */
export function stripSecrets(doc: FlowDocument, sensitive: SensitiveMap): FlowDocument {
  return mapProperties(doc, (c) => {
    const out = { ...c.properties };
    for (const n of sensitiveNamesOf(c, sensitive)) delete out[n];
    return out;
  });
}

/**
 * How a target property is compared: "text" trimmed; "hosts" as a set of comma-separated
 * host:port entries (order and case ignored); "url" by origin (scheme, host, port), so a path
 * change keeps the secret but another host or a switch from https to http does not. A URL with
 * Expression Language in its authority is compared by that text.
 */
export type TargetKind = "text" | "hosts" | "url";

/** One property that says where a component connects to. */
export interface TargetRule {
  property: string;
  kind: TargetKind;
}

const KAFKA_CLIENT_TARGETS: readonly TargetRule[] = [
  { property: "kafkaConnection", kind: "text" },
  { property: "bootstrapServers", kind: "hosts" },
];

/**
 * The connection target of each component type that holds secrets (or may, through sensitive
 * dynamic properties). A type not listed uses DEFAULT_TARGETS.
 */
export const CONNECTION_TARGETS: Readonly<Record<string, readonly TargetRule[]>> = {
  KafkaConnection: [{ property: "bootstrapServers", kind: "hosts" }],
  ConsumeKafka: KAFKA_CLIENT_TARGETS,
  PublishKafka: KAFKA_CLIENT_TARGETS,
  InvokeHTTP: [{ property: "url", kind: "url" }],
};

/** Target properties of types CONNECTION_TARGETS does not list: the usual names for where to connect. */
export const DEFAULT_TARGETS: readonly TargetRule[] = [
  { property: "host", kind: "text" },
  { property: "hostname", kind: "text" },
  { property: "port", kind: "text" },
  { property: "url", kind: "url" },
  { property: "uri", kind: "url" },
  { property: "endpoint", kind: "url" },
  { property: "brokers", kind: "hosts" },
  { property: "bootstrapServers", kind: "hosts" },
];

function normalizeTarget(kind: TargetKind, value: string | undefined): string {
  const v = (value ?? "").trim();
  if (kind === "hosts") {
    const hosts = v
      .split(",")
      .map((h) => h.trim().toLowerCase())
      .filter((h) => h !== "");
    return [...new Set(hosts)].sort().join(",");
  }
  if (kind === "url") {
    try {
      const u = new URL(v);
      return `${u.protocol}//${u.host}`;
    } catch {
      // Expression Language or not a URL yet: compare the scheme and authority as written.
      const m = /^([a-z][a-z0-9+.-]*:\/\/)?([^/?#]*)/i.exec(v);
      return (m?.[0] ?? v).toLowerCase();
    }
  }
  return v;
}

/** The target rules of a component type. */
export function targetRulesOf(type: string): readonly TargetRule[] {
  return CONNECTION_TARGETS[type] ?? DEFAULT_TARGETS;
}

/** The target properties whose (normalized) values differ between `before` and `after`, by name. */
export function changedTargets(type: string, before: Record<string, string>, after: Record<string, string>): string[] {
  return targetRulesOf(type)
    .filter((r) => normalizeTarget(r.kind, before[r.property]) !== normalizeTarget(r.kind, after[r.property]))
    .map((r) => r.property);
}

/** `incoming` with placeholders restored, and the secrets that were cleared instead. */
export interface RestoredDocument {
  document: FlowDocument;
  /** One problem per cleared secret: path `processors[i].properties.name`, and why. */
  cleared: FlowProblem[];
}

/**
 * `incoming` with each placeholder of a sensitive property replaced by the stored value of the
 * same component (by id and type) and property, when the stored component had it as a secret
 * and its connection target (targetRulesOf) is unchanged. A placeholder with no stored secret
 * is dropped; one whose target changed is dropped and listed in `cleared` (the secret must be
 * typed again). A placeholder in a property that is not sensitive is kept as typed.
 */
export function restoreSecrets(incoming: FlowDocument, stored: FlowDocument | null, sensitive: SensitiveMap): RestoredDocument {
  const cleared: FlowProblem[] = [];
  const old = {
    processors: new Map<string, Component>((stored?.processors ?? []).map((p) => [p.id, p])),
    services: new Map<string, Component>((stored?.services ?? []).map((s) => [s.id, s])),
  };
  const document = mapProperties(incoming, (c, section, index) => {
    const out = { ...c.properties };
    const prev = old[section].get(c.id);
    const same = prev && prev.type === c.type ? prev : undefined;
    const prevNames = new Set(same ? sensitiveNamesOf(same, sensitive) : []);
    const moved = same ? changedTargets(c.type, same.properties, c.properties) : [];
    for (const n of sensitiveNamesOf(c, sensitive)) {
      if (out[n] !== SENSITIVE_PLACEHOLDER) continue;
      const secret = same && prevNames.has(n) ? same.properties[n] : undefined;
      if (secret !== undefined && moved.length === 0) {
        out[n] = secret;
        continue;
      }
      delete out[n];
      if (secret !== undefined) {
        cleared.push({
          path: `${section}[${index}].properties.${n}`,
          message: `${c.name ?? c.type}: the stored value of ${n} was cleared because ${moved.join(", ")} changed (where it connects to); type the secret again`,
        });
      }
    }
    return out;
  });
  return { document, cleared };
}
