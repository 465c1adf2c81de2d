import fs from "node:fs/promises";
import path from "node:path";
import type { Metadata } from "next";
import { marked } from "marked";
import { pageUser } from "../../components/auth/page-user";

export const metadata: Metadata = { title: "Expression Language reference" };
export const dynamic = "force-dynamic";

/**
 * The Expression Language reference: docs/expression-language.md, which scripts/gen-docs.ts
 * generates from the evaluator's function table (a unit test fails when it is out of date).
 * Read from the repository at request time, so the page and the committed file never differ.
 * The Markdown is ours, not users', so rendering it as HTML is safe.
 */
export default async function ExpressionLanguageDocsPage() {
  await pageUser("/docs/expression-language");
  const markdown = await fs.readFile(path.join(process.cwd(), "docs", "expression-language.md"), "utf8");
  const html = await marked.parse(markdown, { gfm: true });
  return (
    <div className="mx-auto w-full max-w-5xl px-6 py-8">
      <article className="processor-docs" dangerouslySetInnerHTML={{ __html: html }} />
    </div>
  );
}
