/**
 * The processor SDK: everything a processor may import. Processors import only this module
 * (enforced by lint).
 */
export { defineProcessor, relationship, erase, restrictionsOf, RESTRICTION_KINDS } from "./define";
export type {
  AnyProcessorDefinition,
  DynamicPropertiesSpec,
  InputRequirement,
  LifecycleArgs,
  ProcessorDefinition,
  ProcessorSpec,
  Relationship,
  Restriction,
  RestrictionKind,
  TriggerArgs,
} from "./define";
export { property, resolveConfig, dependencySatisfied } from "./property";
export type {
  AllowableValue,
  ConfigOf,
  DependsOn,
  ElScope,
  PropertyDescriptor,
  PropertyExpression,
  PropertyKind,
  PropertyMap,
  ValidationProblem,
} from "./property";
export type {
  DistributedCache,
  DynamicProperty,
  EngineServices,
  FlowFile,
  LogLevel,
  ProcessorContext,
  ProcessorLogger,
  ProcessSession,
  ProvenanceReporter,
  ValidationContext,
} from "./types";
export { FileRootError, FileRoots, FILE_ROOTS_ENV } from "./file-roots";
export { FlowFileAccountingError, FlowFileHandlingError, ProcessException } from "./errors";
export { parseDuration, parseDataSize, formatDataSize } from "../core/units";
export { compile as compileExpression, ElEvaluationError } from "../core/el";
export { compileJavaRegex, compileJavaReplacement, RegexError, type RegexMatch, type RegexMode, type SafeRegex } from "../core/el/regex";
