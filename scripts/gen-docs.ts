/**
 * Writes docs/processors.md from the processor registry's descriptors.
 *   npx tsx scripts/gen-docs.ts           write the file
 *   npx tsx scripts/gen-docs.ts --check   exit 1 when the committed file is out of date
 * test/unit/processors/docs.test.ts runs the same check, so the docs cannot drift.
 */
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { renderAllProcessorDocs } from "../processors/docs";
import { registry } from "../processors/registry";

export const DOCS_FILE = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../docs/processors.md");

/** The reference as it should be committed. */
export function generateProcessorDocs(): string {
  return renderAllProcessorDocs(registry.list());
}

const isMain = process.argv[1] !== undefined && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url);
if (isMain) {
  const fresh = generateProcessorDocs();
  if (process.argv.includes("--check")) {
    const current = fs.existsSync(DOCS_FILE) ? fs.readFileSync(DOCS_FILE, "utf8") : "";
    if (current !== fresh) {
      console.error(`${path.relative(process.cwd(), DOCS_FILE)} is out of date; run: npx tsx scripts/gen-docs.ts`);
      process.exit(1);
    }
  } else {
    fs.mkdirSync(path.dirname(DOCS_FILE), { recursive: true });
    fs.writeFileSync(DOCS_FILE, fresh);
    console.log(`wrote ${path.relative(process.cwd(), DOCS_FILE)} (${registry.list().length} processors)`);
  }
}
