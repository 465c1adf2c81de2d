// Entry point of the provenance index worker thread. Plain JavaScript on purpose: a worker's
// entry is loaded before any loader hook the parent registered applies to it, so when the
// worker code is TypeScript source (tsx, vitest) this file registers tsx first, then imports it.
import { workerData } from "node:worker_threads";

if (workerData.entry.endsWith(".ts")) {
  const { register } = await import("tsx/esm/api");
  register();
}
await import(workerData.entry);
