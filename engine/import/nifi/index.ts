/**
 * NiFi flow import: a NiFi flow definition, registry snapshot or flow.json(.gz) → a Sluice flow
 * document and a report of what was mapped, changed and left out. Pure functions; the CLI
 * (`sluice import-nifi`) and the designer's import route save the result.
 */
export { NifiImportError, readNifiFile, MAX_NIFI_FILE_BYTES } from "./read-file";
export { convertNifiFlow, importNifiFile, isPlaceholderType, quartzToCron, PLACEHOLDER_PREFIX, type NifiImportOptions, type NifiImportResult, type SluiceTypeInfo } from "./import-flow";
export { formatReport, reportSummary, type ImportReport, type MustEnter, type NifiComponentKind, type ReportEntry } from "./report";
export { PROCESSOR_MAPPINGS, SERVICE_MAPPINGS } from "./mapping";
