/**
 * The engine surface the designer (app/lib/engine-client.ts) loads at run time, in one module:
 * the Engine, flow checks, the catalog, and the errors it needs to tell apart.
 *
 * Why one module: the app loads it at run time from the engine bundle (scripts/build-engine.mjs)
 * instead of bundling it into .next (the provenance index worker's files sit next to the
 * bundle), and one import keeps every class identity (`instanceof FlowValidationError`) in a
 * single module graph.
 */
export { Engine, FlowValidationError, NotFoundError, checkFlow } from "./engine";
export type { ConnectionStatus, EngineStatus, ProcessorStatus, QueuedFlowFile } from "./engine";
export { parseFlowDocument, flowSchema } from "./flow-format";
export {
  analyzeFlow,
  dataSizeProblem,
  durationProblem,
  elFunctions,
  processorCatalog,
  sensitiveProperties,
  validateProcessorConfig,
} from "./designer-catalog";
export type { ConfigProblem, ElFunctionInfo, FlowAnalysis, ProcessorTypeInfo, PropertyInfo } from "./designer-catalog";

/** The processor reference (the same Markdown as docs/processors.md), for the app's docs page. */
export { processorReferenceMarkdown } from "./docs";
