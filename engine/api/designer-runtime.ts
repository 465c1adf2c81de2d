/**
 * The engine surface the designer (app/lib/engine-client.ts) loads at run time, in one module:
 * the Engine, flow checks, the catalog, and the errors it needs to tell apart.
 *
 * Why one module: the app imports it through tsx at run time instead of bundling it (the
 * provenance index runs in a worker thread whose entry is resolved next to the engine's own
 * source files, which a bundle would not have), and one import keeps every class identity
 * (`instanceof FlowValidationError`) in a single module graph.
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
