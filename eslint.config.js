// Lint, including the import boundaries from ARCHITECTURE.md.
// A boundary violation is an error, so it fails `npm test` (scripts/test.mjs runs lint first).
import js from "@eslint/js";
import tseslint from "typescript-eslint";

/** The one engine file that may import processors/ (ARCHITECTURE.md: the composition root). */
const COMPOSITION_ROOT = "engine/runtime/composition-root.ts";
const PROCESSORS_ONLY_IN_ROOT = [
  [["**/processors/**", "**/processors"], "Only engine/runtime/composition-root.ts imports processors/ (ARCHITECTURE.md)."],
];

const VENDOR_SDKS = ["kafkajs", "bullmq", "ioredis", "@prisma/*", "prisma", "next", "next/*", "react", "react-dom", "@xyflow/*"];

/**
 * Builds a no-restricted-imports rule from module patterns with one message each: an array of
 * gitignore-style globs, or a RegExp tested against the import string.
 * Flat config replaces (never merges) a rule's options when two blocks match one file, so each
 * block must list everything that applies to its files.
 */
function restrict(groups) {
  return ["error", { patterns: groups.map(([group, message]) => (group instanceof RegExp ? { regex: group.source, message } : { group, message })) }];
}

export default tseslint.config(
  { ignores: ["node_modules/**", ".next/**", ".next-*/**", ".cache/**", "data/**", "test-results/**", "prisma/generated/**", "next-env.d.ts", "test/fixtures/**"] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { process: "readonly", console: "readonly", Buffer: "readonly", setTimeout: "readonly", clearTimeout: "readonly", setInterval: "readonly", clearInterval: "readonly", setImmediate: "readonly", URL: "readonly", fetch: "readonly", performance: "readonly", AbortController: "readonly", TextEncoder: "readonly", TextDecoder: "readonly", structuredClone: "readonly", queueMicrotask: "readonly", window: "readonly", document: "readonly", navigator: "readonly", EventSource: "readonly", Response: "readonly", Request: "readonly", Headers: "readonly", Blob: "readonly", File: "readonly", FormData: "readonly", ReadableStream: "readonly", crypto: "readonly", __dirname: "readonly" } },
    rules: {
      "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_", varsIgnorePattern: "^_", caughtErrors: "none" }],
    },
  },
  {
    files: ["app/**"],
    ignores: ["app/lib/engine-client.ts"],
    rules: { "no-restricted-imports": restrict([
      [["**/engine/core/**", "**/engine/queue/**", "**/engine/scheduler/**", "**/engine/repository/**", "**/engine/runtime/**", "**/engine/cluster/**", "**/engine/sdk/**", "**/processors/**"], "app/ reaches the engine only through app/lib/engine-client.ts (ARCHITECTURE.md)."],
    ]) },
  },
  {
    files: ["processors/**"],
    rules: { "no-restricted-imports": restrict([
      [["**/engine/core/**", "**/engine/queue/**", "**/engine/scheduler/**", "**/engine/repository/**", "**/engine/runtime/**", "**/engine/cluster/**", "**/engine/api/**", "**/app/**"], "processors import only engine/sdk (ARCHITECTURE.md)."],
      [["bullmq", "ioredis"], "Only engine/cluster imports bullmq/ioredis."],
    ]) },
  },
  {
    files: ["processors/**"],
    ignores: ["processors/kafka/**"],
    rules: { "no-restricted-imports": restrict([
      [["**/engine/core/**", "**/engine/queue/**", "**/engine/scheduler/**", "**/engine/repository/**", "**/engine/runtime/**", "**/engine/cluster/**", "**/engine/api/**", "**/app/**"], "processors import only engine/sdk (ARCHITECTURE.md)."],
      [["kafkajs"], "Only processors/kafka imports kafkajs."],
      [["bullmq", "ioredis"], "Only engine/cluster imports bullmq/ioredis."],
    ]) },
  },
  {
    files: ["engine/core/**", "engine/queue/**", "engine/scheduler/**"],
    rules: { "no-restricted-imports": restrict([
      [VENDOR_SDKS, "engine/core, queue and scheduler import no vendor SDK (ARCHITECTURE.md)."],
      [["**/app/**", "**/processors/**", "**/engine/runtime/**", "**/engine/cluster/**", "**/engine/api/**"], "engine internals must not depend on outer layers."],
      // Inside engine/ the natural path is "../cluster/x", which the engine/... globs above miss.
      [/^(\.\.\/)+(runtime|cluster|api)(\/|$)/, "engine internals must not depend on outer layers."],
    ]) },
  },
  {
    files: ["engine/**"],
    ignores: ["engine/cluster/**", "engine/core/**", "engine/queue/**", "engine/scheduler/**", COMPOSITION_ROOT],
    rules: { "no-restricted-imports": restrict([
      [["bullmq", "ioredis"], "Only engine/cluster imports bullmq/ioredis."],
      [["kafkajs"], "Only processors/kafka imports kafkajs."],
      [["**/app/**", "next", "next/*", "react", "react-dom"], "the engine does not depend on the app."],
      ...PROCESSORS_ONLY_IN_ROOT,
    ]) },
  },
  {
    files: ["engine/cluster/**"],
    rules: { "no-restricted-imports": restrict([
      [["kafkajs"], "Only processors/kafka imports kafkajs."],
      [["**/app/**", "next", "next/*", "react", "react-dom"], "the engine does not depend on the app."],
      ...PROCESSORS_ONLY_IN_ROOT,
    ]) },
  },
  {
    // The composition root wires processors/ into the engine; it is the one engine file allowed to.
    files: [COMPOSITION_ROOT],
    rules: { "no-restricted-imports": restrict([
      [["bullmq", "ioredis"], "Only engine/cluster imports bullmq/ioredis."],
      [["kafkajs"], "Only processors/kafka imports kafkajs."],
      [["**/app/**", "next", "next/*", "react", "react-dom"], "the engine does not depend on the app."],
    ]) },
  },
  {
    // The processor test runner drives a processor through the real engine internals.
    files: ["processors/testing/**"],
    rules: { "no-restricted-imports": restrict([
      [["**/app/**"], "processors do not depend on the app."],
      [["kafkajs"], "Only processors/kafka imports kafkajs."],
      [["bullmq", "ioredis"], "Only engine/cluster imports bullmq/ioredis."],
    ]) },
  },
);
