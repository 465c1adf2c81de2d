// The flow store end to end: setup (migrate + seed) into a fresh data dir as a child process,
// then read the seed back through the generated Prisma client on the better-sqlite3 adapter.
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { PrismaBetterSQLite3 } from "@prisma/adapter-better-sqlite3";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseFlowDocument } from "../../engine/api/flow-format";
import { validateFlow } from "../../engine/runtime/validate-flow";
import { PrismaClient } from "../../prisma/generated/client";
import { registry } from "../../processors/registry";

const root = path.resolve(import.meta.dirname, "../..");
const example = JSON.parse(readFileSync(path.join(root, "prisma/seed/example-flow.json"), "utf8")) as {
  name: string;
  processors: { name: string; type: string }[];
};

let dataDir: string;
let prisma: PrismaClient;

function runSetup(): string {
  return execFileSync(process.execPath, ["scripts/setup.mjs"], {
    cwd: root,
    encoding: "utf8",
    env: { ...process.env, SLUICE_DATA_DIR: dataDir },
  });
}

beforeAll(() => {
  dataDir = mkdtempSync(path.join(tmpdir(), "sluice-store-"));
  runSetup();
  prisma = new PrismaClient({ adapter: new PrismaBetterSQLite3({ url: path.join(dataDir, "sluice.db") }) });
});

afterAll(async () => {
  await prisma?.$disconnect();
  rmSync(dataDir, { recursive: true, force: true });
});

describe("flow store (Prisma + better-sqlite3)", () => {
  it("seeds the example flow with its first revision", async () => {
    const flows = await prisma.flow.findMany({ include: { revisions: true } });
    expect(flows).toHaveLength(1);
    const flow = flows[0]!;
    expect(flow.name).toBe(example.name);
    expect(flow.revision).toBe(1);
    expect(flow.createdAt).toBeInstanceOf(Date);
    expect(Math.abs(flow.updatedAt.getTime() - Date.now())).toBeLessThan(5 * 60_000);

    const parsed = parseFlowDocument(JSON.parse(flow.snapshot));
    if (!parsed.ok) throw new Error(`seed snapshot does not parse: ${JSON.stringify(parsed.problems)}`);
    expect(parsed.flow.processors).toHaveLength(5);
    expect(parsed.flow.processors.map((p) => p.type)).toEqual(["GenerateFlowFile", "UpdateAttribute", "RouteOnAttribute", "LogAttribute", "PutFile"]);
    expect(new Set(parsed.flow.processors.map((p) => p.name)).size).toBe(5);
    expect(parsed.flow.connections.length).toBeGreaterThanOrEqual(4);

    expect(flow.revisions).toHaveLength(1);
    const rev = flow.revisions[0]!;
    expect(rev.version).toBe(1);
    expect(rev.message).not.toBe("");
    expect(parseFlowDocument(JSON.parse(rev.snapshot)).ok).toBe(true);
  });

  it("seeds a flow the engine accepts (known processors, valid properties and EL, all relationships handled)", async () => {
    const flow = await prisma.flow.findFirstOrThrow();
    // The example flow writes below its data dir's files/ (the default SLUICE_FILE_ROOTS), so it
    // is validated as a server on that data dir would validate it.
    const before = process.env.SLUICE_DATA_DIR;
    process.env.SLUICE_DATA_DIR = dataDir;
    let r: ReturnType<typeof validateFlow>;
    try {
      r = validateFlow(JSON.parse(flow.snapshot), registry);
    } finally {
      if (before === undefined) delete process.env.SLUICE_DATA_DIR;
      else process.env.SLUICE_DATA_DIR = before;
    }
    expect(r.problems).toEqual([]);
    expect(r.ok).toBe(true);
  });

  it("does not seed twice when setup runs again", async () => {
    runSetup();
    expect(await prisma.flow.count()).toBe(1);
    expect(await prisma.flowRevision.count()).toBe(1);
  });

  it("enforces one revision per (flow, version) and cascades deletes", async () => {
    const flow = await prisma.flow.create({ data: { name: "scratch", snapshot: "{}" } });
    await prisma.flowRevision.create({ data: { flowId: flow.id, version: 1, message: "first", snapshot: "{}" } });
    await expect(prisma.flowRevision.create({ data: { flowId: flow.id, version: 1, message: "dup", snapshot: "{}" } })).rejects.toMatchObject({
      code: "P2002",
    });
    await prisma.flow.delete({ where: { id: flow.id } });
    expect(await prisma.flowRevision.count({ where: { flowId: flow.id } })).toBe(0);
  });
});
