// The EL reference is generated from the evaluator's own function table and cannot drift.
import fs from "node:fs";
import { describe, expect, it } from "vitest";
import { EL_COMPLETIONS, FUNCTIONS, NOT_SUPPORTED, signature } from "../../../engine/core/el/index";
import { EL_DOCS_FILE, generateElDocs } from "../../../scripts/gen-docs";

describe("Expression Language reference", () => {
  it("docs/expression-language.md is up to date with the function table (run: npm run docs)", () => {
    expect(fs.readFileSync(EL_DOCS_FILE, "utf8")).toBe(generateElDocs());
  });

  it("lists every function with its signature, and every unsupported NiFi function with its reason", () => {
    const docs = generateElDocs();
    for (const f of FUNCTIONS.values()) expect(docs).toContain(`| \`${signature(f)}\` |`);
    for (const n of NOT_SUPPORTED) {
      expect(FUNCTIONS.has(n.name)).toBe(false);
      expect(docs).toContain(`| \`${n.name}\` | not supported: ${n.reason} |`);
    }
  });

  it("offers every function for autocompletion", () => {
    expect(EL_COMPLETIONS.map((c) => c.name).sort()).toEqual([...FUNCTIONS.keys()].sort());
    expect(EL_COMPLETIONS.find((c) => c.name === "padLeft")).toMatchObject({ signature: "padLeft(length, padding?)", insert: "padLeft(", position: "subject" });
    expect(EL_COMPLETIONS.find((c) => c.name === "now")).toMatchObject({ insert: "now()", position: "standalone" });
    expect(EL_COMPLETIONS.find((c) => c.name === "math")?.position).toBe("both");
  });
});
