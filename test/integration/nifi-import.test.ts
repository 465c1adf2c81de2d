/**
 * Real NiFi exports (test/fixtures/nifi, from apache/nifi) through the importer: each becomes a
 * Sluice flow that validates except for its placeholders, whose problems name the NiFi type;
 * the one made only of processors Sluice has runs end to end in a real engine; the CLI writes
 * the flow and the report, and writes nothing for a file it cannot import.
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { PassThrough } from "node:stream";
import { afterAll, describe, expect, it } from "vitest";
import { processorCatalog, sensitiveProperties } from "../../engine/api/designer-catalog";
import { flowFileScopes, resolveFlow } from "../../engine/api/parameters";
import { Engine, checkFlow } from "../../engine/api/engine";
import { importNifiCommand } from "../../engine/cli/import-nifi";
import { NifiImportError, importNifiFile, isPlaceholderType, type NifiImportResult } from "../../engine/import/nifi";
import { until } from "./helpers/until";

const FIXTURES = path.join(__dirname, "..", "fixtures", "nifi");
const catalog = processorCatalog();
/**
 * "inline" gives the flow with parameter values written in: what the designer deploys after it
 * resolves the references, and what `sluice run` runs.
 */
const load = (file: string, parameters: "contexts" | "inline" = "inline"): NifiImportResult =>
  importNifiFile(fs.readFileSync(path.join(FIXTURES, file)), { catalog, fileName: file, parameters });
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "sluice-nifi-"));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

/** Every validation problem belongs to a placeholder and names its NiFi type; every placeholder has one. */
function expectValidExceptPlaceholders(r: NifiImportResult): number {
  const check = checkFlow(r.flow);
  const problems = check.ok ? [] : check.problems;
  const placeholders = r.flow.processors.map((p, i) => ({ p, i })).filter(({ p }) => isPlaceholderType(p.type));
  for (const pr of problems) {
    const m = /^processors\[(\d+)\]/.exec(pr.path);
    const p = m ? r.flow.processors[Number(m[1])] : undefined;
    expect(p && isPlaceholderType(p.type), `${pr.path}: ${pr.message}`).toBe(true);
  }
  for (const { p, i } of placeholders) {
    const nifiType = p.type.slice("nifi:".length);
    expect(problems).toContainEqual({ path: `processors[${i}].type`, message: `unknown processor type "nifi:${nifiType}"` });
    expect(r.report.unsupported).toContainEqual(expect.objectContaining({ kind: "processor", id: p.id, nifiType }));
  }
  return placeholders.length;
}

describe("real NiFi flows", () => {
  it("a flow definition with a funnel, a parameter, a remote process group and a top-level output port", () => {
    const r = load("generate-to-output-port.json");
    expect(r.report.source).toEqual({ format: "flow-definition", gzip: false, name: "Generate To Output Port" });
    expect(expectValidExceptPlaceholders(r)).toBe(0);
    expect(r.flow.processors.map((p) => [p.name, p.type])).toEqual([
      ["LogAttribute", "LogAttribute"],
      ["GenerateFlowFile", "GenerateFlowFile"],
    ]);
    const gen = r.flow.processors[1];
    expect(gen.properties).toMatchObject({ fileSize: "0 B", batchSize: "1", dataFormat: "Text", uniqueFlowFiles: "false" });
    expect(gen.scheduling).toMatchObject({ strategy: "timer", runSchedule: "1 sec" });
    // GenerateFlowFile → funnel → LogAttribute (twice in the file) becomes direct connections; the RPG's are gone.
    expect(r.flow.connections.map((c) => [c.source, c.relationships, c.destination])).toEqual([
      [gen.id, ["success"], r.flow.processors[0].id],
      [gen.id, ["success"], r.flow.processors[0].id],
    ]);
    expect(r.flow.processors[0].autoTerminate).toEqual(["success"]);
    expect(r.report.unsupported.map((e) => e.kind).sort()).toEqual(["output-port", "parameter-context", "remote-process-group"]);
    // Kept as a context: the reference stays and the flow binds "My Context".
    const c = load("generate-to-output-port.json", "contexts");
    expect(c.flow.parameterContexts).toEqual([{ id: "ctx-my-context", name: "My Context", parameters: [{ name: "File Size", value: "0 B" }] }]);
    expect(c.flow.parameterContext).toBe("ctx-my-context");
    expect(c.flow.processors[1].properties.fileSize).toBe("#{File Size}");
  });

  it("a whole-instance flow.json with loops, unlimited queues, FIFO and a processor Sluice lacks (IdentifyMimeType)", () => {
    const r = load("decompression-circular-flow.json");
    expect(r.report.source.format).toBe("flow-json");
    expect(expectValidExceptPlaceholders(r)).toBe(1);
    expect(r.flow.processors).toHaveLength(9);
    expect(r.flow.connections).toHaveLength(14);
    const mime = r.flow.processors.find((p) => p.name === "IdentifyMimeType");
    expect(mime).toMatchObject({ type: "nifi:org.apache.nifi.processors.standard.IdentifyMimeType", state: "disabled", properties: { "use-filename-in-detection": "true" } });
    // The placeholder keeps its connections in and out.
    expect(r.flow.connections.filter((c) => c.source === mime?.id || c.destination === mime?.id)).toHaveLength(2);
    const route = r.flow.processors.find((p) => p.name === "Compressed?");
    expect(route?.properties).toEqual({ strategy: "Route to Property name", gzip: '${mime.type:toUpper():contains("GZIP")}' });
    expect(r.flow.connections.every((c) => c.prioritizers.join() === "FIFO" && c.backPressure.objectThreshold === 2_147_483_647)).toBe(true);
    expect(r.flow.connections.find((c) => c.expiration === "5 sec")).toBeDefined();
  });

  it("a gzip flow.json.gz with groups nested two deep, services, a label, a reporting task and an encrypted sensitive value", () => {
    const r = load("mismatched-flows-flow1.json.gz");
    expect(r.report.source).toEqual({ format: "flow-json", gzip: true, name: "NiFi Flow" });
    expect(expectValidExceptPlaceholders(r)).toBe(2);
    expect(r.flow.groups.map((g) => [g.name, g.parent === undefined ? "root" : r.flow.groups.find((x) => x.id === g.parent)?.name])).toEqual([
      ["Group 1", "root"],
      ["Child Group", "Group 1"],
    ]);
    expect(JSON.stringify(r.flow)).not.toMatch(/enc\{/);
    expect(r.report.mustEnter).toEqual([{ component: "Count", path: "processors[0].properties.Sensitive", nifiProperty: "Sensitive" }]);
    // #{ABC} of "Context 1" is written into the child group's processor.
    expect(r.flow.processors[1].properties.Text).toBe("XYZ");
    const kinds = r.report.unsupported.map((e) => e.kind);
    for (const k of ["label", "remote-process-group", "reporting-task", "parameter-context", "controller-service"]) expect(kinds).toContain(k);
  });

  it("a CRON-driven processor with inherited parameter contexts and a 1.x variable", () => {
    const r = load("parameter-context-flow.json");
    expect(expectValidExceptPlaceholders(r)).toBe(1);
    expect(r.flow.processors[0].scheduling).toMatchObject({ strategy: "cron", cron: "0 0 0 1-31/1 * ?" });
    expect(r.report.unsupported.filter((e) => e.kind === "parameter-context").map((e) => e.name)).toEqual(["Context", "Referenced Context", "Referenced Context 2"]);
    // As contexts: no group binds any of them, so none is imported, and each says why.
    const c = load("parameter-context-flow.json", "contexts");
    expect(c.flow.parameterContexts).toBeUndefined();
    expect(c.report.unsupported.filter((e) => e.kind === "parameter-context").map((e) => e.reason)).toEqual(
      Array(3).fill("not imported: no imported process group binds it"),
    );
    expect(r.report.unsupported.find((e) => e.kind === "variable")?.name).toBe("Name with  escape needed");
  });

  it("sibling groups wired output port → input port become connections across the groups", () => {
    const r = load("generate-duplicate-log-flow.json");
    expect(expectValidExceptPlaceholders(r)).toBe(4);
    const name = (id: string) => r.flow.processors.find((p) => p.id === id)?.name;
    const group = (id: string) => r.flow.groups.find((g) => g.id === r.flow.processors.find((p) => p.id === id)?.group)?.name;
    expect(r.flow.connections.map((c) => `${group(c.source)}/${name(c.source)} -${c.relationships.join(",")}-> ${group(c.destination)}/${name(c.destination)}`).sort()).toEqual([
      "Duplicates/Create Duplicates -1-> Destination/Terminate FlowFile",
      "Duplicates/Create Duplicates -2-> Destination/Terminate FlowFile",
      "Duplicates/Create Duplicates -3-> Destination/Terminate FlowFile",
      "Source/Create FlowFile -success-> Source/Set Contents",
      "Source/Set Contents -success-> Duplicates/Create Duplicates",
    ]);
  });

  it("a registry snapshot that references controller services outside it is refused, naming the properties", () => {
    let error: unknown;
    try {
      load("child-with-external-services.json");
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(NifiImportError);
    expect((error as NifiImportError).problems.map((p) => p.path)).toEqual(['flowContents.processors[1].properties["record-writer"]', 'flowContents.processors[1].properties["record-reader"]']);
    expect((error as NifiImportError).problems[0].message).toMatch(/"MyAvroRecordSetWriter" .* outside the exported group/);
  });
});

describe("end to end", () => {
  it("the imported GenerateFlowFile → LogAttribute flow runs in a real engine, its parameter resolved as sluice run does", async () => {
    const r = load("generate-to-output-port.json", "contexts");
    const sensitive = sensitiveProperties();
    const resolved = resolveFlow(r.flow, flowFileScopes(r.flow), (c) => sensitive[c.type] ?? []);
    expect(resolved.problems).toEqual([]);
    expect(resolved.flow.processors[1].properties.fileSize).toBe("0 B");
    const engine = Engine.open(resolved.flow, { dataDir: path.join(tmp, "run"), mode: "durable", silent: true });
    try {
      await engine.start();
      const log = r.flow.processors[0].id;
      const gen = r.flow.processors[1].id;
      const drops = await until(
        () => `LogAttribute to take 2 FlowFiles (status: ${JSON.stringify(engine.status().processors.map((p) => [p.name, p.state, p.stats.in]))})`,
        20_000,
        async () => {
          const events = await engine.searchProvenance({ componentId: log, type: "DROP" });
          return events.length >= 2 ? events : undefined;
        },
      );
      // Each generated FlowFile reaches LogAttribute over both connections (NiFi's funnel cloned it to both).
      const created = await engine.searchProvenance({ componentId: gen, type: "CREATE" });
      expect(created.length).toBeGreaterThanOrEqual(1);
      expect(drops.length).toBeGreaterThanOrEqual(2);
      const status = engine.status();
      expect(status.processors.map((p) => p.state).sort()).toEqual(["running", "running"]);
      expect(status.processors.find((p) => p.id === log)?.stats.in).toBeGreaterThanOrEqual(2);
    } finally {
      await engine.shutdown();
    }
  });
});

describe("sluice import-nifi", () => {
  const capture = () => {
    const stdout = new PassThrough();
    const stderr = new PassThrough();
    const text = { out: "", err: "" };
    stdout.on("data", (d) => (text.out += String(d)));
    stderr.on("data", (d) => (text.err += String(d)));
    return { streams: { stdout, stderr }, text };
  };

  it("writes the flow to --out and prints the report with the validation result", async () => {
    const out = path.join(tmp, "imported.json");
    const c = capture();
    const code = await importNifiCommand([path.join(FIXTURES, "decompression-circular-flow.json"), "--out", out], c.streams);
    expect(code).toBe(0);
    const written = JSON.parse(fs.readFileSync(out, "utf8"));
    expect(written.processors).toHaveLength(9);
    expect(c.text.out).toMatch(/^NiFi flow-json "DecompressionCircularFlow2": 8 mapped, 14 mapped with changes, 1 not supported \(1 placeholder processor\)/);
    expect(c.text.out).toContain('processors[1].type: unknown processor type "nifi:org.apache.nifi.processors.standard.IdentifyMimeType"');
    expect(c.text.out).toContain(`Wrote ${out}`);
  });

  it("exits 2 with the error and writes nothing for a file it cannot import", async () => {
    const out = path.join(tmp, "never.json");
    const truncated = path.join(tmp, "truncated.json.gz");
    const gz = fs.readFileSync(path.join(FIXTURES, "mismatched-flows-flow1.json.gz"));
    fs.writeFileSync(truncated, gz.subarray(0, 1000));
    for (const [file, message] of [
      [truncated, "truncated.json.gz is a gzip file that does not decompress"],
      [path.join(FIXTURES, "child-with-external-services.json"), 'flowContents.processors[1].properties["record-writer"]: references controller service "MyAvroRecordSetWriter"'],
      [path.join(FIXTURES, "README.md"), "README.md is not valid JSON: Unexpected token"],
    ] as const) {
      const c = capture();
      expect(await importNifiCommand([file, "--out", out], c.streams)).toBe(2);
      expect(c.text.err).toContain(message);
      expect(fs.existsSync(out)).toBe(false);
    }
  });
});
