// Pins the import boundaries of ARCHITECTURE.md as enforced by eslint.config.js: each case lints
// a one-line module as if it lived at `filePath` and checks whether no-restricted-imports fires.
// The files need not exist; ESLint picks the config blocks by path alone.
import path from "node:path";
import { fileURLToPath } from "node:url";
import { ESLint } from "eslint";
import { beforeAll, describe, expect, it } from "vitest";

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");

interface Case {
  filePath: string;
  source: string;
}

const forbidden: Case[] = [
  { filePath: "app/some-page.tsx", source: "../engine/core/session" },
  { filePath: "app/flows/[id]/page.tsx", source: "../../../processors/registry" },
  { filePath: "processors/foo.ts", source: "kafkajs" },
  { filePath: "processors/foo.ts", source: "bullmq" },
  // Regression: a later config block used to replace the ioredis restriction for processors/.
  { filePath: "processors/foo.ts", source: "ioredis" },
  { filePath: "processors/foo.ts", source: "../engine/core/session" },
  { filePath: "processors/kafka/x.ts", source: "ioredis" },
  { filePath: "engine/core/x.ts", source: "ioredis" },
  { filePath: "engine/core/x.ts", source: "kafkajs" },
  { filePath: "engine/queue/x.ts", source: "next/server" },
  // Regression: sibling-relative paths inside engine/ used to slip past the "**/engine/..." globs.
  { filePath: "engine/core/x.ts", source: "../cluster/redis" },
  { filePath: "engine/scheduler/x.ts", source: "../api/server" },
  { filePath: "engine/queue/swap/x.ts", source: "../../runtime" },
  { filePath: "engine/api/x.ts", source: "bullmq" },
  { filePath: "engine/repository/x.ts", source: "kafkajs" },
  // Only the composition root imports processors/ (issue: one module wires the registry).
  { filePath: "engine/api/x.ts", source: "../../processors/registry" },
  { filePath: "engine/api/engine.ts", source: "../../processors/kafka/kafka-connection" },
  { filePath: "engine/runtime/flow-controller.ts", source: "../../processors/registry" },
  { filePath: "engine/runtime/x.ts", source: "../../processors" },
  { filePath: "engine/cli/sluice.ts", source: "../../processors/registry" },
  { filePath: "engine/cluster/x.ts", source: "../../processors/registry" },
  { filePath: "engine/repository/content/x.ts", source: "../../../processors/docs" },
  { filePath: "engine/core/x.ts", source: "../../processors/registry" },
  // The composition root keeps the other engine rules.
  { filePath: "engine/runtime/composition-root.ts", source: "kafkajs" },
  { filePath: "engine/runtime/composition-root.ts", source: "ioredis" },
];

const allowed: Case[] = [
  { filePath: "app/lib/engine-client.ts", source: "../../engine/api/x" },
  { filePath: "processors/kafka/x.ts", source: "kafkajs" },
  { filePath: "processors/foo.ts", source: "../engine/sdk" },
  { filePath: "engine/cluster/x.ts", source: "bullmq" },
  { filePath: "engine/cluster/x.ts", source: "ioredis" },
  { filePath: "engine/core/x.ts", source: "../sdk/types" },
  { filePath: "engine/core/x.ts", source: "./flowfile" },
  { filePath: "engine/runtime/composition-root.ts", source: "../../processors/registry" },
  { filePath: "engine/runtime/composition-root.ts", source: "../cluster/redis-cache" },
];

let eslint: ESLint;

beforeAll(() => {
  eslint = new ESLint({ cwd: repoRoot });
});

/** The no-restricted-imports messages ESLint reports for `import x from source` at filePath. */
async function restrictedImports({ filePath, source }: Case) {
  const code = `import x from ${JSON.stringify(source)};\nexport default x;\n`;
  const [result] = await eslint.lintText(code, { filePath: path.join(repoRoot, filePath) });
  expect(result, `lint result for ${filePath}`).toBeDefined();
  // A parse error or an ignored file would make every "allowed" case pass vacuously.
  expect(result!.messages.filter((m) => m.fatal || m.ruleId === null)).toEqual([]);
  return result!.messages.filter((m) => m.ruleId === "no-restricted-imports");
}

describe("import boundaries (eslint.config.js)", () => {
  it.each(forbidden)("$filePath may not import $source", async (c) => {
    const messages = await restrictedImports(c);
    expect(messages).toHaveLength(1);
    expect(messages[0]!.severity).toBe(2);
  });

  it.each(allowed)("$filePath may import $source", async (c) => {
    expect(await restrictedImports(c)).toEqual([]);
  });

  it("explains the rule in the message", async () => {
    const [m] = await restrictedImports({ filePath: "app/some-page.tsx", source: "../engine/core/session" });
    expect(m!.message).toMatch(/engine-client/);
  });
});
