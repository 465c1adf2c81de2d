/**
 * defineProcessor: a processor declared as data. The descriptors give the config type, the
 * validation, the designer's form and the reference docs; the relationship names type-check
 * `session.transfer`.
 */
import type { ConfigOf, PropertyMap, ValidationProblem } from "./property";
import type { ProcessorContext, ProcessSession, ValidationContext } from "./types";

/** A relationship a processor can route FlowFiles to. */
export interface Relationship {
  readonly description: string;
  /** Auto-terminated unless the user connects it (e.g. `original` on splitters). @default false */
  readonly autoTerminateByDefault: boolean;
}

export function relationship(description: string, opts: { autoTerminateByDefault?: boolean } = {}): Relationship {
  return { description, autoTerminateByDefault: opts.autoTerminateByDefault ?? false };
}

/** "required": runs only with queued input; "forbidden": a source; "allowed": either. */
export type InputRequirement = "required" | "forbidden" | "allowed";

/**
 * What a restricted component can reach outside the flow (NiFi's `@Restricted`). Adding,
 * configuring or starting one needs the permission `restricted:<kind>` for each of its kinds.
 * - `read-files`: reads or lists local files (below SLUICE_FILE_ROOTS).
 * - `write-files`: creates or overwrites local files (below SLUICE_FILE_ROOTS).
 * - `delete-files`: deletes or moves local files (below SLUICE_FILE_ROOTS).
 * - `listen`: opens a listening network port.
 * - `network`: connects out to other hosts.
 */
export type RestrictionKind = "read-files" | "write-files" | "delete-files" | "listen" | "network";

/** Every restriction kind, in a stable order (docs, permission lists). */
export const RESTRICTION_KINDS: readonly RestrictionKind[] = ["read-files", "write-files", "delete-files", "listen", "network"];

/** A restricted component's declaration: what it can reach, and why, for the docs and the designer. */
export interface Restriction {
  /** At least one kind, each once, whatever the configuration (a static declaration, as in NiFi). */
  readonly kinds: readonly RestrictionKind[];
  /** One or two sentences saying what the component can reach with these kinds. */
  readonly explanation: string;
}

/** Arguments handed to every lifecycle hook. */
export interface LifecycleArgs<P extends PropertyMap> {
  readonly config: ConfigOf<P>;
  readonly context: ProcessorContext;
}

/** Arguments of onTrigger. `state` is whatever onScheduled returned. */
export interface TriggerArgs<P extends PropertyMap, R extends string, S> extends LifecycleArgs<P> {
  readonly session: ProcessSession<R>;
  readonly state: S;
}

/** Dynamic (user-defined) properties: what they mean, and whether each becomes a relationship. */
export interface DynamicPropertiesSpec {
  readonly description: string;
  /** Each dynamic property's value is Expression Language evaluated per FlowFile. @default true */
  readonly expressionLanguage?: boolean;
  /** Each dynamic property name is also a relationship (RouteOnAttribute). */
  readonly relationships?: boolean | ((config: Readonly<Record<string, string>>) => boolean);
}

/**
 * The processor spec. Contract for implementers:
 * - Open clients in `onScheduled` and close them in `onStopped`, never per trigger.
 * - `onTrigger` takes FlowFiles from the session and routes every one; the framework commits
 *   the session when it returns (one commit per trigger) and rolls it back when it throws.
 * - Bad records go to a `failure` relationship; throwing is for "this processor cannot work now".
 * - `validate` adds cross-property checks to the per-descriptor validation, and checks literal
 *   paths against `context.fileRoots`; it never throws on user input.
 */
export interface ProcessorSpec<P extends PropertyMap, R extends string, S> {
  /** PascalCase type name, unique in the registry. */
  readonly type: string;
  readonly summary: string;
  /** Longer markdown description for the reference docs. */
  readonly description?: string;
  readonly tags?: readonly string[];
  readonly input: InputRequirement;
  readonly properties: P;
  readonly relationships: Record<R, Relationship>;
  readonly dynamicProperties?: DynamicPropertiesSpec;
  /**
   * Which declared relationships exist for this configuration (e.g. RouteOnAttribute has
   * `matched` only in its matched/unmatched strategies). Omitted = all of them.
   */
  activeRelationships?(raw: Readonly<Record<string, string>>): readonly R[];
  /** Attributes this processor writes, for the docs. */
  readonly writesAttributes?: Readonly<Record<string, string>>;
  /** Attributes this processor reads, for the docs. */
  readonly readsAttributes?: Readonly<Record<string, string>>;
  /**
   * Set when the processor reaches files, ports or other hosts; omitted = unrestricted. The
   * designer and the permission checks read it through the catalog's `restrictions`.
   */
  readonly restricted?: Restriction;
  /** Default scheduling, e.g. a source that should not spin. */
  readonly defaultSchedule?: { readonly runSchedule?: string; readonly batchSize?: number };
  validate?(config: ConfigOf<P>, raw: Readonly<Record<string, string>>, context: ValidationContext): ValidationProblem[];
  onScheduled?(args: LifecycleArgs<P>): S | Promise<S>;
  onTrigger(args: TriggerArgs<P, R, S>): void | Promise<void>;
  onStopped?(args: LifecycleArgs<P> & { readonly state: S | undefined }): void | Promise<void>;
}

/** A registered processor definition (the spec, type-erased for the registry). */
export interface ProcessorDefinition<P extends PropertyMap = PropertyMap, R extends string = string, S = unknown>
  extends ProcessorSpec<P, R, S> {
  readonly kind: "processor";
}

/**
 * Declares a processor. `S` (its state) is inferred from onScheduled's return type. Throws when
 * a `restricted` declaration has no kinds or repeats one (a programming error, caught on import).
 */
export function defineProcessor<P extends PropertyMap, R extends string, S = undefined>(
  spec: ProcessorSpec<P, R, S>,
): ProcessorDefinition<P, R, S> {
  if (spec.restricted) {
    const { kinds, explanation } = spec.restricted;
    if (kinds.length === 0) throw new Error(`${spec.type}: restricted.kinds must name at least one kind`);
    if (new Set(kinds).size !== kinds.length) throw new Error(`${spec.type}: restricted.kinds repeats a kind`);
    if (explanation.trim() === "") throw new Error(`${spec.type}: restricted.explanation must not be empty`);
  }
  return { kind: "processor", ...spec };
}

/** The restriction kinds a processor declares, in RESTRICTION_KINDS order; empty when unrestricted. */
export function restrictionsOf(def: { readonly restricted?: Restriction }): RestrictionKind[] {
  const kinds = def.restricted?.kinds ?? [];
  return RESTRICTION_KINDS.filter((k) => kinds.includes(k));
}

/** Any processor definition, as the registry and the engine hold them. */
// The engine never calls a definition with a mismatched config, so erasing P/R/S here is safe;
// `never`-free erasure keeps processors' own types intact.
export type AnyProcessorDefinition = ProcessorDefinition<PropertyMap, string, unknown>;

/** Erases a definition's type parameters for storage in the registry. */
export function erase<P extends PropertyMap, R extends string, S>(d: ProcessorDefinition<P, R, S>): AnyProcessorDefinition {
  return d as unknown as AnyProcessorDefinition;
}
