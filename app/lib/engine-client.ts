/**
 * The app's only door into the engine (ARCHITECTURE.md, enforced by eslint.config.js):
 * everything in app/ that needs engine code imports it from here, and this file imports only
 * from engine/api. Keep it a thin re-export so the engine's public surface stays visible.
 */
export { FLOW_FORMAT_VERSION, parseFlowDocument } from "../../engine/api/flow-format";
export type { ConnectionConfig, FlowDocument, FlowProblem, ProcessorConfig } from "../../engine/api/flow-format";
