import { defineConfig } from "vitest/config";

// Three tiers, run one at a time by scripts/test.mjs so each tier gets the machine's two cores.
export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: "unit",
          include: ["test/unit/**/*.test.ts"],
          testTimeout: 60_000,
          pool: "forks",
          // Two files at a time (vitest's default on two cores is one): most of a unit file's
          // wall time is importing its modules, which a second fork overlaps.
          maxWorkers: 2,
        },
      },
      {
        test: {
          name: "integration",
          include: ["test/integration/**/*.test.ts"],
          globalSetup: ["test/integration/global-setup.ts"],
          testTimeout: 180_000,
          hookTimeout: 120_000,
          pool: "forks",
          // Two files at a time: most of this tier waits (for a broker, a node's lock to
          // expire, a child process), and every file keeps to its own names in Redis and Kafka
          // (kafka-outage runs a broker of its own). 330 s instead of 515 s on two cores.
          fileParallelism: true,
          maxWorkers: 2,
        },
      },
      {
        test: {
          name: "e2e",
          include: ["test/e2e/**/*.test.ts"],
          globalSetup: ["test/e2e/global-setup.ts"],
          testTimeout: 120_000,
          hookTimeout: 180_000,
          pool: "forks",
          fileParallelism: false,
        },
      },
    ],
  },
});
