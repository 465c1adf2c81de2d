/** The processor reference, rendered from the registry's descriptors (see processors/docs.ts). */
import { renderAllProcessorDocs } from "../../processors/docs";
import { registry } from "../../processors/registry";

/** Markdown identical to the committed docs/processors.md. */
export function processorReferenceMarkdown(): string {
  return renderAllProcessorDocs(registry.list());
}
