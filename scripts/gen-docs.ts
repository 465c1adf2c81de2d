/**
 * Writes the generated references:
 *   docs/processors.md          from the processor registry's descriptors;
 *   docs/expression-language.md from the Expression Language's function table.
 *   npx tsx scripts/gen-docs.ts           write the files
 *   npx tsx scripts/gen-docs.ts --check   exit 1 when a committed file is out of date
 * test/unit/processors/docs.test.ts and test/unit/engine/el-nifi-docs.test.ts run the same
 * checks, so the docs cannot drift.
 */
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { renderElReference } from "../engine/core/el/reference";
import { renderAllProcessorDocs } from "../processors/docs";
import { registry } from "../processors/registry";

const DOCS_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../docs");
export const DOCS_FILE = path.join(DOCS_DIR, "processors.md");
export const EL_DOCS_FILE = path.join(DOCS_DIR, "expression-language.md");

/** The reference as it should be committed. */
export function generateProcessorDocs(): string {
  return renderAllProcessorDocs(registry.list());
}

/** The Expression Language reference as it should be committed. */
export function generateElDocs(): string {
  return renderElReference();
}

const isMain = process.argv[1] !== undefined && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url);
if (isMain) {
  const outputs: Array<[string, string]> = [
    [DOCS_FILE, generateProcessorDocs()],
    [EL_DOCS_FILE, generateElDocs()],
  ];
  if (process.argv.includes("--check")) {
    let stale = false;
    for (const [file, fresh] of outputs) {
      const current = fs.existsSync(file) ? fs.readFileSync(file, "utf8") : "";
      if (current !== fresh) {
        console.error(`${path.relative(process.cwd(), file)} is out of date; run: npx tsx scripts/gen-docs.ts`);
        stale = true;
      }
    }
    if (stale) process.exit(1);
  } else {
    fs.mkdirSync(DOCS_DIR, { recursive: true });
    for (const [file, fresh] of outputs) {
      fs.writeFileSync(file, fresh);
      console.log(`wrote ${path.relative(process.cwd(), file)}`);
    }
  }
}
