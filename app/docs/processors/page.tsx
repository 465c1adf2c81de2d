import type { Metadata } from "next";
import { marked } from "marked";
import { pageUser } from "../../components/auth/page-user";
import { localNode } from "../../lib/engine-client";

export const metadata: Metadata = { title: "Processor reference" };
export const dynamic = "force-dynamic";

/**
 * The processor reference, generated from the descriptors (the same text as docs/processors.md).
 * The Markdown comes from our own descriptors, not from users, so rendering it as HTML is safe.
 */
export default async function ProcessorDocsPage() {
  await pageUser("/docs/processors");
  const markdown = (await (await localNode()).processorDocs()).replace(/\]\(\.\.\/engine\/core\/el\/README\.md\)/g, "](/docs/expression-language)");
  const html = await marked.parse(markdown, { gfm: true });
  return (
    <div className="mx-auto w-full max-w-5xl px-6 py-8">
      <article className="processor-docs" dangerouslySetInnerHTML={{ __html: html }} />
    </div>
  );
}
