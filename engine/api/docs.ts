/** The processor reference, rendered from the registry's descriptors (see processors/docs.ts). */
import { defaultComposition } from "../runtime/composition-root";

/** The processor reference as Markdown (the same text as docs/processors.md). */
export function processorReferenceMarkdown(): string {
  return defaultComposition().processorDocs();
}
