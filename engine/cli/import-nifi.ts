/**
 * `sluice import-nifi <file> [--out flow.json] [--name <name>] [--parameters inline|contexts]`:
 * converts a NiFi flow definition, registry snapshot or flow.json(.gz) into a Sluice flow file
 * (engine/import/nifi).
 *
 * NiFi's parameter contexts become the flow's `parameterContexts` with their `#{name}` references
 * (`sluice run` and the designer resolve them); `--parameters inline` writes the values into the
 * properties instead.
 *
 * With --out the flow is written there (nothing is written when the import fails) and the
 * report goes to stdout; without it the flow goes to stdout and the report to stderr, so
 * `sluice import-nifi x.json > flow.json` works. The report ends with what `sluice validate`
 * would say about the result (placeholders are named there).
 *
 * Exit codes: 0 imported, 2 bad arguments or a file that cannot be imported (the error names
 * what is wrong and where, as a JSON path in the NiFi file).
 */
import fs from "node:fs";
import path from "node:path";
import { parseArgs } from "node:util";
import { processorCatalog, sensitiveProperties } from "../api/designer-catalog";
import { checkFlow } from "../api/engine";
import { flowFileScopes, resolveFlow } from "../api/parameters";
import { NifiImportError, formatReport, importNifiFile } from "../import/nifi";

export const IMPORT_NIFI_USAGE =
  "usage: sluice import-nifi <flow-definition.json | flow.json.gz> [--out <flow.json>] [--name <flow name>] [--parameters inline|contexts]";

/** Runs the subcommand with the arguments after `import-nifi`; resolves the exit code. */
export async function importNifiCommand(argv: string[], out: { stdout: NodeJS.WritableStream; stderr: NodeJS.WritableStream } = process): Promise<number> {
  let values: { out?: string; name?: string; parameters?: string; help?: boolean };
  let positionals: string[];
  try {
    ({ values, positionals } = parseArgs({
      args: argv,
      allowPositionals: true,
      options: { out: { type: "string", short: "o" }, name: { type: "string" }, parameters: { type: "string", default: "contexts" }, help: { type: "boolean", short: "h" } },
    }));
  } catch (e) {
    out.stderr.write(`sluice import-nifi: ${(e as Error).message}\n${IMPORT_NIFI_USAGE}\n`);
    return 2;
  }
  if (values.help) {
    out.stdout.write(`${IMPORT_NIFI_USAGE}\n`);
    return 0;
  }
  const parameters = values.parameters;
  if (parameters !== "inline" && parameters !== "contexts") {
    out.stderr.write(`sluice import-nifi: --parameters must be inline or contexts, not "${parameters}"\n${IMPORT_NIFI_USAGE}\n`);
    return 2;
  }
  const [file, extra] = positionals;
  if (!file || extra !== undefined) {
    out.stderr.write(`sluice import-nifi: ${file ? `one file only, not also "${extra}"` : "missing <file>"}\n${IMPORT_NIFI_USAGE}\n`);
    return 2;
  }
  let bytes: Buffer;
  try {
    bytes = fs.readFileSync(file);
  } catch (e) {
    out.stderr.write(`sluice import-nifi: cannot read ${file}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}\n`);
    return 2;
  }
  let result;
  try {
    result = importNifiFile(bytes, { catalog: processorCatalog(), fileName: path.basename(file), name: values.name, parameters });
  } catch (e) {
    if (!(e instanceof NifiImportError)) throw e;
    out.stderr.write(`sluice import-nifi: ${e.message}\n`);
    return 2;
  }
  const text = `${JSON.stringify(result.flow, null, 2)}\n`;
  // What `sluice validate` says: parameters resolved against the contexts the file carries, then the flow checked.
  const sensitive = sensitiveProperties();
  const resolved = resolveFlow(result.flow, flowFileScopes(result.flow), (c) => [...(sensitive[c.type] ?? []), ...(c.sensitiveDynamicProperties ?? [])]);
  const check = resolved.problems.length ? { ok: false as const, problems: resolved.problems } : checkFlow(resolved.flow);
  const validation = check.ok
    ? "The flow validates."
    : `sluice validate lists ${check.problems.length} problem${check.problems.length === 1 ? "" : "s"} (placeholders, parameters and settings to fix):\n${check.problems.map((p) => `  ${p.path}: ${p.message}`).join("\n")}`;
  const report = `${formatReport(result.report)}\n\n${validation}\n`;
  if (values.out) {
    try {
      fs.writeFileSync(values.out, text);
    } catch (e) {
      out.stderr.write(`sluice import-nifi: cannot write ${values.out}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}\n`);
      return 2;
    }
    out.stdout.write(`${report}\nWrote ${values.out}\n`);
  } else {
    out.stdout.write(text);
    out.stderr.write(report);
  }
  return 0;
}
