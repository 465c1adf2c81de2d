import fs from "node:fs";
import { describe, expect, it } from "vitest";
import { anchorOf, renderProcessorDocs } from "../../../processors/docs";
import { registry } from "../../../processors/registry";
import { ReplaceText } from "../../../processors/replace-text";
import { erase } from "../../../engine/sdk";
import { DOCS_FILE, generateProcessorDocs } from "../../../scripts/gen-docs";

describe("processor docs", () => {
  it("docs/processors.md is up to date with the descriptors (run: npx tsx scripts/gen-docs.ts)", () => {
    expect(fs.readFileSync(DOCS_FILE, "utf8")).toBe(generateProcessorDocs());
  });

  it("documents every registered processor, with working index links", () => {
    const docs = generateProcessorDocs();
    for (const d of registry.list()) {
      expect(docs).toContain(`\n## ${d.type}\n`);
      expect(docs).toContain(`](#${anchorOf(d.type)})`);
      expect(d.summary.length, d.type).toBeGreaterThan(10);
    }
  });

  it("renders one processor with properties, allowable values, dependencies, relationships and attributes", () => {
    const md = renderProcessorDocs(erase(ReplaceText));
    expect(md.startsWith("## ReplaceText\n")).toBe(true);
    expect(md).toContain("| **Search Value**<br>`searchValue` |");
    expect(md).toContain("*Only when `replacementStrategy` is `Regex Replace` or `Literal Replace`.*");
    expect(md).toContain("`Literal Replace`: Replaces every occurrence");
    expect(md).toContain("| `failure` |");
    expect(md).toContain("### Writes attributes");
    // A table cell never breaks the row.
    for (const line of md.split("\n").filter((l) => l.startsWith("| **"))) expect(line.split(/(?<!\\)\|/).length).toBe(9);
  });
});
